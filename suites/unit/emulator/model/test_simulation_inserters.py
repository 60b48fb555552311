"""Burner inserters in the tick simulation (inserting.py): swings, fuel, what they take and where
they put it, sleeping and waking, saving; and the engine's bulk ticks against per-tick stepping.

Tick counts follow from the prototype data (suites/oracle.py has the rate alone): a burner inserter's
swing is ceil(0.5 turn / 0.013 turn a tick) = 39 ticks, and burns 50 kJ x 0.5 + 50 kJ x 0.2 = 35 kJ.
"""

from __future__ import annotations

from typing import Any

import pytest

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import ground
from fle_testkit.emulator.model.entity import Entity
from fle_testkit.emulator.model.geometry import Position
from fle_testkit.emulator.model.inserting import Inserter
from fle_testkit.emulator.model.smelting import Furnace
from fle_testkit.emulator.model.status import status
from fle_testkit.emulator.model.surface import Surface
from fle_testkit.emulator.model.world import World

SWING = 39  # ticks a leg takes
SWING_JOULES = 35_000
INITIAL_FUEL = 500_000  # 25 % of a wood (2 MJ)


@pytest.fixture(scope="module")
def gamedata() -> Any:
    return load_vanilla()  # (world and surface: conftest.py)


def inventory(entity: Entity, name: str) -> Any:
    return next(i for i in entity.inventories.values() if i.name == name)


def chest_line(
    surface: Surface, x: float = 0.5, coal: int = 0, contents: dict[str, int] | None = None
) -> tuple[Entity, Entity, Entity]:
    """A chest at (x, -0.5) holding ``contents``, a burner inserter at (x, 0.5) taking from it with
    ``coal`` in its fuel slot, and a chest at (x, 1.5) it puts into."""
    source = surface.create_entity("wooden-chest", (x, -0.5), force="player")
    inserter = surface.create_entity("burner-inserter", (x, 0.5), force="player")
    destination = surface.create_entity("wooden-chest", (x, 1.5), force="player")
    if coal:
        inventory(inserter, "fuel").insert("coal", coal)
    for name, count in (contents or {}).items():
        source.inventories[1].insert(name, count)
    return source, inserter, destination


def machine(entity: Entity) -> Inserter:
    assert isinstance(entity.machine, Inserter)
    return entity.machine


class TestSwing:
    def test_moves_one_item_every_two_swings(self, world: World, surface: Surface) -> None:
        _, inserter, destination = chest_line(surface, coal=5, contents={"iron-plate": 100})
        box = destination.inventories[1]
        sim = world.simulation
        sim.run_until(SWING - 1)
        assert box.get_item_count("iron-plate") == 0
        assert machine(inserter).hand == ("iron-plate", 1) and status(inserter) == "working"
        sim.run_until(SWING)
        assert box.get_item_count("iron-plate") == 1
        sim.run_until(SWING + 2 * SWING * 10)
        assert box.get_item_count("iron-plate") == 11
        assert sim.steps_run < 12 * 4  # a few steps a swing, not one a tick

    def test_burns_its_swings_and_its_initial_fuel_first(self, world: World, surface: Surface) -> None:
        _, inserter, destination = chest_line(surface, coal=1, contents={"iron-plate": 100})
        burner = inserter.burner
        assert burner is not None and burner.currently_burning is not None
        assert burner.currently_burning.name == "wood" and burner.remaining_burning_fuel == INITIAL_FUEL
        world.simulation.run_until(2 * SWING)  # one swing there and back
        assert burner.remaining_burning_fuel == pytest.approx(INITIAL_FUEL - 2 * SWING_JOULES)
        assert inventory(inserter, "fuel").get_item_count("coal") == 1

    def test_without_fuel_it_stops_when_the_initial_fuel_is_burnt(self, world: World, surface: Surface) -> None:
        _, inserter, destination = chest_line(surface, contents={"iron-plate": 100})
        world.simulation.run_until(100 * SWING)
        # 500 kJ pay for 14 whole swings of 35 kJ: 7 there, 7 back; the 15th stops half way.
        assert destination.inventories[1].get_item_count("iron-plate") == INITIAL_FUEL // SWING_JOULES // 2
        assert status(inserter) == "no_fuel" and world.simulation.next_step_tick() is None
        inventory(inserter, "fuel").insert("wood", 1)
        world.simulation.run_until(102 * SWING)
        assert destination.inventories[1].get_item_count("iron-plate") == 8

    def test_feeds_itself_from_fuel_it_picks_up(self, world: World, surface: Surface) -> None:
        _, inserter, destination = chest_line(surface, contents={"coal": 3})
        world.simulation.run_until(SWING)
        assert inventory(inserter, "fuel").get_item_count("coal") == 1
        assert destination.inventories[1].get_item_count("coal") == 1
        world.simulation.run_until(10 * SWING)
        assert destination.inventories[1].get_item_count("coal") == 2  # and keeps its own one

    def test_a_rotated_inserter_swings_the_other_way(self, world: World, surface: Surface) -> None:
        source, inserter, destination = chest_line(surface, coal=5)
        destination.inventories[1].insert("copper-plate", 3)
        inserter.rotate()
        inserter.rotate()
        world.simulation.run_until(SWING)
        assert source.inventories[1].get_item_count("copper-plate") == 1


