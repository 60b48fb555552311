"""FLE's tools that find, harvest and walk the map, on both research variants."""

from __future__ import annotations

import math
from typing import Any

import pytest
from fle.env.entities import Position
from fle.env.game_types import Prototype, Resource

ORES = [Resource.Coal, Resource.IronOre, Resource.CopperOre, Resource.Stone]


def _distance(a: Position, b: Position) -> float:
    return math.hypot(a.x - b.x, a.y - b.y)


@pytest.mark.parametrize("ore", ORES, ids=[ore[0] for ore in ORES])
def test_nearest_finds_the_closest_tile_of_each_ore(tools: Any, ore: Any) -> None:
    spawn = Position(x=0, y=0)
    found = tools.nearest(ore)
    patch = tools.get_resource_patch(ore, found, radius=0)  # radius 0: that very tile holds the ore
    assert patch.name == ore[0] and patch.size > 0
    closer = math.floor(_distance(spawn, found)) - 1
    with pytest.raises(Exception, match=f"No resource of type {ore[0]} at the specified location"):
        tools.get_resource_patch(ore, spawn, radius=closer)


def test_nearest_finds_water_and_trees(tools: Any) -> None:
    water = tools.nearest(Resource.Water)
    assert tools.get_resource_patch(Resource.Water, water).size > 0
    tree = tools.nearest(Resource.Wood)
    assert tools.get_resource_patch(Resource.Wood, tree, radius=1).size > 0


def test_nearest_finds_a_placed_entity_and_fails_without_one(tools: Any) -> None:
    with pytest.raises(Exception, match="Could not find nearest iron-chest on the surface"):
        tools.nearest(Prototype.IronChest)
    chest = tools.place_entity(Prototype.IronChest, position=Position(x=-3, y=0))
    assert tools.nearest(Prototype.IronChest) == chest.position


def test_get_resource_patch_bounds_the_whole_patch(tools: Any) -> None:
    coal = tools.nearest(Resource.Coal)
    box = tools.get_resource_patch(Resource.Coal, coal).bounding_box
    assert box.left_top.x <= coal.x <= box.right_bottom.x
    assert box.left_top.y <= coal.y <= box.right_bottom.y
    assert box.width() > 1 and box.height() > 1


def test_harvest_resource_adds_what_it_mined_to_the_inventory(tools: Any) -> None:
    coal = tools.nearest(Resource.Coal)
    tools.move_to(coal)
    before = tools.inspect_inventory()[Prototype.Coal]
    harvested = tools.harvest_resource(coal, quantity=5)
    assert harvested >= 5
    assert tools.inspect_inventory()[Prototype.Coal] == before + harvested


def test_harvest_resource_cuts_trees_for_wood(tools: Any) -> None:
    tree = tools.nearest(Resource.Wood)
    # Beside it, on the side facing the character: the nearest tree is the grove's edge there,
    # and the tree itself blocks a path to its own position.
    here = tools.player_location
    away = max(_distance(here, tree), 1e-9)
    tools.move_to(Position(x=tree.x + 1.5 * (here.x - tree.x) / away, y=tree.y + 1.5 * (here.y - tree.y) / away))
    before = tools.inspect_inventory()[Prototype.Wood]
    harvested = tools.harvest_resource(tree, quantity=4, radius=5)
    assert harvested >= 4
    assert tools.inspect_inventory()[Prototype.Wood] == before + harvested


def test_harvest_resource_out_of_reach_fails(tools: Any) -> None:
    coal = tools.nearest(Resource.Coal)
    before = tools.inspect_inventory()[Prototype.Coal]
    with pytest.raises(Exception, match="Could not harvest. Nothing within reach to harvest"):
        tools.harvest_resource(coal, quantity=1)
    assert tools.inspect_inventory()[Prototype.Coal] == before


def test_move_to_walks_the_character_to_the_target(tools: Any) -> None:
    target = Position(x=5.5, y=5.5)
    arrived = tools.move_to(target)
    assert _distance(arrived, target) < 1
    assert _distance(tools.player_location, target) < 1


def test_move_to_lays_belts_behind_the_character(tools: Any) -> None:
    """From a tile centre, northwards. FLE 0.4.3's move_to turns each belt it laid towards the next
    with a table of 1.1 directions, which has no entry for 2.0's south, west or diagonals and then
    loops for ever (on any server): from the reset position (0, 0), a tile corner, the first belt
    stands at (0.5, 0.5) and the second step turns it diagonally."""
    tools.move_to(Position(x=0.5, y=0.5))
    belts = tools.inspect_inventory()[Prototype.TransportBelt]
    tools.move_to(Position(x=0.5, y=-6.5), laying=Prototype.TransportBelt)
    laid = tools.get_entities({Prototype.TransportBelt})
    assert len(laid) >= 5
    assert tools.inspect_inventory()[Prototype.TransportBelt] == belts - len(laid)
