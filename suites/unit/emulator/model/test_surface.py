"""Creating entities (snapping, unit numbers, forces) and finding them again."""

from __future__ import annotations

import pytest

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import (
    InvalidArgumentError,
    InvalidObjectError,
    NotFoundError,
    Surface,
    UnknownPrototypeError,
    World,
)
from fle_testkit.emulator.model.geometry import Position

GD = load_vanilla()


def test_create_entity_snaps_to_the_tile_grid(surface: Surface) -> None:
    chest = surface.create_entity("iron-chest", (0, 0))
    assert (chest.position.x, chest.position.y) == (0.5, 0.5)
    furnace = surface.create_entity("stone-furnace", (0.3, 0.3))
    assert (furnace.position.x, furnace.position.y) == (0.0, 0.0)
    assembler = surface.create_entity("assembling-machine-1", (5.9, 5.1))
    assert (assembler.position.x, assembler.position.y) == (5.5, 5.5)


def test_snapping_uses_the_turned_footprint(surface: Surface) -> None:
    north = surface.create_entity("boiler", (0, 0), direction=0)  # 3 wide, 2 high
    east = surface.create_entity("boiler", (0, 10), direction=4)  # 2 wide, 3 high
    assert (north.position.x, north.position.y) == (0.5, 0.0)
    assert (east.position.x, east.position.y) == (0.0, 10.5)
    assert east.bounding_box.bottom - east.bounding_box.top == pytest.approx(2.58)


def test_off_grid_entities_keep_their_position(surface: Surface) -> None:
    character = surface.create_entity("character", (1.23, 4.56), force="player")
    assert (character.position.x, character.position.y) == (1.23, 4.56)
    chest = surface.create_entity("iron-chest", (1.23, 4.56), snap_to_grid=False)
    assert (chest.position.x, chest.position.y) == (1.23, 4.56)


def test_unit_numbers_count_up_only_for_entities_that_have_them(world: World, surface: Surface) -> None:
    first = surface.create_entity("iron-chest", (0, 0))
    tree = surface.create_entity("tree-01", (5, 5))
    ore = surface.create_entity("iron-ore", (9, 9), amount=500)
    second = surface.create_entity("character", (3, 3))
    assert (first.unit_number, second.unit_number) == (1, 2)
    assert tree.unit_number is None and ore.unit_number is None
    assert ore.amount == 500 and ore.health is None
    assert world.unit_number_counter == 3


def test_entity_attributes_come_from_the_prototype(surface: Surface, world: World) -> None:
    chest = surface.create_entity("wooden-chest", (0, 0), direction=4, force="player")
    assert chest.name == "wooden-chest" and chest.type == "container"
    assert chest.health == GD.entities["wooden-chest"].max_health
    assert chest.force is world.get_force("player") and chest.direction == 4 and chest.valid


def test_force_defaults_to_enemy(surface: Surface) -> None:
    assert surface.create_entity("iron-chest", (0, 0)).force.name == "enemy"


def test_create_entity_rejects_bad_arguments(surface: Surface) -> None:
    with pytest.raises(UnknownPrototypeError, match="entity"):
        surface.create_entity("iron-plate", (0, 0))
    with pytest.raises(InvalidArgumentError, match="direction"):
        surface.create_entity("iron-chest", (0, 0), direction=16)
    with pytest.raises(InvalidArgumentError, match="position"):
        surface.create_entity("iron-chest", "here")  # type: ignore[arg-type]
    with pytest.raises(NotFoundError, match="force"):
        surface.create_entity("iron-chest", (0, 0), force="nobody")
    assert surface.entities == []


def test_find_entities_filtered(surface: Surface) -> None:
    chest = surface.create_entity("iron-chest", (0, 0), force="player")
    furnace = surface.create_entity("stone-furnace", (4, 0), force="player")
    far = surface.create_entity("iron-chest", (100, 100), force="enemy")
    belt = surface.create_entity("transport-belt", (-40, -40), force="neutral")
    find = surface.find_entities_filtered
    assert find() == [belt, far, furnace, chest]  # newest first
    assert find(name="iron-chest") == [far, chest]
    assert find(name=["stone-furnace", "transport-belt"]) == [belt, furnace]
    assert find(type="furnace") == [furnace]
    assert find(force="enemy") == [far]
    assert find(force=["player", "neutral"]) == [belt, furnace, chest]
    assert find(area=((-1, -1), (5, 1))) == [furnace, chest]
    assert find(area=((0.9, 0.9), (3.2, 2))) == []  # touches nothing but empty ground
    assert find(area=((-50, -50), (50, 50)), name="iron-chest") == [chest]
    assert find(position=(0.6, 0.4)) == [chest]
    assert find(position=(0.95, 0.5)) == []  # inside the tile, outside the collision box
    assert find(position=(0, 0), radius=4) == [furnace, chest]
    assert find(position=(0, 0), radius=0.75) == [chest]
    assert find(position=(0, 0), radius=0.7) == []
    assert find(limit=2) == [belt, far]
    assert find(name="iron-chest", invert=True) == [belt, furnace]
    assert surface.count_entities_filtered(type="container") == 2
    assert surface.count_entities_filtered(position=(100, 100), radius=1) == 1