class TestWaiting:
    def test_an_empty_source_sleeps_and_an_item_wakes_it(self, world: World, surface: Surface) -> None:
        source, inserter, destination = chest_line(surface, coal=5)
        sim = world.simulation
        sim.run_until(500)
        assert status(inserter) == "waiting_for_source_items" and sim.next_step_tick() is None
        source.inventories[1].insert("stone", 1)
        sim.run_until(500 + SWING)
        assert destination.inventories[1].get_item_count("stone") == 1

    def test_a_full_destination_holds_the_item_until_there_is_room(self, world: World, surface: Surface) -> None:
        _, inserter, destination = chest_line(surface, coal=5, contents={"iron-plate": 10})
        box = destination.inventories[1]
        sim = world.simulation
        sim.run_until(10)  # under way with a plate
        for slot in range(len(box)):
            box.set_slot(slot, "stone", 50)
        sim.run_until(1000)
        assert status(inserter) == "waiting_for_space_in_destination"
        assert machine(inserter).hand == ("iron-plate", 1) and sim.next_step_tick() is None
        box.set_slot(3, None)
        sim.run_until(1001)
        assert box.get_item_count("iron-plate") == 1

    def test_a_full_destination_leaves_the_source_alone(self, world: World, surface: Surface) -> None:
        source, inserter, chest = chest_line(surface, coal=5)
        chest.destroy()
        furnace = surface.create_entity("stone-furnace", (1, 2), force="player")  # covers the drop position
        inventory(furnace, "furnace_source").insert("iron-ore", 50)
        source.inventories[1].insert("iron-ore", 5)
        world.simulation.run_until(100)
        assert status(inserter) == "waiting_for_space_in_destination" and machine(inserter).hand is None
        assert source.inventories[1].get_item_count("iron-ore") == 5

    def test_a_stopped_inserter_waits_until_started(self, world: World, surface: Surface) -> None:
        _, inserter, destination = chest_line(surface, coal=5, contents={"iron-plate": 10})
        inserter.active = False
        inserter.changed()
        world.simulation.run_until(500)
        assert status(inserter) == "disabled_by_script"
        inserter.active = True
        inserter.changed()
        world.simulation.run_until(500 + SWING)
        assert destination.inventories[1].get_item_count("iron-plate") == 1


