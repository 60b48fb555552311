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
from fle_testkit.emulator.saves import read_scenario
from fle_testkit.scenario import ScenarioBuilder


def lab_level(root: Path) -> Level:
    scenario = ScenarioBuilder("lab", out_root=root / "scenarios").build()
    gamedata = load_vanilla()
    return Level.new(
        gamedata=gamedata,
        name="lab",
        scenario_files=read_scenario(scenario.path),
        world=World.new(gamedata, 1),
        log=lambda line: None,
        script_log=lambda line: None,
        script_output=root / "script-output",
        core_lualib=CORE_LUALIB,
    )


def run(level: Level, code: str) -> str:
    return level.run_command(code, "test")


def value(level: Level, expression: str) -> Any:
    return json.loads(run(level, f"rcon.print(helpers.table_to_json({{v = {expression}}}))")).get("v")


def error(level: Level, code: str) -> str:
    with pytest.raises(LuaRuntimeError) as raised:
        run(level, code)
    return str(raised.value)
