"""Reading a live Lua value, and every table it reaches, exactly (for saves and JSON).

The walk is raw (``next``, never ``pairs`` or indexing), so a table is read as
what it holds, whatever its ``__index`` or ``__pairs`` would show. The walk runs inside Lua, because lupa cannot hand Python a Lua string that is
not valid UTF-8 when the runtime decodes strings (its default), nor a -0 (it
turns integral doubles into ints), and reports a fresh coroutine as a function.
Lua renders every value as ASCII text; Python parses that into a ``Snapshot``.
The storage codec and the JSON codec both build on it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_to_bytes

from fle_testkit.emulator.errors import EmulatorError


class WalkError(EmulatorError):
    """The walk's own output could not be read (it never should be)."""


# --- reading a live Lua value -------------------------------------------------

# Compiled once per Lua state (compile_walker), before level code runs: it
# captures the base functions when it is compiled.
#
# Returns true, TEXT, MARKS or false, TYPE, WHERE ("value" | "key"), PATH where
# TEXT is the root token on the first line and then one line per table (table
# N on line N+1), each a tab-separated list KEY, VALUE, KEY, VALUE, ...; MARKS
# is a tab-separated list N, NAME, N, NAME... of the tables whose metatable
# `metatable_names` names (NAME a string token); PATH is the tab-separated key
# tokens from the root to the bad value (or to the table holding the bad key).
# Tokens: s<percent-escaped bytes>, n<%.17g>, T, F, t<table number>.
# Everything is ASCII.
_SNAPSHOT_LUA = r"""
local next, type, format, gsub, char, concat = next, type, string.format, string.gsub, string.char, table.concat
local rawget, getmetatable = rawget, debug and debug.getmetatable or getmetatable
local escape = {}
for byte = 0, 255 do escape[char(byte)] = format("%%%02X", byte) end
return function(root, object_ref, metatable_names)
  local id_of, tables, parent, via = {}, {}, {}, {}
  local function token(v, owner, key_token)
    local tv = type(v)
    if tv == "string" then return "s" .. gsub(v, "[%%%c\128-\255]", escape) end
    if tv == "number" then return "n" .. format("%.17g", v) end
    if tv == "boolean" then return v and "T" or "F" end
    if tv == "table" then
      local id = id_of[v]
      if not id then
        id = #tables + 1
        id_of[v], tables[id], parent[id], via[id] = id, v, owner, key_token
      end
      return "t" .. id
    end
    if tv == "userdata" and object_ref then
      local ref = object_ref(v)
      if ref then return "o" .. gsub(ref, "[%%%c\128-\255\t]", escape) end
    end
    return nil, tv
  end
  local function path_to(id, last)
    local reversed = {last}
    while id and parent[id] do
      reversed[#reversed + 1] = via[id]
      id = parent[id]
    end
    local path = {}
    for i = #reversed, 1, -1 do path[#path + 1] = reversed[i] end
    return concat(path, "\t")
  end
  local root_token, bad = token(root, nil, nil)
  if not root_token then return false, bad, "value", "" end
  local lines, marks = {root_token}, {}
  local i = 1
  while tables[i] do
    local t, parts = tables[i], {}
    local k, v = next(t)
    while k ~= nil do
      local kt, bad_key = token(k, i, "?")
      if not kt then return false, bad_key, "key", path_to(i, nil) end
      local vt, bad_value = token(v, i, kt)
      if not vt then return false, bad_value, "value", path_to(i, kt) end
      parts[#parts + 1] = kt
      parts[#parts + 1] = vt
      k, v = next(t, k)
    end
    lines[i + 1] = concat(parts, "\t")
    if metatable_names then
      local meta = getmetatable(t)
      local name = meta ~= nil and rawget(metatable_names, meta)
      if name then
        marks[#marks + 1] = i
        marks[#marks + 1] = "s" .. gsub(name, "[%%%c\128-\255]", escape)
      end
    end
    i = i + 1
  end
  return true, concat(lines, "\n"), concat(marks, "\t")
end
"""


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """An API object (a LuaEntity, say) in storage, by the reference its hook gave."""

    ref: str


@dataclass(frozen=True, slots=True)
class TableRef:
    """A table in a `Snapshot`, by its index in ``Snapshot.tables``."""

    index: int


# A Lua value as Python sees it here: bytes (string), float (number),
# bool (boolean), TableRef (table) or ObjectRef (an API object).
LuaValue = bytes | float | bool | TableRef | ObjectRef

ObjectReferencer = Callable[[Any], "str | None"]
"""Gives a saveable reference for an API object, or None when it has none."""
ObjectResolver = Callable[[str], Any]
"""Turns a reference back into an API object of the loaded game."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A Lua value and every table reachable from it, as plain Python.

    ``metatables`` names, by table index, the tables whose metatable the walk
    was asked to name (the registered ones, for a save).
    """

    root: LuaValue
    tables: list[list[tuple[LuaValue, LuaValue]]]
    metatables: dict[int, bytes] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Unserialisable:
    """Where a snapshot stopped: a value of a type that has no plain form."""

    lua_type: str
    is_key: bool
    path: list[LuaValue]  # keys from the root; for a bad key, the path of its table