class TestTargets:
    def test_into_a_furnace_fuel_goes_to_the_fuel_slot_and_ore_to_the_source(
        self, world: World, surface: Surface
    ) -> None:
        source, inserter, chest = chest_line(surface, coal=5)
        chest.destroy()
        furnace = surface.create_entity("stone-furnace", (1, 2), force="player")
        source.inventories[1].insert("coal", 1)
        source.inventories[1].insert("iron-ore", 1)
        source.inventories[1].insert("wooden-chest", 1)  # nothing of the furnace takes it
        world.simulation.run_until(5 * SWING)
        furnace_machine = furnace.machine
        assert furnace.burner is not None and furnace.burner.currently_burning is not None
        assert furnace.burner.currently_burning.name == "coal"
        assert isinstance(furnace_machine, Furnace) and furnace_machine.crafting  # the ore went in and smelts
        assert source.inventories[1].get_item_count() == 1  # the chest: nothing of the furnace takes it
        assert status(inserter) == "waiting_for_space_in_destination"

    def test_out_of_a_furnace_it_takes_the_result_only(self, world: World, surface: Surface) -> None:
        furnace = surface.create_entity("stone-furnace", (0.5, -1), force="player")
        inserter = surface.create_entity("burner-inserter", (0.5, 0.5), force="player")
        chest = surface.create_entity("wooden-chest", (0.5, 1.5), force="player")
        inventory(inserter, "fuel").insert("coal", 1)
        inventory(furnace, "furnace_source").insert("iron-ore", 1)
        inventory(furnace, "fuel").insert("coal", 1)
        world.simulation.run_until(600)
        assert chest.inventories[1].get_item_count() == 1
        assert chest.inventories[1].get_item_count("iron-plate") == 1
        assert inventory(furnace, "furnace_result").is_empty()

    def test_picks_up_from_the_ground_and_drops_onto_it(self, world: World, surface: Surface) -> None:
        inserter = surface.create_entity("burner-inserter", (0.5, 0.5), force="player")
        inventory(inserter, "fuel").insert("coal", 1)
        ground.put_down(surface, Position(0.3, -0.3), "iron-gear-wheel", 2)
        world.simulation.run_until(SWING)
        dropped = ground.items_on_tile(surface, Position(0.5, 1.7))
        assert [item.stack for item in dropped] == [("iron-gear-wheel", 1)]
        world.simulation.run_until(4 * SWING)
        # The second waits until the first is gone from the drop position.
        assert status(inserter) == "waiting_for_space_in_destination"
        assert machine(inserter).hand is None  # (it picks nothing the drop position cannot take)
        dropped[0].destroy()
        world.simulation.run_until(5 * SWING)
        assert [item.stack for item in ground.items_on_tile(surface, Position(0.5, 1.7))] == [("iron-gear-wheel", 1)]
        assert ground.items_on_tile(surface, Position(0.5, -0.5)) == []

    def test_an_item_put_down_at_the_pickup_wakes_it(self, world: World, surface: Surface) -> None:
        _, inserter, destination = chest_line(surface, coal=5)
        surface.find_entities_filtered(name="wooden-chest", position=(0.5, -0.5))[0].destroy()
        world.simulation.run_until(300)
        assert world.simulation.next_step_tick() is None
        ground.put_down(surface, Position(0.5, -0.5), "copper-cable", 1)
        world.simulation.run_until(300 + SWING)
        assert destination.inventories[1].get_item_count("copper-cable") == 1

    def test_a_chest_placed_at_the_drop_position_wakes_it(self, world: World, surface: Surface) -> None:
        source, inserter, destination = chest_line(surface, coal=5)
        destination.destroy()
        ground.put_down(surface, Position(0.5, 1.7), "stone", 1)  # the ground there is taken
        source.inventories[1].insert("iron-plate", 1)
        world.simulation.run_until(300)
        assert status(inserter) == "waiting_for_space_in_destination"
        chest = surface.create_entity("wooden-chest", (0.5, 1.5), force="player")
        world.simulation.run_until(301 + SWING)
        assert chest.inventories[1].get_item_count("iron-plate") == 1

    def test_electric_inserters_stay_still_without_power(self, world: World, surface: Surface) -> None:
        surface.create_entity("wooden-chest", (0.5, -0.5), force="player").inventories[1].insert("coal", 5)
        inserter = surface.create_entity("inserter", (0.5, 0.5), force="player")
        world.simulation.run_until(1000)
        assert status(inserter) == "no_power"


def test_a_drill_to_furnace_to_chest_line_makes_plates(world: World, surface: Surface) -> None:
    for dx in (-1, 0):
        for dy in (-1, 0):
            surface.create_entity("iron-ore", (dx + 0.5, dy + 0.5), force="neutral", amount=1000)
    drill = surface.create_entity("burner-mining-drill", (0, 0), force="player")  # drops at (-0.5, -1.3)
    inventory(drill, "fuel").insert("coal", 10)
    furnace = surface.create_entity("stone-furnace", (-0.5, -2), force="player")
    inventory(furnace, "fuel").insert("coal", 10)
    inserter = surface.create_entity("burner-inserter", (-0.5, -3.5), force="player", direction=8)
    inventory(inserter, "fuel").insert("coal", 1)
    chest = surface.create_entity("wooden-chest", (-0.5, -4.5), force="player")
    world.simulation.run_until(60 * 60)
    # 15 ores in a minute; the furnace needs 3.2 s a plate after the first ore: 14 or 15 plates out.
    assert 13 <= chest.inventories[1].get_item_count("iron-plate") <= 15


def test_bulk_ticks_equal_single_ticks(run_both_ways: Any) -> None:
    def build(world: World) -> list[Entity]:
        surface = world.get_surface(1)
        a = chest_line(surface, x=0.5, contents={"iron-plate": 30})
        b = chest_line(surface, x=4.5, coal=1, contents={"coal": 4})
        c = chest_line(surface, x=8.5, coal=2, contents={"stone": 20})
        for slot in range(15):  # one slot left: it fills, then the inserter waits
            c[2].inventories[1].set_slot(slot, "wood", 100)
        return [*a, *b, *c]

    fast_entities, slow_entities, _, _ = run_both_ways(build, 6000)
    for a, b in zip(fast_entities, slow_entities, strict=True):
        assert a.to_state() == b.to_state()


def test_inserters_survive_a_save(gamedata: Any, world: World, surface: Surface) -> None:
    chest_line(surface, coal=1, contents={"iron-plate": 50})
    world.simulation.run_until(SWING // 2)
    state = world.to_state()
    loaded = World.from_state(gamedata, state)
    saved = loaded.get_surface(1).find_entities_filtered(name="burner-inserter")[0]
    assert machine(saved).hand == ("iron-plate", 1) and machine(saved).moving
    world.simulation.run_until(5000)
    loaded.simulation.run_until(5000)
    assert loaded.to_state() == world.to_state()