def test_the_entity_built_last_is_found_first(surface: Surface) -> None:
    """An area holding an old and a new entity of one name answers the new one first, across chunks too."""
    old = surface.create_entity("splitter", (0, 2), direction=0, force="player")
    new = surface.create_entity("splitter", (-0.5, 1.5), direction=8, force="player")
    assert surface.find_entities_filtered(area=((-2, 0.5), (1, 2.5)), name="splitter") == [new, old]
    west = surface.create_entity("iron-chest", (-0.5, 5.5), force="player")  # chunk -1
    east = surface.create_entity("iron-chest", (0.5, 5.5), force="player")  # chunk 0
    assert surface.find_entities_filtered(area=((-1, 5), (1, 6))) == [east, west]
    assert surface.find_entities_filtered(name="iron-chest", limit=1) == [east]


def test_find_entities_filtered_by_collision_mask(surface: Surface) -> None:
    # A layer of the prototype's collision mask: FLE asks for "player" to find what blocks a
    # building and must not get the ore under it (a resource's mask is "resource" alone).
    ore = surface.create_entity("iron-ore", (0.5, 0.5), amount=100)
    chest = surface.create_entity("iron-chest", (3.5, 0.5))
    belt = surface.create_entity("transport-belt", (5.5, 0.5))
    find = surface.find_entities_filtered
    assert find(position=(0.5, 0.5), collision_mask="player") == []
    assert find(collision_mask="player") == [chest]
    assert find(collision_mask=["resource", "transport_belt"]) == [belt, ore]
    assert find(collision_mask="water_tile", invert=True) == [ore]


def test_radius_looks_at_entity_centres(surface: Surface) -> None:
    assembler = surface.create_entity("assembling-machine-1", (0.5, 0.5))
    assert surface.find_entities_filtered(position=(2.5, 0.5), radius=1.9) == []  # box is 1.2 away
    assert surface.find_entities_filtered(position=(2.5, 0.5), radius=2) == [assembler]


def test_find_rejects_contradictory_filters(surface: Surface) -> None:
    with pytest.raises(InvalidArgumentError):
        surface.find_entities_filtered(area=((0, 0), (1, 1)), position=(0, 0))
    with pytest.raises(InvalidArgumentError):
        surface.find_entities_filtered(radius=3)
    with pytest.raises(InvalidArgumentError):
        surface.find_entities_filtered(limit=-1)


def test_find_entity(surface: Surface) -> None:
    furnace = surface.create_entity("stone-furnace", (10, 10))
    assert surface.find_entity("stone-furnace", (10.6, 9.5)) is furnace
    assert surface.find_entity("stone-furnace", (11.5, 10)) is None
    assert surface.find_entity("iron-chest", (10, 10)) is None
    with pytest.raises(UnknownPrototypeError):
        surface.find_entity("no-such-thing", (0, 0))


def test_entities_across_chunk_borders_are_found_from_either_side(surface: Surface) -> None:
    silo = surface.create_entity("rocket-silo", (32, 32))  # 9x9, spans four chunks
    for corner in ((28.5, 28.5), (35.5, 28.5), (28.5, 35.5), (35.5, 35.5)):
        assert surface.find_entities_filtered(position=corner) == [silo]
    assert surface.find_entities_filtered(area=((35, 35), (36, 36))) == [silo]


def test_destroy_removes_the_entity_and_invalidates_it(surface: Surface) -> None:
    chest = surface.create_entity("iron-chest", (0, 0))
    inventory = chest.get_inventory(1)
    assert inventory is not None
    inventory.insert("coal", 10)
    chest.destroy()
    assert not chest.valid and not inventory.valid
    assert surface.find_entities_filtered() == [] and surface.find_entity("iron-chest", (0.5, 0.5)) is None
    with pytest.raises(InvalidObjectError):
        chest.destroy()
    with pytest.raises(InvalidObjectError):
        inventory.get_item_count()


def test_teleport_puts_buildings_on_the_grid_as_a_build_would(surface: Surface) -> None:
    drill = surface.create_entity("electric-mining-drill", (46.5, 7.5), force="player")
    furnace = surface.create_entity("stone-furnace", (10, 10), force="player")
    character = surface.create_entity("character", (0, 0))
    assert drill.teleport(46, 7) and drill.position == Position(46.5, 7.5)  # 3x3: tile centres
    assert furnace.teleport(20.3, 19.8) and furnace.position == Position(20, 20)  # 2x2: tile corners
    assert character.teleport(3.3, 4.1) and character.position == Position(3.3, 4.1)  # placeable off grid
    assert drill.teleport(50, 7, snap_to_grid=False) and drill.position == Position(50, 7)


def test_teleport_and_turning_keep_searches_right(surface: Surface) -> None:
    character = surface.create_entity("character", (0, 0))
    character.teleport(200.25, -75.5)
    assert surface.find_entities_filtered(area=((-5, -5), (5, 5))) == []
    assert surface.find_entities_filtered(position=(200.25, -75.5), radius=0.1) == [character]
    boiler = surface.create_entity("boiler", (0.5, 0))
    assert surface.find_entities_filtered(position=(0.5, 1.2)) == []
    boiler.direction = 4
    assert surface.find_entities_filtered(position=(0.5, 1.2)) == [boiler]
    with pytest.raises(InvalidArgumentError):
        boiler.direction = 99
