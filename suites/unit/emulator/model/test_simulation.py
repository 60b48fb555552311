"""The tick simulation over the model: burner energy, the burner mining drill, the stone furnace,
sleeping and waking, statistics, saving; and the engine's bulk ticks against plain per-tick stepping.

Tick counts here follow from the prototype data (see suites/oracle.py for the rates alone).
"""

from __future__ import annotations

from typing import Any

import pytest

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model.entity import Entity
from fle_testkit.emulator.model.mining import MiningDrill
from fle_testkit.emulator.model.smelting import Furnace
from fle_testkit.emulator.model.surface import Surface
from fle_testkit.emulator.model.world import World

DRILL_TICKS_PER_ORE = 240  # 1 / (0.25 mining speed / 1 s iron ore mining time) x 60
FURNACE_TICKS_PER_PLATE = 192  # 3.2 s iron plate / crafting speed 1 x 60
COAL_TICKS_IN_DRILL = 1600  # 4 MJ / (150 kW / 60)
COAL_TICKS_IN_FURNACE = 2666  # 4 MJ / (90 kW / 60) = 2666.67: the rest carries over


@pytest.fixture(scope="module")
def gamedata() -> Any:
    return load_vanilla()


@pytest.fixture
def world(gamedata: Any) -> World:
    return World.new(gamedata, 1)


@pytest.fixture
def surface(world: World) -> Surface:
    return world.get_surface(1)


def ore_field(surface: Surface, x: float = 0, y: float = 0, amount: int = 1000, name: str = "iron-ore") -> None:
    for dx in (-1, 0):
        for dy in (-1, 0):
            surface.create_entity(name, (x + dx + 0.5, y + dy + 0.5), force="neutral", amount=amount)


def inventory(entity: Entity, name: str) -> Any:
    return next(i for i in entity.inventories.values() if i.name == name)


def fuelled_drill(surface: Surface, x: float = 0, coal: int = 5) -> Entity:
    """A burner mining drill at (x, 0) with ``coal`` in its fuel slot (none for 0)."""
    drill = surface.create_entity("burner-mining-drill", (x, 0), force="player")
    if coal:
        inventory(drill, "fuel").insert("coal", coal)
    return drill


def drill_with_chest(surface: Surface, x: float = 0, coal: int = 5, amount: int = 1000) -> tuple[Entity, Entity]:
    ore_field(surface, x, 0, amount)
    drill = fuelled_drill(surface, x, coal)
    return drill, surface.create_entity("wooden-chest", (x - 0.5, -1.5), force="player")


