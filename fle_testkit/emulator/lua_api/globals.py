"""The globals of a level's Lua state, as Factorio 2.0 names them."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import draftsman

from .. import messages
from ..lua.runtime import LuaApiError
from .base import is_table
from .bootstrap import LuaBootstrap, LuaRCON, localised_text
from .context import ApiContext
from .game_script import LuaGameScript
from .helpers import LuaHelpers
from .prototypes import LuaPrototypes
from .rendering import LuaRendering

# The real defines table of Factorio 2.0, as draftsman ships it.
DEFINES_FILE = Path(draftsman.__file__).parent / "compatibility" / "defines.lua"  # draftsman 3.x: 2.0.60

# Lua-side helpers that need the caller's source line (log) or plain Lua (table_size).
_LUA_HELPERS = r"""
local host_log, host_text = ...
function log(message)
  local info = debug.getinfo(2, "Sl")
  local where = info and (info.source:sub(1, 1) == "@" and info.source or info.short_src) or "?"
  host_log(where .. ":" .. (info and info.currentline or 0), host_text(message))
end
function table_size(t)
  if type(t) ~= "table" then error("bad argument #1 of 1 to 'table_size' (table expected, got " .. type(t) .. ")", 2) end
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end
"""


def install_globals(ctx: ApiContext) -> LuaGameScript:
    """Set every global a level sees; returns ``game`` (set later, see Level)."""
    sandbox = ctx.sandbox
    g = sandbox.globals
    ctx.tostring = g.tostring
    sandbox.run(DEFINES_FILE.read_text(encoding="utf-8"), "@__core__/defines.lua")
    g.serpent = sandbox.lua.execute(
        resources.files("fle_testkit.emulator.lua").joinpath("serpent.lua").read_text(encoding="utf-8")
    )
    g.storage = sandbox.table()
    g.script = LuaBootstrap(ctx)
    g.rcon = LuaRCON(ctx)
    g.helpers = LuaHelpers(ctx)
    g.prototypes = LuaPrototypes(ctx)
    g.rendering = LuaRendering(ctx)
    g.localised_print = sandbox.host_function(lambda message: _print(localised_text(ctx, message)))
    setup = sandbox.lua.execute("return function(...) " + _LUA_HELPERS + " end")
    setup(
        sandbox.host_function(ctx.level.script_log), sandbox.host_function(lambda message: _text_or_error(ctx, message))
    )
    return LuaGameScript(ctx)


def _print(text: str) -> None:
    """localised_print: to stdout; a closed stdout (the harness went away) is not the level's error."""
    try:
        print(text, flush=True)
    except (BrokenPipeError, OSError, ValueError):
        pass


def _text_or_error(ctx: ApiContext, message: Any) -> str:
    if message is None or not (isinstance(message, (str, int, float, bool)) or is_table(message)):
        raise LuaApiError(messages.INVALID_LOCALISED_STRING)
    return localised_text(ctx, message)
