"""Fluids in the tick simulation: segments' content, the offshore pump, the boiler, and a consumer's take."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import oracle
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import Surface, World
from fle_testkit.emulator.model.entity import Entity
from fle_testkit.emulator.model.fluid_segments import take

PIPES = 4


def water(surface: Surface, x0: int = -6, y0: int = -4) -> None:
    for x in range(x0, x0 + 5):
        for y in range(y0, y0 + 10):
            surface.tiles.set(x, y, "water")


def chain(surface: Surface, y: float = 1.5, pipes: int = PIPES, coal: int = 0) -> tuple[Entity, list[Entity], Entity]:
    """An offshore pump on water at x=-0.5, ``pipes`` pipes east of it, a boiler taking their water (facing north)."""
    water(surface, y0=int(y) - 4)
    pump = surface.create_entity("offshore-pump", (-0.5, y), direction=12, force="player")
    line = [surface.create_entity("pipe", (x + 0.5, y), force="player") for x in range(pipes)]
    boiler = surface.create_entity("boiler", (pipes + 1.5, y - 0.5), direction=0, force="player")
    if coal:
        fuel(boiler).insert("coal", coal)
    return pump, line, boiler


def fuel(entity: Entity) -> Any:
    return next(i for i in entity.inventories.values() if i.name == "fuel")


def content(surface: Surface, entity: Entity, box: int = 1) -> tuple[str, Fraction, float] | None:
    return surface.fluids.box_content(entity, box)


def state(entity: Entity) -> str | None:
    assert entity.machine is not None
    return entity.machine.state


class TestSegments:
    def test_pipes_and_machines_connected_share_one_segment_by_volume(self, surface: Surface) -> None:
        pump, line, boiler = chain(surface)
        segment = surface.fluids.segment(line[0], 1)
        assert segment is surface.fluids.segment(pump, 1) is surface.fluids.segment(boiler, 1)
        assert segment is not surface.fluids.segment(boiler, 2)  # a boiler's water and steam stay apart
        assert segment.capacity == 100 + 100 * PIPES + 200
        surface.fluids.give(line[0], 1, "water", Fraction(350), 15.0)
        assert content(surface, line[2]) == ("water", Fraction(350) * 100 / 700, 15.0)
        assert content(surface, boiler) == ("water", Fraction(100), 15.0)
        assert content(surface, boiler, 2) is None

    def test_filters_and_mixing_are_refused(self, surface: Surface) -> None:
        _, line, boiler = chain(surface)
        assert surface.fluids.give(boiler, 1, "steam", Fraction(10), 165.0) == 0  # the boiler's input filters water
        assert surface.fluids.give(boiler, 2, "water", Fraction(10), 15.0) == 0
        tank = surface.create_entity("storage-tank", (20.5, 20.5), force="player")
        assert surface.fluids.give(tank, 1, "crude-oil", Fraction(10), 25.0) == 10
        assert surface.fluids.give(tank, 1, "water", Fraction(10), 15.0) == 0
        assert surface.fluids.take(tank, 1, Fraction(10), "water") == 0
        assert surface.fluids.take(tank, 1, Fraction(10)) == 10
        assert surface.fluids.give(tank, 1, "water", Fraction(10), 15.0) == 10  # empty: any fluid again

    def test_a_removed_pipe_takes_its_share_and_splits_the_segment(self, surface: Surface) -> None:
        pump, line, boiler = chain(surface)
        surface.fluids.give(pump, 1, "water", Fraction(700), 15.0)
        line[1].destroy()
        west, east = surface.fluids.segment(pump, 1), surface.fluids.segment(boiler, 1)
        assert west is not east
        assert (west.amount, east.amount) == (200, 200 + 200)  # pump + pipe 0; pipes 2, 3 + boiler

    def test_a_pipe_joining_two_segments_merges_their_content_and_temperatures(self, surface: Surface) -> None:
        a = surface.create_entity("pipe", (0.5, 0.5), force="player")
        b = surface.create_entity("pipe", (2.5, 0.5), force="player")
        surface.fluids.give(a, 1, "water", Fraction(50), 15.0)
        surface.fluids.give(b, 1, "water", Fraction(100), 90.0)
        middle = surface.create_entity("pipe", (1.5, 0.5), force="player")
        segment = surface.fluids.segment(middle, 1)
        assert (segment.fluid, segment.amount, segment.temperature) == ("water", 150, 65.0)
        assert content(surface, a) == ("water", Fraction(50), 65.0)

    def test_segments_of_two_fluids_joined_keep_the_larger(self, surface: Surface) -> None:
        a = surface.create_entity("pipe", (0.5, 0.5), force="player")
        b = surface.create_entity("pipe", (2.5, 0.5), force="player")
        surface.fluids.give(a, 1, "water", Fraction(50), 15.0)
        surface.fluids.give(b, 1, "crude-oil", Fraction(60), 25.0)
        surface.create_entity("pipe", (1.5, 0.5), force="player")
        segment = surface.fluids.segment(a, 1)
        assert (segment.fluid, segment.amount) == ("crude-oil", 60)

    def test_set_box_fills_the_segment_to_the_level_written(self, surface: Surface) -> None:
        a = surface.create_entity("pipe", (0.5, 0.5), force="player")
        b = surface.create_entity("pipe", (1.5, 0.5), force="player")
        surface.fluids.set_box(a, 1, ("water", Fraction(40), 20.0))
        assert surface.fluids.segment(b, 1).amount == 80
        assert content(surface, a) == content(surface, b) == ("water", 40, 20.0)
        surface.fluids.set_box(a, 1, ("crude-oil", Fraction(500), 25.0))  # (capped at the segment's 200)
        assert content(surface, b) == ("crude-oil", 100, 25.0)
        surface.fluids.set_box(a, 1, None)
        assert surface.fluids.segment(b, 1).amount == 0 and content(surface, b) is None


class TestMachines:
    def test_offshore_pump_pumps_20_a_tick_and_sleeps_when_full(self, world: World, surface: Surface) -> None:
        pump, line, boiler = chain(surface)
        world.simulation.run_until(10)
        assert surface.fluids.segment(pump, 1).amount == 200
        assert state(pump) == "working"
        world.simulation.run_until(100)
        assert surface.fluids.segment(pump, 1).amount == 700
        assert state(pump) == "full_output"
        assert state(boiler) == "no_fuel"
        steps = world.simulation.steps_run
        world.simulation.run_until(100_000)
        assert world.simulation.steps_run == steps  # a full chain sleeps whole

    def test_offshore_pump_off_water_pumps_nothing(self, world: World, surface: Surface) -> None:
        pump = surface.create_entity("offshore-pump", (0.5, 0.5), force="player")
        world.simulation.run_until(10)
        assert state(pump) == "no_input_fluid"
        assert surface.fluids.segment(pump, 1).amount == 0

    def test_boiler_makes_60_steam_a_second_at_165_degrees_from_1_8_megawatts(
        self, world: World, surface: Surface
    ) -> None:
        pump, _, boiler = chain(surface, coal=1)
        world.simulation.run_until(60)  # ticks 0..59: the pump steps first, so the boiler has water from tick 0
        steam = content(surface, boiler, 2)
        assert steam == ("steam", Fraction(60), 165.0)
        assert state(boiler) == "working"
        assert boiler.burner is not None
        # 60 ticks at 30 kJ from a coal's 4 MJ
        assert boiler.burner.remaining_burning_fuel == pytest.approx(4e6 - 60 * 30e3)

    def test_fluid_production_statistics_count_water_pumped_and_boiled_and_steam_made(
        self, world: World, surface: Surface
    ) -> None:
        chain(surface, coal=1)
        world.simulation.run_until(100)
        statistics = world.flow_statistics("fluid", "player", 1)
        # The pump fills its 700 units and then gives what the boiler boils, a unit a tick.
        assert statistics.get_output_count("water") == statistics.get_input_count("steam") == 100
        assert statistics.get_input_count("water") == 700 + 100 - 1  # (the boiler took the last one after it)
        assert world.flow_statistics("item", "player", 1).get_output_count("coal") == 1

    def test_boiler_sleeps_with_full_output_until_a_consumer_takes(self, world: World, surface: Surface) -> None:
        _, _, boiler = chain(surface, coal=5)
        world.simulation.run_until(400)
        assert content(surface, boiler, 2) == ("steam", Fraction(200), 165.0)
        assert state(boiler) == "full_output"
        assert take(boiler, 2, 30) == 30
        assert take(boiler, 2, 300, "water") == 0  # (only steam is there)
        world.simulation.run_until(415)
        assert content(surface, boiler, 2) == ("steam", Fraction(185), 165.0)
        world.simulation.run_until(1000)
        assert state(boiler) == "full_output"

    def test_boiler_without_water_waits_for_it(self, world: World, surface: Surface) -> None:
        boiler = surface.create_entity("boiler", (0, 0), force="player")
        fuel(boiler).insert("coal", 1)
        world.simulation.run_until(10)
        assert state(boiler) == "no_input_fluid"
        surface.fluids.give(boiler, 1, "water", Fraction(10), 15.0)
        world.simulation.run_until(30)
        assert content(surface, boiler, 2) == ("steam", Fraction(10), 165.0)
        assert content(surface, boiler, 1) is None

    def test_a_pipe_built_between_wakes_the_sleeping_pump(self, world: World, surface: Surface) -> None:
        pump, line, boiler = chain(surface, coal=2)
        line[1].destroy()
        world.simulation.run_until(200)
        assert state(pump) == "full_output" and state(boiler) == "no_input_fluid"
        surface.create_entity("pipe", (1.5, 1.5), force="player")
        world.simulation.run_until(300)
        assert state(boiler) in ("working", "full_output")
        assert content(surface, boiler, 2) is not None

    def test_building_elsewhere_wakes_no_fluid_machine(self, world: World, surface: Surface) -> None:
        chain(surface)
        world.simulation.run_until(100)
        steps = world.simulation.steps_run
        for x in range(10):
            surface.create_entity("pipe", (x + 20.5, 20.5), force="player")
        surface.find_entities_filtered(name="pipe", position=(22.5, 20.5))[0].destroy()
        world.simulation.run_until(200)
        assert world.simulation.steps_run == steps


class TestEngine:
    def test_per_tick_stepping_gives_the_same_fluids(self, run_both_ways: Any) -> None:
        def build(world: World) -> list[Entity]:
            pump, line, boiler = chain(world.get_surface(1), coal=1)
            return [pump, *line, boiler]

        fast_entities, slow_entities, fast, slow = run_both_ways(build, 3000)
        for a, b in zip(fast_entities, slow_entities, strict=True):
            assert a.to_state() == b.to_state()
        assert fast.to_state()["surfaces"] == slow.to_state()["surfaces"]

    def test_fluids_survive_a_save_exactly(self, world: World, surface: Surface) -> None:
        _, _, boiler = chain(surface, coal=3)
        world.simulation.run_until(137)
        take(boiler, 2, Fraction(1, 3))
        loaded = World.from_state(load_vanilla(), world.to_state())
        for each in (world, loaded):
            each.simulation.run_until(5000)
            take(each.get_surface(1).find_entities_filtered(name="boiler")[0], 2, 77)
            each.simulation.run_until(9000)
        assert loaded.to_state() == world.to_state()
        assert loaded.get_surface(1).fluids.to_state()[0]["amount"] != [0, 1]


LONG = settings(max_examples=40, deadline=None)


class TestOracle:
    @pytest.mark.parametrize(("machine", "fluid"), sorted(oracle.DOCUMENTED_FLUIDS))
    def test_the_oracle_agrees_with_the_documented_fluid_rates(self, machine: str, fluid: str) -> None:
        rate = oracle.pumping_rate(machine) if machine in ("offshore-pump", "pump") else oracle.boiler_rate(machine)
        assert rate == oracle.DOCUMENTED_FLUIDS[(machine, fluid)]

    def test_the_oracle_agrees_with_the_documented_boiler(self) -> None:
        boiler = oracle.entity("boiler")
        documented = oracle.DOCUMENTED_BOILER
        assert oracle.energy(boiler["energy_consumption"]) == documented["energy_consumption_watts"]
        assert boiler["target_temperature"] == documented["steam_temperature"]

    @LONG
    @given(ticks=st.integers(1, 3000), pipes=st.integers(0, 12))
    def test_an_offshore_pump_fills_a_tank_at_the_oracles_rate(self, ticks: int, pipes: int) -> None:
        world = World.new(load_vanilla(), 1)
        surface = world.get_surface(1)
        water(surface)
        pump = surface.create_entity("offshore-pump", (-0.5, 1.5), direction=12, force="player")
        for x in range(pipes):
            surface.create_entity("pipe", (x + 0.5, 1.5), force="player")
        tank = surface.create_entity("storage-tank", (pipes + 1.5, 2.5), force="player")
        segment = surface.fluids.segment(pump, 1)
        assert segment is surface.fluids.segment(tank, 1)
        world.simulation.run_until(ticks)
        expected = min(segment.capacity, ticks * oracle.pumping_rate("offshore-pump") / oracle.TICKS_PER_SECOND)
        assert segment.amount == expected

    @LONG
    @given(
        fuel_name=st.sampled_from(["coal", "wood", "solid-fuel"]),
        fuel_count=st.integers(0, 6),
        pipes=st.integers(0, 20),
        every=st.integers(1, 200),
        seconds=st.integers(1, 20 * 60),
    )
    def test_a_chain_with_its_steam_taken_boils_what_the_oracle_says(
        self, fuel_name: str, fuel_count: int, pipes: int, every: int, seconds: int
    ) -> None:
        """Offshore pump -> pipes -> boiler, a consumer taking all its steam every ``every`` ticks
        (no more than 200 ticks: the boiler's 200 units of room never fill at 1 a tick)."""
        world = World.new(load_vanilla(), 1)
        surface = world.get_surface(1)
        pump, _, boiler = chain(surface, pipes=pipes)
        if fuel_count:
            fuel(boiler).insert(fuel_name, fuel_count)
        ticks = seconds * 60
        taken = Fraction(0)
        for tick in range(every, ticks + every, every):
            world.simulation.run_until(min(tick, ticks))
            taken += take(boiler, 2, 10**6)
        assert taken == oracle.expected_steam("boiler", ticks, fuel_name, fuel_count)
        water_segment = surface.fluids.segment(pump, 1)
        # Water boiled is water gone: unless the pump (20 a tick) filled its segment, it holds what the pump
        # gave less what the boiler took; full, it lacks at most what the boiler took after the pump this tick.
        pumped = ticks * oracle.pumping_rate("offshore-pump") / oracle.TICKS_PER_SECOND
        amount, capacity = water_segment.amount, water_segment.capacity
        assert amount == pumped - taken or capacity - 1 <= amount <= capacity
        assert boiler.burner is not None
        left = fuel_count * oracle.energy(oracle.item(fuel_name)["fuel_value"]) if fuel_count else 0
        burnt = taken * oracle.boiler_heat_per_unit("boiler")
        in_slot = fuel(boiler).get_item_count(fuel_name) * oracle.energy(oracle.item(fuel_name)["fuel_value"])
        assert boiler.burner.remaining_burning_fuel == pytest.approx(float(left - burnt - in_slot))