def key_order(key: LuaValue) -> tuple:
    """Sort key for a table's keys: numbers by value, then strings by bytes, then
    booleans, then tables (by index) and API objects (by reference)."""
    if isinstance(key, bool):
        return (2, key)
    if isinstance(key, float):
        return (0, key)
    if isinstance(key, bytes):
        return (1, key)
    if isinstance(key, ObjectRef):
        return (4, key.ref)
    return (3, key.index)


def compile_walker(runtime: Any) -> Any:
    """The walker, compiled once per state before any level code runs.

    It captures ``next``, ``type`` and the string functions when compiled, so a
    level that replaces them later cannot change how its storage is saved.
    """
    return runtime.execute(_SNAPSHOT_LUA)


def snapshot(
    runtime: Any,
    value: Any,
    object_ref: ObjectReferencer | None = None,
    walker: Any = None,
    metatable_names: Any = None,
) -> Snapshot | Unserialisable:
    """Read `value` (a Lua value of `runtime`) and all it reaches, exactly.

    ``metatable_names`` (a Lua table: metatable -> name) names the tables
    whose metatable it holds; other metatables are not looked at.
    """
    walk = walker if walker is not None else compile_walker(runtime)
    result = walk(value, object_ref, metatable_names)  # several Lua results always arrive as a tuple
    if result[0] is True:
        return _parse_snapshot(_ascii(result[1]), _ascii(result[2]))
    _, lua_type, where, path = result
    path_text = _ascii(path)
    tokens = [_parse_token(t) for t in path_text.split("\t")] if path_text else []
    return Unserialisable(lua_type=_ascii(lua_type), is_key=_ascii(where) == "key", path=tokens)


def _ascii(text: str | bytes) -> str:
    # A runtime made with encoding=None returns bytes; the default returns str.
    return text.decode("ascii") if isinstance(text, bytes) else text


def _parse_token(token: str) -> LuaValue:
    tag, body = token[:1], token[1:]
    if tag == "s":
        return unquote_to_bytes(body)
    if tag == "n":
        return float(body)  # accepts inf, -inf, nan, -nan as %.17g writes them
    if tag == "T":
        return True
    if tag == "F":
        return False
    if tag == "t":
        return TableRef(int(body) - 1)
    if tag == "o":
        return ObjectRef(unquote_to_bytes(body).decode("utf-8"))
    raise WalkError(f"cannot read the walk of a Lua value: unknown token {token!r}")


def _parse_snapshot(text: str, marks: str = "") -> Snapshot:
    lines = text.split("\n")
    tables = []
    for line in lines[1:]:
        tokens = [_parse_token(t) for t in line.split("\t")] if line else []
        tables.append(list(zip(tokens[0::2], tokens[1::2], strict=False)))
    metatables = {}
    if marks:
        fields = marks.split("\t")
        for number, name in zip(fields[0::2], fields[1::2], strict=True):
            metatables[int(number) - 1] = unquote_to_bytes(name[1:])
    return Snapshot(root=_parse_token(lines[0]), tables=tables, metatables=metatables)


# --- paths, as Lua would write them ---------------------------------------------

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_LUA_KEYWORDS = frozenset(
    "and break do else elseif end false for function goto if in local nil not or "
    "repeat return then true until while".split()
)


def lua_path(root_name: str, keys: list[LuaValue]) -> str:
    """`storage.players[3].callback` from the keys leading there."""
    parts = [root_name]
    for key in keys:
        if isinstance(key, bytes):
            text = key.decode("utf-8", "replace")
            if _IDENTIFIER.match(text) and text not in _LUA_KEYWORDS and text.isascii():
                parts.append("." + text)
            else:
                parts.append("[" + _lua_quote(key) + "]")
        elif isinstance(key, bool):
            parts.append("[true]" if key else "[false]")
        elif isinstance(key, float):
            parts.append("[" + lua_number(key) + "]")
        elif isinstance(key, ObjectRef):
            parts.append(f"[{key.ref}]")
        else:
            parts.append("[table]")
    return "".join(parts)


def lua_number(x: float) -> str:
    """A number the way Factorio's Lua prints it: integral doubles without `.0`."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x.is_integer() and abs(x) < 2**63:
        return str(int(x))
    return repr(x)


def _lua_quote(raw: bytes) -> str:
    out = ['"']
    for byte in raw:
        ch = chr(byte)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 32 <= byte < 127:
            out.append(ch)
        else:
            out.append(f"\\{byte}")
    out.append('"')
    return "".join(out)
