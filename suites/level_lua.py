"""An in-process Level on the harness's "lab" scenario, and helpers to run Lua on it.

For unit tests of the Lua API that need no server: each command runs as a
console command would, and values come back through helpers.table_to_json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.level import Level
from fle_testkit.emulator.lua.runtime import LuaRuntimeError
from fle_testkit.emulator.model.world import World
from fle_testkit.emulator.process import CORE_LUALIB
from fle_testkit.emulator.saves import read_save, read_scenario, write_save
from fle_testkit.scenario import ScenarioBuilder


def level_options(root: Path) -> dict[str, Any]:
    """What ``Level.new`` and ``Level.load`` take beyond the game: vanilla data, no logs, files under ``root``,
    and a clock that stands still: the game runs only the ticks a test asks for (``advance(until=...)``),
    not those a loaded machine's wall clock makes due between two commands."""
    return dict(
        gamedata=load_vanilla(),
        log=lambda line: None,
        script_log=lambda line: None,
        script_output=root / "script-output",
        core_lualib=CORE_LUALIB,
        now=lambda: 0.0,
    )


def lab_level(root: Path) -> Level:
    scenario = ScenarioBuilder("lab", out_root=root / "scenarios").build()
    return Level.new(
        name="lab",
        scenario_files=read_scenario(scenario.path),
        world=World.new(load_vanilla(), 1),
        **level_options(root),
    )


def blank_level(root: Path, setup: str = "", world: World | None = None) -> Level:
    """A level with an empty control.lua on ``world`` (a new vanilla one by default), after running
    ``setup`` (with ``p``)."""
    world = world if world is not None else World.new(load_vanilla(), 1)
    level = Level.new(name="lab", scenario_files={"control.lua": b""}, world=world, **level_options(root))
    lua(level, PRINT + setup)
    return level


def lua(level: Level, code: str) -> str:
    """Run ``code`` as a console command; what it printed, without the last newline."""
    return level.run_command(code, "=(test)").rstrip("\n")


def saved_and_loaded(level: Level, path: Path) -> Level:
    """The level written to the save ``path`` and loaded from it, with ``p`` defined again (globals are not saved)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_save(path, level.snapshot(advance=False))
    loaded = Level.load(read_save(path), **level_options(path.parent))
    lua(loaded, PRINT)
    return loaded


def run(level: Level, code: str) -> str:
    return level.run_command(code, "test")


def value(level: Level, expression: str) -> Any:
    return json.loads(run(level, f"rcon.print(helpers.table_to_json({{v = {expression}}}))")).get("v")


def error(level: Level, code: str) -> str:
    with pytest.raises(LuaRuntimeError) as raised:
        run(level, code)
    return str(raised.value)


#: Lua that defines p(...): it prints its arguments space-separated (a global: not saved).
PRINT = """
function p(...)
  local parts = {}
  for i = 1, select('#', ...) do parts[i] = tostring((select(i, ...))) end
  rcon.print(table.concat(parts, ' '))
end
"""
#: Lua that defines status(e): the defines.entity_status name of an entity's status (a global).
STATUS = """
function status(e)
  for name, number in pairs(defines.entity_status) do if number == e.status then return name end end
end
"""
# Lua run before each snippet of the API tests that build entities: p(...) as above, the
# surface starts with no entities, and `s` is nauvis.
EMPTY_SURFACE = (
    PRINT
    + """
for _, e in pairs(game.surfaces[1].find_entities()) do e.destroy() end
s = game.surfaces[1]
"""
)


def run_on_empty_surface(level: Level, code: str, setup: str = "") -> str:
    """Run ``setup`` then ``code`` after :data:`EMPTY_SURFACE`; returns what they printed."""
    return level.run_command(EMPTY_SURFACE + setup + code, "test").strip()


def error_on_empty_surface(level: Level, code: str, setup: str = "") -> str:
    """The error message ``code`` raises (run in a pcall after the setup), or 'no error'."""
    return run_on_empty_surface(level, f"local ok, e = pcall(function() {code} end) p(ok and 'no error' or e)", setup)