class TestBurnerDrill:
    def test_mines_one_ore_every_240_ticks(self, world: World, surface: Surface) -> None:
        drill, chest = drill_with_chest(surface)
        sim = world.simulation
        sim.run_until(DRILL_TICKS_PER_ORE - 1)
        assert chest.inventories[1].get_item_count("iron-ore") == 0
        sim.run_until(DRILL_TICKS_PER_ORE)
        assert chest.inventories[1].get_item_count("iron-ore") == 1
        sim.run_until(60 * 60)
        assert chest.inventories[1].get_item_count("iron-ore") == 15  # 0.25 ore/s for 60 s
        assert drill.machine is not None and drill.machine.state == "working"

    def test_burns_one_coal_per_1600_ticks_and_takes_it_when_it_starts(self, world: World, surface: Surface) -> None:
        drill, _ = drill_with_chest(surface, coal=2)
        sim = world.simulation
        sim.run_until(1)
        assert inventory(drill, "fuel").get_item_count("coal") == 1
        assert drill.burner is not None and drill.burner.currently_burning is not None
        assert drill.burner.remaining_burning_fuel == 4e6 - 2500
        assert drill.energy > 0
        sim.run_until(COAL_TICKS_IN_DRILL + 1)
        assert inventory(drill, "fuel").get_item_count("coal") == 0
        sim.run_until(2 * COAL_TICKS_IN_DRILL + 5)
        assert drill.machine is not None and drill.machine.state == "no_fuel"
        assert drill.burner.currently_burning is None
        assert drill.energy == 0
        # 3200 working ticks: ores on ticks 239, 479, ... 3119
        assert world.flow_statistics("item", "player", 1).get_input_count("iron-ore") == 13
        assert world.flow_statistics("item", "player", 1).get_output_count("coal") == 2

    def test_out_of_fuel_drill_wakes_when_fuel_arrives(self, world: World, surface: Surface) -> None:
        drill, chest = drill_with_chest(surface, coal=0)
        sim = world.simulation
        sim.run_until(1000)
        assert drill.machine is not None and drill.machine.state == "no_fuel"
        assert sim.next_step_tick() is None  # asleep: nothing queued, the clock may jump
        inventory(drill, "fuel").insert("coal", 1)
        sim.run_until(1000 + DRILL_TICKS_PER_ORE)
        assert chest.inventories[1].get_item_count("iron-ore") == 1

    def test_full_chest_blocks_and_taking_out_wakes(self, world: World, surface: Surface) -> None:
        drill, chest = drill_with_chest(surface)
        box = chest.inventories[1]
        for slot in range(len(box)):
            box.set_slot(slot, "stone", 50)
        sim = world.simulation
        sim.run_until(DRILL_TICKS_PER_ORE * 3)
        machine = drill.machine
        assert isinstance(machine, MiningDrill) and machine.state == "waiting_for_space_in_destination"
        assert machine.held == [("iron-ore", 1)]
        assert sim.next_step_tick() is None
        fuel_left = drill.burner.remaining_burning_fuel if drill.burner else 0
        sim.run_until(DRILL_TICKS_PER_ORE * 10)
        assert drill.burner is not None and drill.burner.remaining_burning_fuel == fuel_left  # blocked: burns nothing
        box.set_slot(0, None)
        sim.run_until(DRILL_TICKS_PER_ORE * 10 + 1)
        assert box.get_item_count("iron-ore") == 1
        assert machine.state == "working"

    def test_output_onto_the_ground_blocks_until_the_item_is_gone(self, world: World, surface: Surface) -> None:
        ore_field(surface)
        drill = fuelled_drill(surface)
        sim = world.simulation
        sim.run_until(DRILL_TICKS_PER_ORE * 3)
        items = surface.find_entities_filtered(type="item-entity")
        assert [item.stack for item in items] == [("iron-ore", 1)]
        assert drill.machine is not None and drill.machine.state == "waiting_for_space_in_destination"
        items[0].destroy()
        sim.run_until(DRILL_TICKS_PER_ORE * 3 + 1)
        assert len(surface.find_entities_filtered(type="item-entity")) == 1
        assert drill.machine.state == "working"

    def test_a_chest_placed_at_the_drop_position_wakes_a_blocked_drill(self, world: World, surface: Surface) -> None:
        ore_field(surface)
        fuelled_drill(surface)
        sim = world.simulation
        sim.run_until(DRILL_TICKS_PER_ORE * 2)
        chest = surface.create_entity("wooden-chest", (-0.5, -1.5), force="player")
        sim.run_until(DRILL_TICKS_PER_ORE * 2 + 1)
        assert chest.inventories[1].get_item_count("iron-ore") == 1

    def test_depletes_the_resource_and_stops(self, world: World, surface: Surface) -> None:
        drill, chest = drill_with_chest(surface, amount=2)
        sim = world.simulation
        sim.run_until(DRILL_TICKS_PER_ORE * 20)
        assert chest.inventories[1].get_item_count("iron-ore") == 8
        assert surface.find_entities_filtered(type="resource") == []
        assert drill.machine is not None and drill.machine.state == "no_minable_resources"

    def test_no_resource_under_it(self, world: World, surface: Surface) -> None:
        drill = fuelled_drill(surface)
        world.simulation.run_until(100)
        assert drill.machine is not None and drill.machine.state == "no_minable_resources"
        assert inventory(drill, "fuel").get_item_count("coal") == 5  # idle: nothing burnt

    def test_a_drill_outputs_coal_into_the_fuel_slot_of_a_furnace(self, world: World, surface: Surface) -> None:
        ore_field(surface, name="coal")
        fuelled_drill(surface, coal=1)
        furnace = surface.create_entity("stone-furnace", (-0.5, -2), force="player")
        world.simulation.run_until(DRILL_TICKS_PER_ORE)
        assert inventory(furnace, "fuel").get_item_count("coal") == 1

    def test_a_stopped_drill_does_nothing_until_started(self, world: World, surface: Surface) -> None:
        drill, chest = drill_with_chest(surface)
        drill.active = False
        drill.changed()
        world.simulation.run_until(1000)
        assert drill.machine is not None and drill.machine.state == "disabled_by_script"
        drill.active = True
        drill.changed()
        world.simulation.run_until(1000 + DRILL_TICKS_PER_ORE)
        assert chest.inventories[1].get_item_count("iron-ore") == 1


