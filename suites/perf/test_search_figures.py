"""What a script's searches and a belt line built tile by tile cost in the embedded server's model.

FLE's alerts (``alerts.lua``) search the tile in front of every belt and each
drill's drop position once a game second, and its serializer reads a belt's
lanes after each belt ``connect_entities`` places. Figures: one search of a tile
over an ore patch (a chunk there holds a thousand resources) and of a wide area;
a straight belt line of 25 and 100 belts, each placed and then its lane read.
"""

from __future__ import annotations

import time

import pytest

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import transport_lines
from fle_testkit.emulator.model.world import World

SEARCHES = 2_000
PATCH = 64  # tiles a side: four chunks of iron ore


def ore_patch_world() -> World:
    world = World.new(load_vanilla(), 1)
    surface = world.get_surface(1)
    for x in range(PATCH):
        for y in range(PATCH):
            surface.create_entity("iron-ore", (x + 0.5, y + 0.5), force="neutral", amount=1_000)
    return world


def test_searching_a_tile_and_an_area_over_an_ore_patch(perf_figures) -> None:
    surface = ore_patch_world().get_surface(1)
    for label, area in (("a tile", ((10.0, 10.0), (11.0, 11.0))), ("a 16 x 16 area", ((8.0, 8.0), (24.0, 24.0)))):
        began = time.perf_counter()
        for _ in range(SEARCHES):
            surface.find_entities_filtered(area=area, type="transport-belt")
        perf_figures.record(
            f"find_entities_filtered of {label} over an ore patch", (time.perf_counter() - began) / SEARCHES
        )


@pytest.mark.parametrize("belts", [25, 100])
def test_a_belt_line_placed_tile_by_tile_with_a_lane_read_after_each(perf_figures, belts: int) -> None:
    surface = ore_patch_world().get_surface(1)
    began = time.perf_counter()
    for k in range(belts):
        belt = surface.create_entity("transport-belt", (0.5, 0.5 + k), direction=8, force="player")
        transport_lines.belt_changed(belt)
        assert belt.belt is not None
        transport_lines.items_on(belt.belt.lines[0])
    perf_figures.record(f"a line of {belts} belts, each placed and its lane read", time.perf_counter() - began)
