"""Splitters held to the oracle (suites/oracle.py) over long runs: a full belt split 1:1 onto two (15/s into
7.5 + 7.5 on a transport belt, as the wiki's "Splitter" says), two full belts merged into one by turns or by
input priority, output priority filling one side first; rates from the prototype data, and the oracle's
splitter speeds checked against the wiki's.

Input belts are fed at their back on both lanes each tick there is room, and output belts are emptied as
items reach their end: either way a lane carries one item every ``back_fed_interval`` ticks, the wiki's
rate for transport and fast belts and 20/s on an express lane (a quarter tile there is not a whole number
of ticks). A compressed express lane passes a splitter at the wiki's 22.5/s (the last test).
"""

from __future__ import annotations

from fractions import Fraction

import oracle
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import transport_lines
from fle_testkit.emulator.model.world import World

EAST = 4
TIERS = {
    "transport-belt": "splitter",
    "fast-transport-belt": "fast-splitter",
    "express-transport-belt": "express-splitter",
}
GD = load_vanilla()
WARMUP = 600  # ticks before counting: the first items reach the ends, the dead halves fill


def run_splitter(
    belt: str,
    inputs: tuple[bool, bool],
    outputs: tuple[bool, bool],
    ticks: int,
    input_priority: str = "none",
    output_priority: str = "none",
) -> tuple[list[int], list[int]]:
    """Items fed into each input and taken off each output (left, right) from :data:`WARMUP` to ``ticks``."""
    world = World.new(GD, 1)
    surface = world.get_surface(1)
    rows_in = [
        [surface.create_entity(belt, (x + 0.5, y), direction=EAST, force="player") for x in range(3)] if on else []
        for on, y in zip(inputs, (0.5, 1.5), strict=True)
    ]
    splitter = surface.create_entity(TIERS[belt], (3.5, 1.0), direction=EAST, force="player")
    assert splitter.belt is not None
    splitter.belt.input_priority, splitter.belt.output_priority = input_priority, output_priority
    rows_out = [
        [surface.create_entity(belt, (x + 4.5, y), direction=EAST, force="player") for x in range(4)] if on else []
        for on, y in zip(outputs, (0.5, 1.5), strict=True)
    ]
    firsts = [[row[0].belt.lines[k] for k in (0, 1)] if row else [] for row in rows_in]  # type: ignore[union-attr]
    lasts = [[row[-1].belt.lines[k] for k in (0, 1)] if row else [] for row in rows_out]  # type: ignore[union-attr]
    fed, taken = [0, 0], [0, 0]
    sim = world.simulation
    for tick in range(ticks):
        counting = tick >= WARMUP
        for side, lanes in enumerate(firsts):
            for lane in lanes:
                if lane.can_insert_at_back():
                    lane.insert_at_back("iron-plate")
                    fed[side] += counting
        sim.run_until(tick + 1)
        for side, lanes in enumerate(lasts):
            for lane in lanes:
                items = lane.items()
                if items and items[-1][0] == lane.length - 64:
                    lane.remove_item("iron-plate", 1)
                    taken[side] += counting
    return fed, taken


def fed_rate(belt: str) -> Fraction:
    """Items a second a belt fed at its back, or emptied at its end, on both lanes carries (the oracle's
    back-fed interval)."""
    return 2 * Fraction(oracle.TICKS_PER_SECOND, oracle.back_fed_interval(belt))


def expected(rate: Fraction, ticks: int) -> Fraction:
    return rate * (ticks - WARMUP) / oracle.TICKS_PER_SECOND


@pytest.mark.parametrize("belt", sorted(TIERS))
def test_the_oracle_agrees_with_the_documented_splitter_speeds(belt: str) -> None:
    assert oracle.splitter_rate(TIERS[belt]) == oracle.DOCUMENTED_SPLITTERS[TIERS[belt]]
    assert oracle.splitter_rate(TIERS[belt]) == oracle.belt_rate(belt)