class TestStoneFurnace:
    def furnace(self, surface: Surface, ore: int = 10, coal: int = 5, name: str = "iron-ore") -> Entity:
        furnace = surface.create_entity("stone-furnace", (0, 0), force="player")
        if coal:
            inventory(furnace, "fuel").insert("coal", coal)
        if ore:
            inventory(furnace, "furnace_source").insert(name, ore)
        return furnace

    def test_smelts_one_plate_every_192_ticks(self, world: World, surface: Surface) -> None:
        furnace = self.furnace(surface)
        sim = world.simulation
        sim.run_until(FURNACE_TICKS_PER_PLATE - 1)
        assert inventory(furnace, "furnace_result").get_item_count("iron-plate") == 0
        assert inventory(furnace, "furnace_source").get_item_count("iron-ore") == 9  # taken when it starts
        sim.run_until(FURNACE_TICKS_PER_PLATE)
        assert inventory(furnace, "furnace_result").get_item_count("iron-plate") == 1
        sim.run_until(FURNACE_TICKS_PER_PLATE * 10 + 1)  # (the tick after the tenth finds no ore)
        assert inventory(furnace, "furnace_result").get_item_count("iron-plate") == 10
        assert furnace.machine is not None and furnace.machine.state == "no_ingredients"
        assert furnace.recipe is not None and furnace.recipe.name == "iron-plate"
        stats = world.flow_statistics("item", "player", 1)
        assert stats.get_input_count("iron-plate") == 10
        assert stats.get_output_count("iron-ore") == 10

    def test_recipe_follows_the_input(self, world: World, surface: Surface) -> None:
        furnace = self.furnace(surface, name="copper-ore", ore=1)
        world.simulation.run_until(FURNACE_TICKS_PER_PLATE)
        assert inventory(furnace, "furnace_result").get_item_count("copper-plate") == 1

    def test_stone_bricks_need_two_stone(self, world: World, surface: Surface) -> None:
        furnace = self.furnace(surface, name="stone", ore=1)
        world.simulation.run_until(1000)
        assert furnace.machine is not None and furnace.machine.state == "no_ingredients"
        inventory(furnace, "furnace_source").insert("stone", 1)
        world.simulation.run_until(1000 + FURNACE_TICKS_PER_PLATE)
        assert inventory(furnace, "furnace_result").get_item_count("stone-brick") == 1

    def test_full_result_slot_blocks(self, world: World, surface: Surface) -> None:
        furnace = self.furnace(surface)
        result = inventory(furnace, "furnace_result")
        result.insert("iron-plate", 99)
        sim = world.simulation
        sim.run_until(FURNACE_TICKS_PER_PLATE * 5)
        assert result.get_item_count("iron-plate") == 100
        assert furnace.machine is not None and furnace.machine.state == "full_output"
        result.remove("iron-plate", 50)
        sim.run_until(FURNACE_TICKS_PER_PLATE * 7)
        assert result.get_item_count("iron-plate") > 50

    def test_other_plates_in_the_result_slot_block(self, world: World, surface: Surface) -> None:
        furnace = self.furnace(surface)
        inventory(furnace, "furnace_result").insert("copper-plate", 1)
        world.simulation.run_until(100)
        assert furnace.machine is not None and furnace.machine.state == "full_output"
        assert inventory(furnace, "fuel").get_item_count("coal") == 5

    def test_no_fuel_keeps_the_ore_in_the_source(self, world: World, surface: Surface) -> None:
        furnace = self.furnace(surface, coal=0)
        world.simulation.run_until(100)
        machine = furnace.machine
        assert isinstance(machine, Furnace) and machine.state == "no_fuel" and not machine.crafting
        assert inventory(furnace, "furnace_source").get_item_count("iron-ore") == 10
        inventory(furnace, "fuel").insert("wood", 1)
        world.simulation.run_until(100 + FURNACE_TICKS_PER_PLATE)
        assert inventory(furnace, "furnace_result").get_item_count("iron-plate") == 1

    def test_coal_lasts_2666_and_two_thirds_ticks(self, world: World, surface: Surface) -> None:
        furnace = self.furnace(surface, ore=50, coal=2)
        sim = world.simulation
        sim.run_until(COAL_TICKS_IN_FURNACE)
        assert inventory(furnace, "fuel").get_item_count("coal") == 1
        sim.run_until(COAL_TICKS_IN_FURNACE + 1)
        assert inventory(furnace, "fuel").get_item_count("coal") == 0
        assert furnace.burner is not None
        assert furnace.burner.remaining_burning_fuel == pytest.approx(8e6 - 1500 * (COAL_TICKS_IN_FURNACE + 1))

    def test_a_craft_under_way_waits_for_fuel(self, world: World, surface: Surface) -> None:
        furnace = self.furnace(surface, coal=0)
        inventory(furnace, "fuel").insert("wood", 1)  # 2 MJ: 1333 ticks, the 7th plate runs out
        world.simulation.run_until(2000)
        machine = furnace.machine
        assert isinstance(machine, Furnace) and machine.state == "no_fuel" and machine.crafting
        assert inventory(furnace, "furnace_result").get_item_count("iron-plate") == 6
        inventory(furnace, "fuel").insert("coal", 1)
        world.simulation.run_until(2000 + FURNACE_TICKS_PER_PLATE)
        assert inventory(furnace, "furnace_result").get_item_count("iron-plate") == 7

    def test_a_drill_turned_puts_out_at_its_new_drop_position(self, world: World, surface: Surface) -> None:
        ore_field(surface)
        drill = fuelled_drill(surface)
        world.simulation.run_until(DRILL_TICKS_PER_ORE * 2)  # one ore on the ground, one held
        drill.rotate()
        world.simulation.run_until(DRILL_TICKS_PER_ORE * 2 + 1)
        assert len(surface.find_entities_filtered(type="item-entity")) == 2


