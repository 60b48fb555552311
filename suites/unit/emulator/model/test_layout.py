"""Which inventories entities get: sizes from prototypes, numbers from the 2.0 defines."""

from __future__ import annotations

import pytest

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import World
from fle_testkit.emulator.model.layout import inventory_specs

GD = load_vanilla()
INV = GD.defines["inventory"]


def layout(name: str) -> dict[str, int]:
    return {spec.name: spec.size for spec in inventory_specs(GD.entities[name], INV)}


def test_chests() -> None:
    assert layout("iron-chest") == {"chest": 32}
    assert layout("wooden-chest") == {"chest": 16}
    assert layout("steel-chest") == {"chest": GD.entities["steel-chest"].inventory_size}


def test_character() -> None:
    assert layout("character") == {
        "character_main": GD.entities["character"].inventory_size,
        "character_guns": 3,
        "character_ammo": 3,
        "character_armor": 1,
    }


def test_burner_machines_have_fuel() -> None:
    assert layout("stone-furnace") == {"fuel": 1, "furnace_source": 1, "furnace_result": 1}
    assert layout("burner-mining-drill") == {"fuel": 1}
    assert layout("boiler") == {"fuel": 1}
    assert layout("nuclear-reactor") == {"fuel": 1, "burnt_result": 1}
    assert layout("burner-inserter") == {"fuel": 1}


def test_electric_machines() -> None:
    assert layout("electric-furnace") == {"furnace_source": 1, "furnace_result": 1, "furnace_modules": 2}
    assert layout("assembling-machine-1") == {"assembling_machine_input": 0, "assembling_machine_output": 0}
    assert layout("assembling-machine-2")["assembling_machine_modules"] == 2
    assert layout("lab") == {"lab_input": len(GD.entities["lab"].lab_inputs), "lab_modules": 2}
    assert layout("electric-mining-drill") == {"mining_drill_modules": 3}


def test_vehicles_and_turrets() -> None:
    assert layout("car") == {"fuel": 1, "car_trunk": 80, "car_ammo": 1}
    assert layout("tank")["car_ammo"] == len(GD.entities["tank"].guns)
    assert layout("cargo-wagon") == {"cargo_wagon": 40}
    assert layout("gun-turret") == {"turret_ammo": 1}


def test_things_without_inventories() -> None:
    assert layout("transport-belt") == {}
    assert layout("iron-ore") == {}
    assert layout("small-electric-pole") == {}


def test_indexes_are_the_defines_numbers() -> None:
    specs = {spec.name: spec.index for spec in inventory_specs(GD.entities["stone-furnace"], INV)}
    assert specs == {
        "fuel": INV["fuel"],
        "furnace_source": INV["furnace_source"],
        "furnace_result": INV["furnace_result"],
    }
    assert (INV["fuel"], INV["furnace_source"], INV["furnace_result"]) == (1, 2, 3)
    character = {spec.name: spec.index for spec in inventory_specs(GD.entities["character"], INV)}
    assert character["character_main"] == 1 and character["character_guns"] == INV["character_guns"]


def test_every_entity_prototype_gets_a_consistent_layout() -> None:
    for prototype in GD.entities.values():
        specs = inventory_specs(prototype, INV)
        assert len({s.index for s in specs}) == len(specs), prototype.name


def test_entity_inventories_filter_their_items() -> None:
    surface = World.new(GD, 1).get_surface("nauvis")
    furnace = surface.create_entity("stone-furnace", (0, 0))
    fuel = furnace.get_inventory(INV["fuel"])
    source = furnace.get_inventory(INV["furnace_source"])
    assert fuel is not None and source is not None
    assert fuel.insert("iron-ore", 5) == 0 and fuel.insert("coal", 5) == 5
    assert source.insert("iron-ore", 60) == 50
    character = surface.create_entity("character", (0, 0))
    guns = character.get_inventory(INV["character_guns"])
    assert guns is not None and guns.insert("pistol", 1) == 1 and guns.insert("firearm-magazine", 1) == 0
    assert furnace.get_inventory(INV["furnace_modules"]) is None


@pytest.mark.parametrize("name", ["iron-chest", "character", "stone-furnace", "car"])
def test_inventory_names_match_their_index(name: str) -> None:
    for spec in inventory_specs(GD.entities[name], INV):
        assert INV[spec.name] == spec.index
