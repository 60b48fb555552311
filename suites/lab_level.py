"""An in-process level of the "lab" scenario, for unit tests that run Lua without a server."""

from __future__ import annotations

from pathlib import Path

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.level import Level
from fle_testkit.emulator.model.world import World
from fle_testkit.emulator.process import CORE_LUALIB
from fle_testkit.emulator.saves import read_scenario
from fle_testkit.scenario import ScenarioBuilder


def lab_level(root: Path) -> Level:
    """A new lab level whose files live under ``root``; logs go nowhere."""
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
