"""Steam power in the tick simulation: offshore pump -> boiler -> steam engines -> a pole -> consumers.

The engines draw the steam their network's solve uses (power.py's steam step), the boiler makes it
again, and the figures follow from the prototype data: 30 kJ a unit of 165 °C steam, 900 kW an engine
at 0.5 units a tick, a boiler's 1.8 MW (60 units a second) for two engines (the wiki's 1:2 ratio).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import oracle
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import Surface, World, steady_steam
from fle_testkit.emulator.model.crafter import set_recipe
from fle_testkit.emulator.model.entity import Entity
from fle_testkit.emulator.model.fluid_segments import take
from fle_testkit.emulator.model.power import SteamEngine
from fle_testkit.emulator.model.status import status


def inventory(entity: Entity, name: str) -> Any:
    return next(i for i in entity.inventories.values() if i.name == name)


def steam_plant(surface: Surface, engines: int = 2, coal: int = 50) -> tuple[Entity, Entity, list[Entity], Entity]:
    """An offshore pump on water, a boiler east of it (water in from the west, steam out north at x=1.5),
    ``engines`` engines north of it in a line and a small pole beside the first; returns (pump, boiler,
    engines, pole)."""
    for x in range(-6, -1):
        for y in range(-3, 7):
            surface.tiles.set(x, y, "water")
    pump = surface.create_entity("offshore-pump", (-0.5, 1.5), direction=12, force="player")
    boiler = surface.create_entity("boiler", (1.5, 1.0), direction=0, force="player")
    if coal:
        inventory(boiler, "fuel").insert("coal", coal)
    built = [
        surface.create_entity("steam-engine", (1.5, -3.0 - 5 * i), direction=0, force="player") for i in range(engines)
    ]
    pole = surface.create_entity("small-electric-pole", (3.5, -3.5), force="player")
    return pump, boiler, built, pole


def gear_assemblers(surface: Surface, count: int = 1, plates: int = 100) -> list[Entity]:
    """Assembling machines 1 making gears east of the pole, in a column (the first at the pole's row)."""
    made = []
    for i in range(count):
        machine = surface.create_entity("assembling-machine-1", (5.5, -3.5 + 3 * i), force="player")
        set_recipe(machine, machine.force.recipe("iron-gear-wheel"))
        if plates:
            inventory(machine, "assembling_machine_input").insert("iron-plate", plates)
        made.append(machine)
    return made


def gears(machine: Entity) -> int:
    return int(inventory(machine, "assembling_machine_output").get_item_count("iron-gear-wheel"))


def steam(surface: Surface, engine: Entity) -> Fraction:
    return Fraction(surface.fluids.segment(engine, 1).amount)


class TestEngines:
    def test_the_boilers_steam_reaches_the_engines_segment(self, world: World, surface: Surface) -> None:
        _, boiler, engines, _ = steam_plant(surface)
        segment = surface.fluids.segment(boiler, 2)
        assert segment is surface.fluids.segment(engines[0], 1) is surface.fluids.segment(engines[1], 1)

    def test_an_assembler_on_steam_power_makes_a_gear_a_second(self, world: World, surface: Surface) -> None:
        _, boiler, engines, _ = steam_plant(surface)
        (machine,) = gear_assemblers(surface)
        world.simulation.run_until(601)
        assert gears(machine) == 10
        assert status(machine) == "working"
        assert [status(e) for e in engines] == ["working", "working"]
        # 77.5 kW of 1.8 MW: the boiler fills the segment's 600 units, then makes what the engines draw.
        assert status(boiler) == "working" and steam(surface, engines[0]) < 600
        world.simulation.run_until(1200)
        assert 599 < steam(surface, engines[0]) < 600

    def test_without_steam_engines_give_nothing_and_show_no_input_fluid(self, world: World, surface: Surface) -> None:
        _, _, engines, _ = steam_plant(surface, coal=0)
        (machine,) = gear_assemblers(surface)
        world.simulation.run_until(120)
        assert [status(e) for e in engines] == ["no_input_fluid", "no_input_fluid"]
        assert status(machine) == "no_power" and gears(machine) == 0

    def test_a_coals_steam_delivers_its_energy_and_then_the_network_stops(self, world: World, surface: Surface) -> None:
        """One coal: 4 MJ boil 133 whole units of steam at 30 kJ (the last 10 kJ wait for more fuel); two
        assemblers' 155 kW use them up in about 26 s, the last tick's steam short of a full tick."""
        _, boiler, engines, pole = steam_plant(surface, coal=1)
        machines = gear_assemblers(surface, count=2)
        world.simulation.run_until(60 * 60)
        assert status(boiler) == "no_fuel"
        assert [status(e) for e in engines] == ["no_input_fluid", "no_input_fluid"]
        assert [status(m) for m in machines] == ["no_power", "no_power"]
        world.simulation.sync_power()
        stats = surface.electric.statistics(pole, world.gamedata.entities)
        assert Fraction(stats.get_input_count("steam-engine")) == pytest.approx(133 * 30_000)
        assert steam(surface, engines[0]) == 0

    def test_engines_on_no_pole_draw_no_steam(self, world: World, surface: Surface) -> None:
        _, boiler, engines, pole = steam_plant(surface)
        pole.destroy()
        world.simulation.run_until(700)
        assert status(engines[0]) == "not_plugged_in_electric_network"
        assert status(boiler) == "full_output" and steam(surface, engines[0]) == 600
        steps = world.simulation.steps_run
        world.simulation.run_until(100_000)
        assert world.simulation.steps_run == steps  # (nothing draws: the plant sleeps whole)

    def test_engines_on_no_pole_show_a_full_buffer_while_steam_is_there(self, world: World, surface: Surface) -> None:
        _, boiler, engines, pole = steam_plant(surface, coal=0)
        pole.destroy()
        world.simulation.run_until(10)
        assert [e.machine.buffered() for e in engines] == [0, 0]  # (no steam yet)
        surface.fluids.give(engines[0], 1, "steam", 10, 165.0)
        # a tick's full output each, 0.5 units of 165 °C steam at 30 kJ: 15 kJ (900 kW / 60)
        assert [e.machine.buffered() for e in engines] == [15_000, 15_000]
        assert [e.machine.generated_last_tick() for e in engines] == [0, 0]  # (it gives no network anything)
        assert steam(surface, engines[0]) == 10 and status(engines[0]) == "not_plugged_in_electric_network"
        surface.fluids.give(engines[0], 1, "steam", 10, 115.0)  # mixed down to 140 °C: 25 kJ a unit
        assert engines[0].machine.buffered() == 12_500

    def test_steam_left_in_the_pipes_powers_a_pole_built_later(self, world: World, surface: Surface) -> None:
        _, boiler, engines, pole = steam_plant(surface, coal=0)
        pole.destroy()
        surface.fluids.give(engines[0], 1, "steam", 10, 165.0)
        world.simulation.run_until(10)
        pole = surface.create_entity("small-electric-pole", (3.5, -3.5), force="player")
        (machine,) = gear_assemblers(surface)
        world.simulation.run_until(20)
        assert status(machine) == "working" and status(engines[1]) == "working"
        # 10 units, 300 kJ: 232 ticks of 77.5 kW from tick 10, then a last tick short of steam
        world.simulation.run_until(10 + 232)
        assert status(machine) == "working"
        world.simulation.run_until(10 + 234)
        assert status(machine) == "no_power" and steam(surface, engines[0]) == 0
        world.simulation.sync_power()
        stats = surface.electric.statistics(pole, world.gamedata.entities)
        assert stats.get_input_count("steam-engine") == pytest.approx(300_000)

    def test_solar_panels_are_used_first_and_the_engines_draw_only_the_rest(
        self, world: World, surface: Surface
    ) -> None:
        _, _, engines, pole = steam_plant(surface)
        surface.create_entity("solar-panel", (5.5, -6.5), force="player")  # 60 kW
        (machine,) = gear_assemblers(surface)
        world.simulation.run_until(600)
        world.simulation.sync_power()
        stats = surface.electric.statistics(pole, world.gamedata.entities)
        assert stats.get_input_count("solar-panel") == pytest.approx(60_000 * 10)
        assert stats.get_input_count("steam-engine") == pytest.approx((77_500 - 60_000) * 10)
        made = world.flow_statistics("fluid", "player", 1).get_input_count("steam")
        assert made - steam(surface, engines[0]) == pytest.approx((77_500 - 60_000) * 10 / 30_000, abs=0.1)

    def test_one_engine_of_a_drawing_network_steps_a_tick_the_rest_sleep(self, world: World, surface: Surface) -> None:
        _, boiler, engines, _ = steam_plant(surface)
        gear_assemblers(surface)
        world.simulation.run_until(1200)
        assert engines[1].machine is not None and engines[1].machine.asleep
        assert engines[0].machine is not None and not engines[0].machine.asleep
        steps = world.simulation.steps_run
        world.simulation.run_until(1800)
        # A steady plant's ticks repeat, so they run in bulk (steady_steam.py): steps only at the assembler's
        # crafts (10 in 600 ticks) and the changes of demand they bring, not 3 a tick (engine, boiler, pump).
        assert world.simulation.steps_run - steps < 100

    def test_a_steady_plant_in_bulk_equals_its_ticks_stepped(self, monkeypatch: Any) -> None:
        def run(steady: bool) -> dict[str, Any]:
            monkeypatch.setattr(steady_steam, "LEAST_TICKS", 2 if steady else 2**62)
            world = World.new(load_vanilla(), 1)
            surface = world.get_surface(1)
            _, boiler, engines, _ = steam_plant(surface)
            gear_assemblers(surface)
            world.simulation.run_until(1000)
            boiler.inventories[1].insert("coal", 5)  # (a touch ends the repeated ticks; they start again)
            world.simulation.run_until(1700)
            take(engines[0], 1, 30)  # (so does a change to one of the plant's segments)
            world.simulation.run_until(2500)
            state = world.to_state()
            state["simulation"].pop("queue")  # (repeating members are due at the run's end, later in the queue)
            return state

        assert run(True) == run(False)


class TestEngine:
    def test_per_tick_stepping_gives_the_same_steam_and_power(self, same_both_ways: Any) -> None:
        def build(world: World) -> list[Entity]:
            surface = world.get_surface(1)
            pump, boiler, engines, _ = steam_plant(surface, coal=1)
            return [pump, boiler, *engines, *gear_assemblers(surface, count=2)]

        same_both_ways(build, 6000)

    def test_per_tick_stepping_gives_the_same_charge_with_panels_and_accumulators(self, same_both_ways: Any) -> None:
        def build(world: World) -> list[Entity]:
            surface = world.get_surface(1)
            pump, boiler, engines, _ = steam_plant(surface, coal=2)
            accumulator_load(surface, 2)
            surface.create_entity("solar-panel", (12.5, -3.5), force="player")
            return [pump, boiler, *engines, *gear_assemblers(surface, count=2)]

        fast, _ = same_both_ways(build, 4000)
        charged = [e.machine.charge for e in fast.get_surface(1).find_entities_filtered(name="accumulator")]
        assert all(0 < charge for charge in charged)

    def test_a_save_while_a_plant_runs_in_bulk_resumes_exactly(
        self, world: World, surface: Surface, resumed: Any
    ) -> None:
        _, _, engines, _ = steam_plant(surface)
        gear_assemblers(surface)
        machine = engines[0].machine
        assert isinstance(machine, SteamEngine)
        tick = 1000
        while machine.steady is None and tick < 1600:
            tick += 1
            world.simulation.run_until(tick)
        assert machine.steady is not None and machine.steady.end > tick  # (saved within a run of repeated ticks)
        loaded = resumed(world, 4000)
        assert status(loaded.get_surface(1).find_entities_filtered(name="steam-engine")[0]) == "working"

    def test_steam_power_survives_a_save_exactly(self, world: World, surface: Surface, resumed: Any) -> None:
        steam_plant(surface, coal=1)
        gear_assemblers(surface, count=2)
        world.simulation.run_until(137)
        loaded = resumed(world, 4000)
        engine = loaded.get_surface(1).find_entities_filtered(name="steam-engine")[0]
        assert status(engine) == "no_input_fluid"  # (a coal's steam used up meanwhile)


def accumulator_load(surface: Surface, count: int) -> Entity:
    """A substation east of the engines and ``count`` accumulators in its area: up to 300 kW each of load
    (what charges them is what the engines give, however much that is)."""
    substation = surface.create_entity("substation", (6.0, -6.0), force="player")
    for i in range(count):
        surface.create_entity("accumulator", (9.0 + 2 * (i % 3), -12.0 + 2 * (i // 3)), force="player")
    return substation


def boiler_row(surface: Surface, boilers: int, coal: int) -> list[Entity]:
    """An offshore pump and ``boilers`` boilers in a row east of it, each passing water to the next."""
    for x in range(-6, -1):
        for y in range(-3, 7):
            surface.tiles.set(x, y, "water")
    surface.create_entity("offshore-pump", (-0.5, 1.5), direction=12, force="player")
    row = [surface.create_entity("boiler", (1.5 + 3 * i, 1.0), direction=0, force="player") for i in range(boilers)]
    for boiler in row:
        inventory(boiler, "fuel").insert("coal", coal)
    return row


class TestOracle:
    def test_the_oracle_agrees_with_the_wikis_steam_ratios(self) -> None:
        assert oracle.engines_per_boiler() == 2
        ratio = oracle.DOCUMENTED_STEAM_RATIO
        assert oracle.boilers_per_pump() == ratio["boiler"] / ratio["offshore-pump"]
        assert oracle.boilers_per_pump() * oracle.engines_per_boiler() == ratio["steam-engine"]
        assert oracle.engines_per_boiler() * oracle.steam_engine_power() == oracle.DOCUMENTED_BOILER_PAIR_WATTS
        assert oracle.steam_energy_per_unit() * oracle.steam_usage() == oracle.DOCUMENTED_POWER["steam-engine"]

    def test_one_boiler_gives_two_engines_1_8_megawatts(self, world: World, surface: Surface) -> None:
        _, boiler, engines, _ = steam_plant(surface, coal=50)
        substation = accumulator_load(surface, 7)  # 2.1 MW and 35 MJ of room: the steam is the limit
        world.simulation.run_until(300)
        world.simulation.sync_power()
        stats = surface.electric.statistics(substation, world.gamedata.entities)
        before = Fraction(stats.get_input_count("steam-engine"))
        world.simulation.run_until(900)
        world.simulation.sync_power()
        delivered = Fraction(stats.get_input_count("steam-engine")) - before
        assert delivered == pytest.approx(float(oracle.DOCUMENTED_BOILER_PAIR_WATTS * 10))
        assert status(boiler) == "working" and [status(e) for e in engines] == ["working", "working"]

    @pytest.mark.parametrize("boilers", [20, 21])
    def test_one_offshore_pump_keeps_20_boilers_boiling(self, world: World, surface: Surface, boilers: int) -> None:
        row = boiler_row(surface, boilers, coal=5)
        made = Fraction(0)
        for tick in range(10, 601, 10):
            world.simulation.run_until(tick)
            made += sum((take(boiler, 2, 10**6) for boiler in row), Fraction(0))
        full = 600 * oracle.boiler_rate("boiler") / oracle.TICKS_PER_SECOND
        kept = min(boilers, oracle.boilers_per_pump())
        assert made == kept * full


LONG = settings(max_examples=30, deadline=None)


class TestLongRuns:
    @LONG
    @given(coal=st.integers(0, 4), assemblers=st.integers(1, 2), seconds=st.integers(1, 48))
    def test_gears_and_fuel_on_steam_power_match_the_oracle(self, coal: int, assemblers: int, seconds: int) -> None:
        """Assemblers making gears on a boiler's steam: while the fuel lasts each makes the oracle's gears;
        the fuel the boiler burnt paid for the steam it made, and that steam is the energy the engines
        delivered plus what is still in the pipes."""
        world = World.new(load_vanilla(), 1)
        surface = world.get_surface(1)
        _, boiler, engines, pole = steam_plant(surface, coal=coal)
        machines = gear_assemblers(surface, count=assemblers)
        ticks = seconds * 60
        world.simulation.run_until(ticks)
        world.simulation.sync_all()
        fuel_value = oracle.energy(oracle.item("coal")["fuel_value"])
        demand = assemblers * oracle.working_power("assembling-machine-1")
        if coal * fuel_value >= demand * seconds + oracle.boiler_heat_per_unit("boiler"):
            expected = oracle.expected_powered_crafts("assembling-machine-1", "iron-gear-wheel", ticks, demand, 1)
            assert [gears(m) for m in machines] == [expected] * assemblers
        fluid_stats = world.flow_statistics("fluid", "player", 1)
        made = Fraction(fluid_stats.get_input_count("steam"))
        assert boiler.burner is not None
        burnt = coal * fuel_value - Fraction(boiler.burner.remaining_burning_fuel)
        burnt -= inventory(boiler, "fuel").get_item_count("coal") * fuel_value
        assert float(burnt) == pytest.approx(float(oracle.fuel_for_steam("boiler", made)))
        stats = surface.electric.statistics(pole, world.gamedata.entities)
        delivered = stats.get_input_count("steam-engine")
        owed = sum((Fraction(e.machine.owed) for e in engines), Fraction(0))
        left = steam(surface, engines[0]) - owed
        assert delivered == pytest.approx(float((made - left) * oracle.steam_energy_per_unit()))
