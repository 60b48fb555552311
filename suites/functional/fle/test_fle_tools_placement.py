"""FLE's tools that build and change entities, on both research variants."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fle.env.entities import BuildingBox, Direction, EntityStatus, Position
from fle.env.game_types import Prototype, Resource

FREE = Position(x=2, y=2)  # a free tile near spawn (the fle-lab map keeps spawn clear)


def _count(namespace: Any, item: Prototype) -> int:
    return int(namespace.inspect_inventory()[item])


def _left(entity: Any) -> float:
    return float(entity.position.x - entity.tile_dimensions.tile_width / 2)


def _right(entity: Any) -> float:
    return float(entity.position.x + entity.tile_dimensions.tile_width / 2)


def test_can_place_entity_on_free_ground_but_not_on_an_entity_or_water(tools: Any) -> None:
    assert tools.can_place_entity(Prototype.IronChest, position=FREE) is True
    tools.place_entity(Prototype.IronChest, position=FREE)
    assert tools.can_place_entity(Prototype.IronChest, position=FREE) is False
    water = tools.nearest(Resource.Water)
    here = tools.move_to(Position(x=water.x + 3, y=water.y))
    assert abs(here.x - water.x) + abs(here.y - water.y) < 6  # within reach: only the water is in the way
    assert tools.can_place_entity(Prototype.IronChest, position=water) is False


def test_place_entity_centres_it_on_its_tiles_and_takes_it_from_the_inventory(tools: Any) -> None:
    chests, furnaces = _count(tools, Prototype.IronChest), _count(tools, Prototype.StoneFurnace)
    chest = tools.place_entity(Prototype.IronChest, position=FREE)
    furnace = tools.place_entity(Prototype.StoneFurnace, position=Position(x=-3, y=-3))
    assert (chest.position.x, chest.position.y) == (2.5, 2.5)  # a 1x1 entity stands on its tile's centre
    assert (furnace.position.x, furnace.position.y) == (-3.0, -3.0)  # a 2x2 one on a tile corner
    assert (_count(tools, Prototype.IronChest), _count(tools, Prototype.StoneFurnace)) == (chests - 1, furnaces - 1)
    assert tools.get_entity(Prototype.IronChest, chest.position).position == chest.position


def test_place_entity_faces_the_direction_asked_for(tools: Any) -> None:
    inserter = tools.place_entity(Prototype.BurnerInserter, Direction.RIGHT, FREE)
    assert inserter.direction == Direction.RIGHT
    assert inserter.drop_position.x > inserter.pickup_position.x
    assert inserter.drop_position.y == inserter.pickup_position.y


def test_place_entity_on_an_occupied_tile_fails(tools: Any) -> None:
    tools.place_entity(Prototype.IronChest, position=FREE)
    chests = _count(tools, Prototype.IronChest)
    with pytest.raises(Exception, match=r"Could not place iron-chest at \(2.0, 2.0\)"):
        tools.place_entity(Prototype.IronChest, position=FREE)
    assert _count(tools, Prototype.IronChest) == chests


def test_place_entity_out_of_reach_fails(tools: Any) -> None:
    with pytest.raises(Exception, match="too far away to place the entity.*max distance is 10"):
        tools.place_entity(Prototype.IronChest, position=Position(x=30, y=30))
    assert tools.get_entities() == []


def test_place_entity_next_to_leaves_the_spacing_asked_for(tools: Any) -> None:
    chest = tools.place_entity(Prototype.IronChest, position=Position(x=0, y=-3))
    furnace = tools.place_entity_next_to(Prototype.StoneFurnace, chest.position, Direction.RIGHT, spacing=1)
    inserter = tools.place_entity_next_to(Prototype.BurnerInserter, chest.position, Direction.LEFT, spacing=0)
    below = tools.place_entity_next_to(Prototype.IronChest, chest.position, Direction.DOWN, spacing=2)
    assert _left(furnace) - _right(chest) == 1
    assert _left(chest) - _right(inserter) == 0
    assert inserter.position.y == chest.position.y
    assert (below.position.x, below.position.y - chest.position.y) == (chest.position.x, 3)


def test_nearest_buildable_finds_a_box_wholly_on_ore_for_a_drill(tools: Any) -> None:
    coal = tools.nearest(Resource.Coal)
    tools.move_to(coal)
    box = tools.nearest_buildable(Prototype.BurnerMiningDrill, BuildingBox(width=2, height=2), coal)
    assert (box.width(), box.height()) == (2, 2)
    drill = tools.place_entity(Prototype.BurnerMiningDrill, Direction.RIGHT, box.center)
    assert [resource.name for resource in drill.resources] == ["coal"]
    assert drill.status == EntityStatus.NO_FUEL
    drill = tools.insert_item(Prototype.Coal, drill, 5)
    assert drill.fuel[Prototype.Coal] == 5
    tools.sleep(1)  # a machine's status changes as the game ticks
    assert tools.get_entity(Prototype.BurnerMiningDrill, drill.position).status == EntityStatus.WORKING


def test_nearest_buildable_fails_where_no_box_fits(tools: Any) -> None:
    coal = tools.nearest(Resource.Coal)  # no ore patch near spawn is 30 tiles wide
    with pytest.raises(Exception, match="No viable place to put Prototype.BurnerMiningDrill near the centre"):
        tools.nearest_buildable(Prototype.BurnerMiningDrill, BuildingBox(width=30, height=30), coal)


def test_get_entity_finds_the_entity_or_none(tools: Any) -> None:
    chest = tools.place_entity(Prototype.IronChest, position=FREE)
    found = tools.get_entity(Prototype.IronChest, chest.position)
    assert (found.name, found.position) == ("iron-chest", chest.position)
    assert tools.get_entity(Prototype.IronChest, Position(x=-6, y=-6)) is None


def test_get_entities_filters_by_prototype_and_radius(tools: Any) -> None:
    chest = tools.place_entity(Prototype.IronChest, position=FREE)
    furnace = tools.place_entity(Prototype.StoneFurnace, position=Position(x=-4, y=-4))
    assert sorted(entity.name for entity in tools.get_entities()) == ["iron-chest", "stone-furnace"]
    assert [entity.position for entity in tools.get_entities({Prototype.StoneFurnace})] == [furnace.position]
    assert [entity.name for entity in tools.get_entities(position=chest.position, radius=2)] == ["iron-chest"]


def test_pickup_entity_returns_it_with_its_contents(tools: Any) -> None:
    chest = tools.insert_item(Prototype.Coal, tools.place_entity(Prototype.IronChest, position=FREE), 7)
    chests, coal = _count(tools, Prototype.IronChest), _count(tools, Prototype.Coal)
    assert tools.pickup_entity(chest) is True
    assert (_count(tools, Prototype.IronChest), _count(tools, Prototype.Coal)) == (chests + 1, coal + 7)
    assert tools.get_entity(Prototype.IronChest, chest.position) is None


def test_pickup_entity_where_there_is_none_fails(tools: Any) -> None:
    with pytest.raises(Exception, match="Could not pickup: Couldn.?t find iron-chest"):
        tools.pickup_entity(Prototype.IronChest, FREE)


def test_rotate_entity_turns_a_belt_on_its_tile(tools: Any) -> None:
    belt = tools.place_entity(Prototype.TransportBelt, Direction.UP, FREE)
    turned = tools.rotate_entity(belt, Direction.LEFT)
    assert (turned.direction, turned.position) == (Direction.LEFT, belt.position)
    found = tools.get_entity(Prototype.TransportBelt, belt.position)
    assert (found.direction, found.position) == (Direction.LEFT, belt.position)


def test_rotate_entity_turns_an_inserter_round(tools: Any) -> None:
    inserter = tools.place_entity(Prototype.BurnerInserter, Direction.UP, FREE)
    assert inserter.drop_position.y < inserter.pickup_position.y
    turned = tools.rotate_entity(inserter, Direction.DOWN)
    assert turned.direction == Direction.DOWN
    assert turned.drop_position.y > turned.pickup_position.y


def test_set_entity_recipe_sets_an_assemblers_recipe(tools: Any) -> None:
    assembler = tools.place_entity(Prototype.AssemblingMachine1, position=Position(x=-5, y=-5))
    assembler = tools.set_entity_recipe(assembler, Prototype.IronGearWheel)
    assert assembler.recipe == "iron-gear-wheel"
    assert tools.get_entity(Prototype.AssemblingMachine1, assembler.position).recipe.name == "iron-gear-wheel"


def test_set_entity_recipe_refuses_a_recipe_of_another_category(tools: Any) -> None:
    assembler = tools.place_entity(Prototype.AssemblingMachine1, position=Position(x=-5, y=-5))
    with pytest.raises(Exception, match="Could not set recipe to iron-plate"):
        tools.set_entity_recipe(assembler, Prototype.IronPlate)  # smelting: furnaces only
    assert tools.get_entity(Prototype.AssemblingMachine1, assembler.position).recipe is None


def test_connect_entities_lays_a_belt_line_from_one_position_to_another(tools: Any) -> None:
    belts = _count(tools, Prototype.TransportBelt)
    group = tools.connect_entities(Position(x=-3, y=5), Position(x=3, y=5), Prototype.TransportBelt)
    laid = tools.get_entities({Prototype.TransportBelt})
    # (In no particular order: Factorio does not document the order of find_entities_filtered.)
    assert sorted((belt.position.x, belt.direction) for belt in laid) == [
        (x + 0.5, Direction.RIGHT) for x in range(-3, 4)
    ]
    assert {belt.position.y for belt in laid} == {5.5}
    assert (group.inputs[0].position.x, group.outputs[0].position.x) == (-2.5, 3.5)
    assert _count(tools, Prototype.TransportBelt) == belts - len(laid)


def test_connect_entities_with_too_few_belts_lays_none(configure_variant: Callable[..., Any]) -> None:
    namespace = configure_variant(inventory={"transport-belt": 5})
    with pytest.raises(Exception, match="You do not have enough transport-belt in you inventory"):
        namespace.connect_entities(Position(x=0, y=2), Position(x=0, y=20), Prototype.TransportBelt)
    assert _count(namespace, Prototype.TransportBelt) == 5
    assert namespace.get_entities() == []


def test_connect_entities_joins_positions_with_pipes_and_poles(tools: Any) -> None:
    pipes, poles = _count(tools, Prototype.Pipe), _count(tools, Prototype.SmallElectricPole)
    tools.connect_entities(Position(x=2, y=2), Position(x=6, y=2), Prototype.Pipe)
    laid = tools.get_entities({Prototype.Pipe})
    assert sorted(pipe.position.x for pipe in laid) == [x + 0.5 for x in range(2, 7)]
    assert _count(tools, Prototype.Pipe) == pipes - len(laid)
    network = tools.connect_entities(Position(x=-2, y=2), Position(x=-12, y=2), Prototype.SmallElectricPole)
    assert _count(tools, Prototype.SmallElectricPole) == poles - len(network.poles)
    assert len(network.poles) >= 2
