"""Electricity in the tick simulation (power.py): the energy solve, generators, accumulators, and the
electric machines it drives (assembling.py, lab.py, electric drills and inserters).

Figures follow from the prototype data: a solar panel gives 60 kW (1,000 J a tick), an assembling
machine 1 asks 75 kW working plus its 2.5 kW drain (1,291.67 J a tick) and crafts a gear (0.5 s) at
crafting speed 0.5 in 60 ticks; an accumulator takes and gives up to 300 kW and holds 5 MJ.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from fle_testkit.emulator.model.entity import Entity
from fle_testkit.emulator.model.power import Accumulator, SteamEngine
from fle_testkit.emulator.model.status import status
from fle_testkit.emulator.model.surface import Surface
from fle_testkit.emulator.model.world import World

SOLAR_TICK = 1000  # J a tick, 60 kW
ASSEMBLER_TICK = Fraction(77_500, 60)  # 75 kW + 2.5 kW drain


def inventory(entity: Entity, name: str) -> Any:
    return next(i for i in entity.inventories.values() if i.name == name)


def powered(surface: Surface, panels: int = 2, accumulators: int = 0) -> Entity:
    """A small pole at (0.5, 0.5) with ``panels`` solar panels and ``accumulators`` accumulators west of it."""
    pole = surface.create_entity("small-electric-pole", (0.5, 0.5), force="player")
    for i in range(panels):
        surface.create_entity("solar-panel", (-2.5, -2.5 + 3 * i), force="player")
    for i in range(accumulators):
        surface.create_entity("accumulator", (-0.5 - 2 * i, 3.0), force="player")
    return pole


def gear_assembler(
    surface: Surface, world: World, plates: int = 20, position: tuple[float, float] = (3.5, 0.5)
) -> Entity:
    machine = surface.create_entity("assembling-machine-1", position, force="player")
    from fle_testkit.emulator.model.crafter import set_recipe

    set_recipe(machine, machine.force.recipe("iron-gear-wheel"))
    machine.force.recipe("iron-gear-wheel").enabled = True
    if plates:
        inventory(machine, "assembling_machine_input").insert("iron-plate", plates)
    return machine


class TestSolve:
    def test_enough_power_crafts_a_gear_every_60_ticks(self, world: World, surface: Surface) -> None:
        powered(surface)
        machine = gear_assembler(surface, world)
        world.simulation.run_until(601)
        assert inventory(machine, "assembling_machine_output").get_item_count("iron-gear-wheel") == 10
        assert status(machine) == "item_ingredient_shortage"

    def test_short_power_slows_every_consumer_by_the_satisfaction(self, world: World, surface: Surface) -> None:
        powered(surface, panels=1)
        machine = gear_assembler(surface, world)
        world.simulation.run_until(30)
        assert status(machine) == "low_power"
        # A tick adds 1/60 x 1000 / 1291.67 = 2/155 of a gear: 78 ticks a gear.
        world.simulation.run_until(78 * 5 + 1)
        assert inventory(machine, "assembling_machine_output").get_item_count("iron-gear-wheel") == 5

    def test_off_every_network_a_consumer_has_no_power(self, world: World, surface: Surface) -> None:
        machine = gear_assembler(surface, world)
        world.simulation.run_until(600)
        assert status(machine) == "no_power"
        assert inventory(machine, "assembling_machine_output").get_item_count("iron-gear-wheel") == 0

    def test_a_pole_placed_later_powers_it_up(self, world: World, surface: Surface) -> None:
        machine = gear_assembler(surface, world)
        world.simulation.run_until(100)
        powered(surface)
        world.simulation.run_until(100 + 61)
        assert inventory(machine, "assembling_machine_output").get_item_count("iron-gear-wheel") == 1

    def test_statistics_count_joules_in_and_out(self, world: World, surface: Surface) -> None:
        pole = powered(surface)
        machine = gear_assembler(surface, world, plates=200)
        world.simulation.run_until(600)
        stats = surface.electric.statistics(pole, world.gamedata.entities)
        for network in world.simulation.power.all_networks():
            network.advance()
        used = float(ASSEMBLER_TICK * 600)
        assert stats.get_output_count("assembling-machine-1") == pytest.approx(used, rel=1e-3)
        assert stats.get_input_count("solar-panel") == pytest.approx(used, rel=1e-3)
        assert machine.energy > 0

    def test_idle_consumers_drain_only(self, world: World, surface: Surface) -> None:
        pole = powered(surface)
        gear_assembler(surface, world, plates=0)
        world.simulation.run_until(600)
        for network in world.simulation.power.all_networks():
            network.advance()
        stats = surface.electric.statistics(pole, world.gamedata.entities)
        assert stats.get_output_count("assembling-machine-1") == pytest.approx(2500 / 60 * 600, rel=1e-3)


class TestAccumulators:
    def test_surplus_charges_an_accumulator(self, world: World, surface: Surface) -> None:
        powered(surface, panels=1, accumulators=1)
        world.simulation.run_until(600)
        accumulator = next(m for m in world.simulation.machines.values() if isinstance(m, Accumulator))
        accumulator.sync()
        assert accumulator.charge == SOLAR_TICK * 600

    def test_it_stops_exactly_when_full(self, world: World, surface: Surface) -> None:
        powered(surface, panels=1, accumulators=1)
        world.simulation.run_until(5000 + 100)  # 5 MJ at 1000 J a tick: full at tick 5000
        accumulator = next(m for m in world.simulation.machines.values() if isinstance(m, Accumulator))
        accumulator.sync()
        assert accumulator.charge == 5_000_000 and accumulator.rate == 0 and accumulator.asleep

    def test_a_charged_accumulator_powers_a_machine_until_empty(self, world: World, surface: Surface) -> None:
        powered(surface, panels=0, accumulators=1)
        machine = gear_assembler(surface, world, plates=2000)
        world.simulation.run_until(1)
        accumulator = next(m for m in world.simulation.machines.values() if isinstance(m, Accumulator))
        accumulator.charge = Fraction(ASSEMBLER_TICK * 600)
        world.simulation.power.dirty = True
        world.simulation.run_until(800)
        assert (
            inventory(machine, "assembling_machine_output").get_item_count("iron-gear-wheel") == 10
        )  # (600 ticks of power)
        assert status(machine) == "no_power"

    def test_bulk_ticks_equal_tick_by_tick(self) -> None:
        from fle_testkit.emulator.gamedata import load_vanilla

        results = []
        for step in (False, True):
            world = World.new(load_vanilla(), 1)
            surface = world.get_surface(1)
            powered(surface, panels=1, accumulators=1)
            machine = gear_assembler(surface, world, plates=100)
            if step:
                for tick in range(1, 3001):
                    world.simulation.run_until(tick)
            else:
                world.simulation.run_until(3000)
            accumulator = next(m for m in world.simulation.machines.values() if isinstance(m, Accumulator))
            accumulator.sync()
            machine.machine.sync()
            output = inventory(machine, "assembling_machine_output").get_item_count("iron-gear-wheel")
            results.append((output, machine.machine.progress, accumulator.charge))
        assert results[0] == results[1]


class TestGenerators:
    def test_a_steam_engine_gives_900_kw_at_most_and_nothing_without_steam(
        self, world: World, surface: Surface
    ) -> None:
        powered(surface, panels=0)
        engine = surface.create_entity("steam-engine", (0.5, 4.5), force="player")
        world.simulation.run_until(10)
        assert isinstance(engine.machine, SteamEngine)
        assert engine.machine.max_power() * 60 == 900_000
        assert engine.machine.available() == 0 and status(engine) == "no_input_fluid"

    def test_a_solar_panel_gives_60_kw_by_day(self, world: World, surface: Surface) -> None:
        powered(surface, panels=1)
        world.simulation.run_until(2)
        panel = next(e for e in surface.find_entities_filtered(name="solar-panel"))
        assert panel.machine.available() * 60 == 60_000 and status(panel) == "working"


class TestElectricMachines:
    def test_an_electric_drill_mines_an_ore_every_120_ticks(self, world: World, surface: Surface) -> None:
        powered(surface)
        surface.create_entity("iron-ore", (3.5, 0.5), amount=100)
        drill = surface.create_entity("electric-mining-drill", (3.5, 0.5), force="player")
        chest = surface.create_entity("wooden-chest", (3.5, -1.5), force="player")
        world.simulation.run_until(1201)
        assert drill.machine is not None
        assert inventory(chest, "chest").get_item_count("iron-ore") == 10

    def test_an_electric_inserter_moves_items_with_power_only(self, world: World, surface: Surface) -> None:
        powered(surface)
        source = surface.create_entity("wooden-chest", (2.5, -0.5), force="player")
        inventory(source, "chest").insert("iron-plate", 5)
        surface.create_entity("inserter", (2.5, 0.5), force="player")
        target = surface.create_entity("wooden-chest", (2.5, 1.5), force="player")
        world.simulation.run_until(600)
        assert inventory(target, "chest").get_item_count("iron-plate") == 5

    def test_a_lab_researches_the_current_research(self, world: World, surface: Surface) -> None:
        powered(surface, panels=2)
        lab = surface.create_entity("lab", (3.5, 0.5), force="player")
        force = lab.force
        automation = force.technology("automation")
        for name in automation.prototype.prerequisites:
            force.technology(name).researched = True
        assert force.research.add(automation)
        inventory(lab, "lab_input").insert("automation-science-pack", 10)
        world.simulation.run_until(3001)  # 10 units of 10 s at speed 1: 6000 ticks
        assert force.research.progress == pytest.approx(0.5)
        world.simulation.run_until(6002)
        assert automation.researched and force.recipe("assembling-machine-1").enabled
        assert force.research.current is None
        assert [t.name for _, t in world.simulation.cache["research-finished"]] == ["automation"]


class TestRecipes:
    def test_a_recipe_set_on_an_idle_machine_starts_it(self, world: World, surface: Surface) -> None:
        from fle_testkit.emulator.model.crafter import set_recipe

        powered(surface)
        machine = surface.create_entity("assembling-machine-1", (3.5, 0.5), force="player")
        world.simulation.run_until(10)
        assert status(machine) == "no_recipe" and machine.machine.asleep
        set_recipe(machine, machine.force.recipe("iron-gear-wheel"))
        inventory(machine, "assembling_machine_input").insert("iron-plate", 4)
        world.simulation.run_until(10 + 121)
        assert inventory(machine, "assembling_machine_output").get_item_count("iron-gear-wheel") == 2

    def test_a_full_output_stops_it(self, world: World, surface: Surface) -> None:
        powered(surface, panels=3)
        machine = gear_assembler(surface, world, plates=100)
        inventory(machine, "assembling_machine_output").insert("iron-gear-wheel", 99)
        world.simulation.run_until(200)
        assert inventory(machine, "assembling_machine_output").get_item_count("iron-gear-wheel") == 100
        assert status(machine) == "full_output"
        assert inventory(machine, "assembling_machine_input").get_item_count("iron-plate") == 98


def test_solar_panels_are_used_before_steam_engines(world: World, surface: Surface, monkeypatch: Any) -> None:
    """The steam engine's seam (steam_power) given full steam: it covers only what the panel cannot."""
    monkeypatch.setattr(SteamEngine, "steam_power", lambda self: self.max_power())
    pole = powered(surface, panels=1)
    surface.create_entity("steam-engine", (0.5, 4.5), force="player")
    machine = gear_assembler(surface, world, plates=100)
    world.simulation.run_until(600)
    world.simulation.sync_power()
    stats = surface.electric.statistics(pole, world.gamedata.entities)
    assert stats.get_input_count("solar-panel") == pytest.approx(SOLAR_TICK * 600)
    assert stats.get_input_count("steam-engine") == pytest.approx(float(ASSEMBLER_TICK - SOLAR_TICK) * 600)
    assert status(machine) == "working"