class TestEngine:
    def test_bulk_ticks_equal_single_ticks(self, run_both_ways: Any) -> None:
        """The engine (plain ticks in bulk, steps on events) against every machine stepped every tick."""

        def build(world: World) -> list[Entity]:
            surface = world.get_surface(1)
            drill, chest = drill_with_chest(surface, x=0, coal=3, amount=7)
            blocked, _ = drill_with_chest(surface, x=10, coal=2)
            blocked_box = next(e for e in surface.find_entities_filtered(name="wooden-chest", position=(9.5, -1.5)))
            for slot in range(15):
                blocked_box.inventories[1].set_slot(slot, "stone", 50)
            furnace = surface.create_entity("stone-furnace", (20, 0), force="player")
            inventory(furnace, "fuel").insert("wood", 3)
            inventory(furnace, "furnace_source").insert("iron-ore", 30)
            return [drill, chest, blocked, blocked_box, furnace]

        ticks = 9000
        fast_entities, slow_entities, fast, slow = run_both_ways(build, ticks)
        assert fast.simulation.steps_run < ticks // 10
        for a, b in zip(fast_entities, slow_entities, strict=True):
            assert a.to_state() == b.to_state()
        assert fast.to_state()["statistics"] == slow.to_state()["statistics"]

    def test_idle_world_queues_nothing(self, world: World, surface: Surface) -> None:
        surface.create_entity("stone-furnace", (0, 0), force="player")
        world.simulation.run_until(10)
        assert world.simulation.next_step_tick() is None

    def test_run_until_stops_between_ticks_when_told(self, world: World, surface: Surface) -> None:
        for x in range(0, 400, 4):
            drill_with_chest(surface, x=x)
        reached = world.simulation.run_until(100_000, should_stop=lambda: True)
        assert reached < 100_000
        assert world.simulation.now == reached
        assert all(m.synced <= reached + 1 for m in world.simulation.machines.values())

    def test_machines_survive_a_save(self, gamedata: Any, world: World, surface: Surface) -> None:
        drill, chest = drill_with_chest(surface)
        furnace = surface.create_entity("stone-furnace", (10, 0), force="player")
        inventory(furnace, "fuel").insert("coal", 1)
        inventory(furnace, "furnace_source").insert("iron-ore", 20)
        world.simulation.run_until(1000)
        loaded = World.from_state(gamedata, world.to_state())
        assert loaded.simulation.now == 1000
        world.simulation.run_until(5000)
        loaded.simulation.run_until(5000)
        assert loaded.to_state() == world.to_state()
        machine = loaded.get_surface(1).find_entities_filtered(name="stone-furnace")[0].machine
        assert isinstance(machine, Furnace) and machine.products_finished == 13  # one coal: 2666 ticks / 192
