"""Electric poles from Lua: LuaEntityPrototype's wire reach and supply area, LuaEntity's network members."""

from __future__ import annotations

import pytest
from level_lua import error_on_empty_surface, lab_level, run_on_empty_surface

from fle_testkit.emulator.level import Level


@pytest.fixture(scope="module")
def level(tmp_path_factory: pytest.TempPathFactory) -> Level:
    return lab_level(tmp_path_factory.mktemp("electric-api"))


def test_pole_prototypes_give_wire_reach_and_supply_area(level: Level) -> None:
    out = run_on_empty_surface(
        level,
        "local small, sub = prototypes.entity['small-electric-pole'], prototypes.entity['substation'] "
        "p(small.get_max_wire_distance(), small.get_supply_area_distance('normal')) "
        "p(sub.get_max_wire_distance(), sub.get_supply_area_distance()) "
        "p(prototypes.entity['beacon'].get_supply_area_distance(), prototypes.entity['iron-chest'].get_max_wire_distance())",
    )
    assert out.split("\n") == ["7.5 2.5", "18 9", "3 0"]
    error = error_on_empty_surface(level, "return prototypes.entity['iron-chest'].get_supply_area_distance()")
    assert error == "Entity is not an electric pole or beacon."
    missing = error_on_empty_surface(level, "return prototypes.entity['small-electric-pole'].supply_area_distance")
    assert "doesn't contain key supply_area_distance" in missing  # 1.1's property is a method in 2.0
