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


POLES = """
function at(name, x, y) return s.create_entity{name = name, position = {x, y}, force = 'player'} end
a, b, far = at('small-electric-pole', 0.5, 0.5), at('small-electric-pole', 7.5, 0.5), at('small-electric-pole', 15.5, 0.5)
"""


def test_electric_network_id_joins_poles_in_reach_and_what_they_supply(level: Level) -> None:
    out = run_on_empty_surface(
        level,
        "local machine, chest = at('assembling-machine-1', 3.5, 3.5), at('iron-chest', 1.5, 1.5) "
        "p(a.electric_network_id == b.electric_network_id, a.electric_network_id == far.electric_network_id) "
        "p(machine.electric_network_id == a.electric_network_id, chest.electric_network_id, a.electric_network_id % 1 == 0 and a.electric_network_id > 0) "
        "b.destroy() p(a.electric_network_id == machine.electric_network_id, a.electric_network_id == far.electric_network_id) "
        "far.teleport{2.5, 0.5} p(far.electric_network_id == a.electric_network_id)",
        POLES,
    )
    assert out.split("\n") == ["true false", "true nil true", "true false", "true"]


def test_poles_of_one_network_share_its_statistics(level: Level) -> None:
    out = run_on_empty_surface(
        level,
        "a.electric_network_statistics.set_input_count('steam-engine', 7) "
        "p(b.electric_network_statistics.get_input_count('steam-engine'), "
        "far.electric_network_statistics.get_input_count('steam-engine'))",
        POLES,
    )
    assert out == "7 0"
