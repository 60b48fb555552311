"""A new world (seed 42) and its first surface, for model tests that build on an empty map; and the
engine's bulk ticks run beside plain per-tick stepping, for the simulation tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import Surface, World
from fle_testkit.emulator.model.entity import Entity


@pytest.fixture
def world() -> World:
    return World.new(load_vanilla(), 42)


@pytest.fixture
def surface(world: World) -> Surface:
    return world.get_surface(1)


Built = Callable[[World], list[Entity]]


def _both_ways(build: Built, ticks: int) -> tuple[list[Entity], list[Entity], World, World]:
    """``build`` in two worlds; run one by the engine (plain ticks in bulk, a save's sync a third of the
    way) and the other with every machine stepped every tick, in creation order."""
    gamedata = load_vanilla()
    fast, slow = World.new(gamedata, 1), World.new(gamedata, 1)
    fast_entities, slow_entities = build(fast), build(slow)
    fast.simulation.run_until(ticks // 3)
    fast.simulation.sync_all()
    fast.simulation.run_until(ticks)
    for tick in range(ticks):
        slow.simulation.now = tick
        slow.simulation.check_power()  # (as the engine does before it runs ticks)
        for machine in list(slow.simulation.machines.values()):
            machine.step(tick)
            machine.synced = tick + 1
            machine.scheduled()  # (an electric machine tells its network what it asks now)
    slow.simulation.now = ticks
    return fast_entities, slow_entities, fast, slow


@pytest.fixture
def run_both_ways() -> Callable[[Built, int], tuple[list[Entity], list[Entity], World, World]]:
    return _both_ways


def _same_both_ways(build: Built, ticks: int) -> tuple[World, World]:
    """:func:`_both_ways`, then the built entities and the surfaces compared (the fast world synced first)."""
    fast_entities, slow_entities, fast, slow = _both_ways(build, ticks)
    fast.simulation.sync_all()
    for a, b in zip(fast_entities, slow_entities, strict=True):
        assert a.to_state() == b.to_state()
    assert fast.to_state()["surfaces"] == slow.to_state()["surfaces"]
    return fast, slow


@pytest.fixture
def same_both_ways() -> Callable[[Built, int], tuple[World, World]]:
    return _same_both_ways


def _resumed(world: World, until: int) -> World:
    """A world loaded from ``world``'s save, both run to ``until``: they must be the same; the loaded one."""
    loaded = World.from_state(load_vanilla(), world.to_state())
    for each in (world, loaded):
        each.simulation.run_until(until)
    assert loaded.to_state() == world.to_state()
    return loaded


@pytest.fixture
def resumed() -> Callable[[World, int], World]:
    return _resumed
