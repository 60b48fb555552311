"""The automated insertion limits (insertion_limits.py): how much an inserter puts into a furnace's
source, an assembler's input and a fuel slot before it waits; checked against the oracle, which reads
the rule's constants from the data, and the wiki's example."""

from __future__ import annotations

from typing import Any

import oracle
import pytest

from fle_testkit.emulator.model import crafter, insertion_limits
from fle_testkit.emulator.model.entity import Entity
from fle_testkit.emulator.model.status import status
from fle_testkit.emulator.model.surface import Surface
from fle_testkit.emulator.model.world import World

MINUTE = 60 * 60


def inventory(entity: Entity, name: str) -> Any:
    return next(i for i in entity.inventories.values() if i.name == name)


def feed(surface: Surface, machine: str, items: dict[str, int], coal: int = 20) -> tuple[Entity, Entity, Entity]:
    """A chest of ``items`` at (0.5, -0.5), a burner inserter below it with ``coal``, and ``machine``
    (2 x 2 or 3 x 3) below that, where the inserter drops."""
    chest = surface.create_entity("iron-chest", (0.5, -0.5), force="player")
    inserter = surface.create_entity("burner-inserter", (0.5, 0.5), force="player")
    size = 3 if machine.startswith("assembling") else 2
    target = surface.create_entity(machine, (0.5 if size == 3 else 1.0, 1 + size / 2), force="player")
    for name, count in items.items():
        chest.inventories[1].insert(name, count)
    inventory(inserter, "fuel").insert("coal", coal)
    return chest, inserter, target


@pytest.mark.parametrize(("machine", "recipe", "item"), sorted(oracle.DOCUMENTED_INSERTION_LIMITS))
def test_the_oracle_agrees_with_the_wiki(machine: str, recipe: str, item: str) -> None:
    assert oracle.insertion_limit(machine, recipe, item) == oracle.DOCUMENTED_INSERTION_LIMITS[(machine, recipe, item)]


@pytest.mark.parametrize(
    ("speed", "seconds", "multiplier"), [(1, 3.2, 2), (0.5, 0.5, 3), (2, 16, 2), (1.25, 0.5, 4), (1000, 0.5, 100)]
)
def test_the_overload_multiplier_counts_the_crafts_of_a_swing_plus_one(
    world: World, speed: float, seconds: float, multiplier: int
) -> None:
    constants = world.gamedata.recipe_overload
    assert insertion_limits.overload_multiplier(speed, seconds, constants) == multiplier


@pytest.mark.parametrize(
    ("machine", "recipe", "item"),
    [
        ("stone-furnace", "iron-plate", "iron-ore"),
        ("stone-furnace", "steel-plate", "iron-plate"),
        ("steel-furnace", "copper-plate", "copper-ore"),
        ("assembling-machine-1", "iron-gear-wheel", "iron-plate"),
        ("assembling-machine-2", "electronic-circuit", "copper-cable"),
        ("assembling-machine-1", "burner-mining-drill", "stone-furnace"),
    ],
)
def test_a_machine_fed_by_an_inserter_stops_at_the_oracle_limit(
    world: World, surface: Surface, machine: str, recipe: str, item: str
) -> None:
    _, inserter, target = feed(surface, machine, {item: 100}, coal=0 if machine.startswith("steel") else 20)
    if machine.startswith("assembling"):
        crafter.set_recipe(target, world.get_force("player").recipe(recipe))
    world.simulation.run_until(5 * MINUTE)
    source = inventory(target, "assembling_machine_input" if machine.startswith("assembling") else "furnace_source")
    # (Furnaces have no fuel, assemblers no power: nothing is used up.)
    assert source.get_item_count(item) == oracle.insertion_limit(machine, recipe, item)
    assert status(inserter) == "waiting_for_space_in_destination"


def test_a_bigger_hand_overfills_past_the_limit(world: World, surface: Surface) -> None:
    world.get_force("player").inserter_stack_size_bonus = 2
    _, _, furnace = feed(surface, "stone-furnace", {"iron-ore": 100})
    world.simulation.run_until(5 * MINUTE)
    assert inventory(furnace, "furnace_source").get_item_count("iron-ore") == 3  # one hand of 3 below the limit of 2


def test_fuel_goes_in_up_to_the_fuel_limit_after_the_inserter_took_its_own(world: World, surface: Surface) -> None:
    chest, inserter, furnace = feed(surface, "stone-furnace", {"coal": 50}, coal=0)
    world.simulation.run_until(5 * MINUTE)
    assert inventory(furnace, "fuel").get_item_count("coal") == insertion_limits.FUEL_LIMIT
    assert inventory(inserter, "fuel").get_item_count("coal") <= 1
    assert chest.inventories[1].get_item_count("coal") + inventory(inserter, "fuel").get_item_count("coal") == 45


def test_a_working_furnace_is_kept_at_its_limit(world: World, surface: Surface) -> None:
    """Ore goes in as the furnace uses it: plates come out at the furnace's own rate, the source never
    holds more than the limit."""
    _, _, furnace = feed(surface, "stone-furnace", {"iron-ore": 100})
    inventory(furnace, "fuel").insert("coal", 10)
    highest = 0
    for minute in range(1, 4):
        world.simulation.run_until(minute * MINUTE)
        highest = max(highest, inventory(furnace, "furnace_source").get_item_count("iron-ore"))
    plates = inventory(furnace, "furnace_result").get_item_count("iron-plate")
    assert highest <= oracle.insertion_limit("stone-furnace", "iron-plate", "iron-ore")
    # The inserter (0.77 ore/s) outruns the furnace (0.3125 plates/s): the furnace sets the pace.
    assert plates == pytest.approx(3 * 60 * float(oracle.crafting_rate("stone-furnace", "iron-plate")), abs=2)