@pytest.mark.parametrize("belt", sorted(TIERS))
def test_a_full_belt_splits_evenly_for_ten_minutes(belt: str) -> None:
    """15/s in, 7.5/s out of each side on a transport belt (the wiki: "1:1 relation on the outgoing belts")."""
    ticks = 600 * 60
    fed, taken = run_splitter(belt, (True, False), (True, True), ticks)
    left, right = oracle.split(fed_rate(belt), (fed_rate(belt), fed_rate(belt)))
    if belt == "transport-belt":
        assert (left, right) == (Fraction(15, 2), Fraction(15, 2))
    assert abs(taken[0] - taken[1]) <= 2  # 1:1, a lane at a time
    assert taken[0] == pytest.approx(float(expected(left, ticks)), abs=8)
    assert taken[1] == pytest.approx(float(expected(right, ticks)), abs=8)


@pytest.mark.parametrize("priority", ["none", "left", "right"])
def test_two_full_belts_merge_into_one_by_turns_or_by_input_priority(priority: str) -> None:
    """Two full transport belts into one: 7.5/s from each by turns, or all 15/s from the priority side."""
    ticks = 300 * 60
    belt = "transport-belt"
    fed, taken = run_splitter(belt, (True, True), (True, False), ticks, input_priority=priority)
    wanted = oracle.merge((fed_rate(belt), fed_rate(belt)), oracle.belt_rate(belt), priority)
    assert sum(wanted) == 15 and (priority != "none" or wanted == (Fraction(15, 2), Fraction(15, 2)))
    for side in (0, 1):
        assert fed[side] == pytest.approx(float(expected(wanted[side], ticks)), abs=8)
    assert taken[0] == pytest.approx(float(expected(oracle.belt_rate(belt), ticks)), abs=8)


@settings(max_examples=20, deadline=None)
@given(
    belt=st.sampled_from(sorted(TIERS)),
    inputs=st.sampled_from([(True, False), (False, True), (True, True)]),
    outputs=st.sampled_from([(True, False), (False, True), (True, True)]),
    input_priority=st.sampled_from(["none", "left", "right"]),
    output_priority=st.sampled_from(["none", "left", "right"]),
    seconds=st.integers(30, 120),
)
def test_splitters_keep_the_oracles_rates(
    belt: str,
    inputs: tuple[bool, bool],
    outputs: tuple[bool, bool],
    input_priority: str,
    output_priority: str,
    seconds: int,
) -> None:
    ticks = seconds * 60
    fed, taken = run_splitter(belt, inputs, outputs, ticks, input_priority, output_priority)
    offered = tuple(fed_rate(belt) if on else Fraction(0) for on in inputs)
    capacities = tuple(fed_rate(belt) if on else Fraction(0) for on in outputs)
    came_in = oracle.merge(offered, sum(capacities), input_priority)  # type: ignore[arg-type]
    went_out = oracle.split(sum(came_in), capacities, output_priority)  # type: ignore[arg-type]
    for side in (0, 1):
        assert fed[side] == pytest.approx(float(expected(came_in[side], ticks)), abs=8)
        assert taken[side] == pytest.approx(float(expected(went_out[side], ticks)), abs=8)


@pytest.mark.parametrize("belt", sorted(TIERS))
def test_a_compressed_belt_passes_a_splitter_at_the_documented_rate(belt: str) -> None:
    """200 tiles of full belt into a splitter with one output belt (the other side's half takes 2 items a lane):
    the splitter's documented speed passes (15/s, 30/s, and 45/s on express, where a quarter tile is 2.67
    ticks of movement)."""
    world = World.new(GD, 1)
    surface = world.get_surface(1)
    before = [surface.create_entity(belt, (x - 199.5, 0.5), direction=EAST, force="player") for x in range(200)]
    surface.create_entity(TIERS[belt], (0.5, 1.0), direction=EAST, force="player")
    after = [surface.create_entity(belt, (x + 1.5, 0.5), direction=EAST, force="player") for x in range(200)]
    for entity in before:
        for lane in entity.belt.lines[:2]:  # type: ignore[union-attr]
            for position in (0, 64, 128, 192):
                assert transport_lines.insert_at(lane, position, "coal")

    def passed() -> int:
        return sum(len(lane.items()) for entity in after for lane in entity.belt.lines[:2])  # type: ignore[union-attr]

    world.simulation.run_until(120)  # (the splitter's dead half fills, the stream settles)
    start, seconds = passed(), 10
    world.simulation.run_until(120 + seconds * 60)
    assert (passed() - start) / seconds == pytest.approx(oracle.DOCUMENTED_SPLITTERS[TIERS[belt]], abs=0.2)
