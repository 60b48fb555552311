"""A new world (seed 42) and its first surface, for model tests that build on an empty map."""

from __future__ import annotations

import pytest

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import Surface, World


@pytest.fixture
def world() -> World:
    return World.new(load_vanilla(), 42)


@pytest.fixture
def surface(world: World) -> Surface:
    return world.get_surface(1)
