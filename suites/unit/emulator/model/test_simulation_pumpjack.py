"""Pumpjacks in the tick simulation (pumpjack.py): crude oil at the well's yield into the pumpjack's
segment, the well depleting to its minimum, against the oracle's figures from the resource data."""

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
from fle_testkit.emulator.model.pumpjack import Pumpjack
from fle_testkit.emulator.model.status import status

CYCLE = 60  # ticks: mining speed 1, crude oil's mining time 1


def well(surface: Surface, amount: int, power: bool = True) -> tuple[Entity, Entity]:
    """A crude-oil well at the origin's tile, a pumpjack on it, and (``power``) a pole and two panels."""
    oil = surface.create_entity("crude-oil", (0.5, 0.5), amount=amount)
    pumpjack = surface.create_entity("pumpjack", (0.5, 0.5), force="player")
    if power:
        surface.create_entity("small-electric-pole", (3.5, 0.5), force="player")
        for i in range(2):
            surface.create_entity("solar-panel", (6.5, -1.5 + 3 * i), force="player")
    return oil, pumpjack


def oil_in(surface: Surface, pumpjack: Entity) -> Fraction:
    return Fraction(surface.fluids.segment(pumpjack, 1).amount)


class TestPumpjack:
    def test_a_pumpjack_is_its_own_kind_of_drill(self, world: World, surface: Surface) -> None:
        _, pumpjack = well(surface, 300_000)
        drill = surface.create_entity("electric-mining-drill", (20.5, 20.5), force="player")
        assert isinstance(pumpjack.machine, Pumpjack)
        assert not isinstance(drill.machine, Pumpjack)

    def test_a_well_at_100_percent_gives_10_units_a_second(self, world: World, surface: Surface) -> None:
        oil, pumpjack = well(surface, 300_000)
        world.simulation.run_until(CYCLE - 1)
        assert oil_in(surface, pumpjack) == 0
        world.simulation.run_until(CYCLE)
        assert oil_in(surface, pumpjack) == 10 and oil.amount == 300_000 - 10
        assert status(pumpjack) == "working"
        statistics = world.flow_statistics("fluid", "player", 1)
        world.simulation.run_until(10 * CYCLE)
        assert statistics.get_input_count("crude-oil") == pytest.approx(float(oil_in(surface, pumpjack)))

    def test_a_well_at_its_minimum_gives_20_percent_and_keeps_its_amount(self, world: World, surface: Surface) -> None:
        oil, pumpjack = well(surface, 60_005)
        world.simulation.run_until(3 * CYCLE)
        assert oil.amount == 60_000
        # 60,005 -> 60,000 after one cycle; then 2 units a cycle
        assert oil_in(surface, pumpjack) == Fraction(60_005, 30_000) + 2 * 2

    def test_a_full_box_stops_it_until_the_oil_is_taken(self, world: World, surface: Surface) -> None:
        oil, pumpjack = well(surface, 3_000_000)  # 100 units a cycle: its 1,000-unit box is full in 10
        world.simulation.run_until(11 * CYCLE)
        assert status(pumpjack) == "waiting_for_space_in_destination"
        assert oil_in(surface, pumpjack) == 1000
        steps = world.simulation.steps_run
        world.simulation.run_until(100 * CYCLE)
        assert world.simulation.steps_run == steps  # (asleep)
        assert take(pumpjack, 1, 500) == 500
        world.simulation.run_until(100 * CYCLE + 1)
        assert 599 < oil_in(surface, pumpjack) <= 600  # (the held cycle's nearly 100 went in)
        assert status(pumpjack) == "working"

    def test_without_power_or_oil_it_stands(self, world: World, surface: Surface) -> None:
        _, unpowered = well(surface, 300_000, power=False)
        world.simulation.run_until(10 * CYCLE)
        assert status(unpowered) == "no_power" and oil_in(surface, unpowered) == 0
        surface.create_entity("small-electric-pole", (3.5, 0.5), force="player")
        surface.create_entity("solar-panel", (6.5, 0.5), force="player")
        dry = surface.create_entity("pumpjack", (2.5, 3.5), force="player")  # (in the pole's area, on no oil)
        world.simulation.run_until(20 * CYCLE)
        assert status(dry) == "no_minable_resources"
        assert status(unpowered) == "low_power" and oil_in(surface, unpowered) > 0  # (60 kW of its 90)

    def test_per_tick_stepping_gives_the_same_oil(self, same_both_ways: Any) -> None:
        def build(world: World) -> list[Entity]:
            return list(well(world.get_surface(1), 456_789))

        same_both_ways(build, 40 * CYCLE)

    def test_a_pumpjack_survives_a_save_exactly(self, world: World, surface: Surface) -> None:
        well(surface, 3_333_333)
        world.simulation.run_until(10 * CYCLE + 7)  # (full, a cycle's share held)
        loaded = World.from_state(load_vanilla(), world.to_state())
        for each in (world, loaded):
            pumpjack = each.get_surface(1).find_entities_filtered(name="pumpjack")[0]
            take(pumpjack, 1, 333)
            each.simulation.run_until(30 * CYCLE)
        assert loaded.to_state() == world.to_state()


class TestOracle:
    def test_the_oracle_agrees_with_the_wikis_pumpjack(self) -> None:
        documented = oracle.DOCUMENTED_PUMPJACK
        data = oracle.fluid_resource("crude-oil")
        assert oracle.pumpjack_cycle_units("crude-oil", int(data["normal"])) == documented["units_per_cycle_at_100"]
        assert oracle.pumpjack_cycles_per_second("pumpjack", "crude-oil") == 1
        assert data["normal"] / 100 / data["infinite_depletion_amount"] == documented["cycles_per_percent"]
        assert data["minimum"] / data["normal"] * 100 == documented["minimum_percent"]

    @settings(max_examples=30, deadline=None)
    @given(amount=st.integers(1, 1_500_000), cycles=st.integers(0, 90))
    def test_oil_pumped_matches_the_oracle(self, amount: int, cycles: int) -> None:
        world = World.new(load_vanilla(), 1)
        surface = world.get_surface(1)
        oil, pumpjack = well(surface, amount)
        pipes = [surface.create_entity("pipe", (1.5, -1.5 - i), force="player") for i in range(20)]  # on its output
        assert surface.fluids.segment(pipes[-1], 1) is surface.fluids.segment(pumpjack, 1)
        world.simulation.run_until(cycles * CYCLE)
        pumped, left = oracle.expected_pumped_oil("pumpjack", "crude-oil", amount, cycles)
        room = surface.fluids.segment(pumpjack, 1).capacity
        if pumped <= room:
            assert oil_in(surface, pumpjack) == pumped
            assert oil.amount == left
