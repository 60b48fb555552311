"""Items on the ground (ground.py): putting down, reading them as a stack, and building over them."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import Surface, World, ground
from fle_testkit.emulator.model.geometry import Position


def test_a_chest_built_over_an_item_pushes_it_aside(surface: Surface) -> None:
    item = ground.put_down(surface, Position(15.5, -1.3), "coal", 1)
    assert surface.can_place_entity("wooden-chest", (15.5, -1.5))
    chest = surface.create_entity("wooden-chest", (15.5, -1.5), force="player")
    assert item.valid and item.stack == ("coal", 1)
    assert not item.bounding_box.overlaps(chest.bounding_box)
    assert abs(item.position.x - 15.5) + abs(item.position.y + 1.3) < 2  # nearby, not far away


def test_items_do_not_push_each_other(surface: Surface) -> None:
    first = ground.put_down(surface, Position(0.5, 0.5), "coal", 1)
    ground.put_down(surface, Position(0.5, 0.5), "iron-ore", 1)
    assert first.position == Position(0.5, 0.5)
    assert ground.taken(surface, Position(0.5, 0.5))


def test_items_on_tile_finds_the_items_of_that_tile_only(surface: Surface) -> None:
    inside = ground.put_down(surface, Position(3.9, 4.1), "coal", 2)
    ground.put_down(surface, Position(4.1, 4.1), "coal", 1)
    assert ground.items_on_tile(surface, Position(3.5, 4.5)) == [inside]


def test_the_ground_stack_reads_and_empties(surface: Surface) -> None:
    item = ground.put_down(surface, Position(0.5, 0.5), "coal", 3)
    ref = ground.GroundStack(item, load_vanilla().items)
    assert ref.valid and ref.stack == ("coal", 3) and ref.accepts("iron-plate")
    ref.set("coal", 2)
    assert item.stack == ("coal", 2)
    ref.set(None)
    assert not item.valid and not ref.valid and ref.stack is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    x=st.floats(-3, 3).map(lambda v: round(v, 1)),
    y=st.floats(-3, 3).map(lambda v: round(v, 1)),
    name=st.sampled_from(["wooden-chest", "stone-furnace", "burner-inserter", "burner-mining-drill"]),
)
def test_no_item_stays_under_a_new_building(x: float, y: float, name: str) -> None:
    surface = World.new(load_vanilla(), 1).get_surface(1)
    items = [
        ground.put_down(surface, Position(x + dx / 2, y + dy / 2), "coal", 1) for dx in (-1, 0, 1) for dy in (-1, 0, 1)
    ]
    built = surface.create_entity(name, (x, y), force="player")
    for item in items:
        assert item.valid and not item.bounding_box.overlaps(built.bounding_box)


def test_entities_off_the_item_layer_leave_items_alone(surface: Surface) -> None:
    item = ground.put_down(surface, Position(0.5, 0.5), "coal", 1)
    surface.create_entity("iron-ore", (0.5, 0.5), force="neutral", amount=10)  # resources are not on it
    assert item.position == Position(0.5, 0.5)