def test_a_machine_stops_when_its_panels_go_and_restarts_when_one_comes_back(world: World, surface: Surface) -> None:
    powered(surface)
    machine = gear_assembler(surface, world, plates=100)
    world.simulation.run_until(121)
    assert inventory(machine, "assembling_machine_output").get_item_count("iron-gear-wheel") == 2
    for panel in surface.find_entities_filtered(name="solar-panel"):
        panel.destroy()
    world.simulation.run_until(600)
    assert status(machine) == "no_power"
    assert inventory(machine, "assembling_machine_output").get_item_count("iron-gear-wheel") == 2
    surface.create_entity("solar-panel", (-2.5, -2.5), force="player")
    world.simulation.run_until(700)
    assert status(machine) == "low_power"
    assert inventory(machine, "assembling_machine_output").get_item_count("iron-gear-wheel") == 3


def test_a_generator_on_no_network_is_not_plugged_in_until_a_pole_reaches_it(world: World, surface: Surface) -> None:
    panel = surface.create_entity("solar-panel", (-2.5, -2.5), force="player")
    engine = surface.create_entity("steam-engine", (10.5, 0.5), force="player")
    world.simulation.run_until(10)
    assert status(panel) == status(engine) == "not_plugged_in_electric_network"
    surface.create_entity("small-electric-pole", (0.5, 0.5), force="player")  # reaches the panel, not the engine
    world.simulation.run_until(20)
    assert status(panel) == "working"
    assert status(engine) == "not_plugged_in_electric_network"
