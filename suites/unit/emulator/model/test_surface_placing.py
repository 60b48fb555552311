"""Tiles, can_place_entity, find_non_colliding_position and paths on a model surface."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model.collision import entity_blocks
from fle_testkit.emulator.model.errors import InvalidArgumentError, UnknownPrototypeError
from fle_testkit.emulator.model.geometry import BoundingBox, Position
from fle_testkit.emulator.model.pathfinding import Obstacles, PathRequest, find_path
from fle_testkit.emulator.model.surface import Surface
from fle_testkit.emulator.model.tiles import DEFAULT_TILE
from fle_testkit.emulator.model.world import World


@pytest.fixture
def surface() -> Surface:
    return World.new(load_vanilla(), 1).get_surface("nauvis")


def _water(surface: Surface, xs: range, ys: range) -> None:
    for x in xs:
        for y in ys:
            surface.tiles.set(x, y, "water")


def test_land_everywhere_until_a_tile_is_set(surface: Surface) -> None:
    assert surface.tiles.name_at(1000, -1000) == DEFAULT_TILE
    surface.tiles.set(3, 4, "water")
    assert surface.tiles.name_at(3, 4) == "water"
    with pytest.raises(UnknownPrototypeError):
        surface.tiles.set(0, 0, "lava")


EAST, NORTH = 4, 0


def test_a_belt_fast_replaces_a_belt_turned_or_of_another_tier_but_not_itself(surface: Surface) -> None:
    surface.create_entity("transport-belt", (0.5, 0.5), force="player", direction=EAST)
    assert not surface.can_fast_replace("transport-belt", (0.5, 0.5), EAST)  # nothing would change
    assert surface.can_fast_replace("transport-belt", (0.5, 0.5), NORTH)  # collision.SAME_PROTOTYPE_TURNS
    assert surface.can_fast_replace("fast-transport-belt", (0.6, 0.4), EAST)  # snapped as a build is
    assert surface.can_fast_replace("fast-transport-belt", (0.5, 0.5), EAST, force="player")
    assert not surface.can_fast_replace("fast-transport-belt", (0.5, 0.5), EAST, force="enemy")
    assert not surface.can_fast_replace("transport-belt", (1.5, 0.5), NORTH)  # nothing there
    assert not surface.can_fast_replace("splitter", (1.0, 0.5), NORTH)  # another footprint
    assert not surface.can_fast_replace("iron-chest", (0.5, 0.5))  # another group
    assert not surface.can_fast_replace("character", (0.5, 0.5))  # no group at all
    with pytest.raises(UnknownPrototypeError):
        surface.can_fast_replace("no-such-belt", (0.5, 0.5))


def test_the_same_group_and_footprint_replace_while_other_entities_still_block(surface: Surface) -> None:
    surface.create_entity("stone-wall", (3.5, 3.5), force="player")
    surface.create_entity("wooden-chest", (6.5, 6.5), force="player")
    surface.create_entity("burner-mining-drill", (10, 10), force="player")
    assert surface.can_fast_replace("gate", (3.5, 3.5))  # walls and gates share a group
    assert not surface.can_fast_replace("pipe", (3.5, 3.5))
    assert surface.can_fast_replace("iron-chest", (6.5, 6.5))
    assert not surface.can_fast_replace("electric-mining-drill", (10.5, 10.5))  # one group, 3x3 over 2x2
    surface.create_entity("character", (6.5, 6.9), force="player")  # stands in the new chest's way
    assert not surface.can_fast_replace("steel-chest", (6.5, 6.5))


def test_find_tiles_by_area_position_and_radius(surface: Surface) -> None:
    _water(surface, range(0, 3), range(0, 2))
    assert len(surface.find_tiles_filtered(area=((-500, -500), (500, 500)), name="water")) == 6
    assert surface.find_tiles_filtered(area=((0, 0), (1, 1)), name="water") == [(0, 0, "water")]
    assert surface.find_tiles_filtered(position=(2.5, 1.5)) == [(2, 1, "water")]
    near = surface.find_tiles_filtered(position=(0.5, 0.5), radius=1.0, name="water")
    assert sorted((x, y) for x, y, _ in near) == [(0, 0), (0, 1), (1, 0)]
    land = surface.find_tiles_filtered(area=((0, 0), (4, 2)), name="water", invert=True)
    assert [(x, y) for x, y, _ in land] == [(3, 0), (3, 1)]
    assert surface.count_tiles_filtered(area=((0, 0), (4, 2)), limit=3) == 3
    with pytest.raises(UnknownPrototypeError):
        surface.find_tiles_filtered(name="lava")
    with pytest.raises(InvalidArgumentError):
        surface.find_tiles_filtered(area=((0, 0), (1, 1)), position=(0, 0))


def test_tiles_survive_a_world_state_round_trip(surface: Surface) -> None:
    _water(surface, range(5, 7), range(5, 6))
    surface.always_day = True
    world = World.from_state(surface.world.gamedata, surface.world.to_state())  # type: ignore[attr-defined]
    again = world.get_surface("nauvis")
    assert again.tiles.name_at(6, 5) == "water" and again.tiles.name_at(7, 5) == DEFAULT_TILE
    assert again.always_day is True


def test_water_and_entities_block_buildings(surface: Surface) -> None:
    _water(surface, range(10, 12), range(10, 12))
    assert surface.can_place_entity("stone-furnace", (5, 5))
    assert not surface.can_place_entity("stone-furnace", (11, 11))
    assert not surface.can_place_entity("stone-furnace", (12, 12))  # a 2x2 furnace overlaps tile (11, 11)
    assert surface.can_place_entity("stone-furnace", (13, 13))
    surface.create_entity("iron-chest", (20.5, 20.5), force="player")
    assert not surface.can_place_entity("iron-chest", (20.5, 20.5))
    assert surface.can_place_entity("iron-chest", (21.5, 20.5))
    with pytest.raises(UnknownPrototypeError):
        surface.can_place_entity("no-such-thing", (0, 0))


def test_ore_does_not_block_a_chest_but_a_drill_needs_it(surface: Surface) -> None:
    assert not surface.can_place_entity("burner-mining-drill", (1, 1))
    surface.create_entity("iron-ore", (0.5, 0.5), force="neutral", amount=100)
    assert surface.can_place_entity("burner-mining-drill", (1, 1))
    assert surface.can_place_entity("iron-chest", (0.5, 0.5))
    assert not surface.can_place_entity("pumpjack", (0.5, 0.5))  # pumpjacks mine crude oil only
    surface.create_entity("crude-oil", (10.5, 10.5), force="neutral", amount=300000)
    assert surface.can_place_entity("pumpjack", (10.5, 10.5))


def test_an_offshore_pump_needs_land_under_it_and_water_ahead(surface: Surface) -> None:
    _water(surface, range(-5, 6), range(-10, 0))  # a lake north of row y = 0
    assert surface.can_place_entity("offshore-pump", (0.5, 0.5), 0)  # facing north, water ahead
    assert not surface.can_place_entity("offshore-pump", (0.5, 0.5), 8)  # facing south: land ahead
    assert not surface.can_place_entity("offshore-pump", (0.5, -3.5), 0)  # standing in water


def test_checks_other_than_manual_let_an_offshore_pump_turn_to_the_water(surface: Surface) -> None:
    # "filter-directions": the direction is detected where it can be; only a manual check holds it.
    _water(surface, range(-5, 6), range(-10, 0))
    for check in ("script", "ghost_revive", "script_ghost", "blueprint_ghost"):
        assert surface.can_place_entity("offshore-pump", (0.5, 0.5), 8, check)  # turns north
    for check in ("manual", "manual_ghost"):
        assert not surface.can_place_entity("offshore-pump", (0.5, 0.5), 8, check)
    # No direction helps a pump with no water beside it, or a chest (no flag) on water.
    assert not surface.can_place_entity("offshore-pump", (0.5, 5.5), 0, "ghost_revive")
    assert not surface.can_place_entity("wooden-chest", (0.5, -3.5), 0, "ghost_revive")


def test_find_non_colliding_position_steps_off_water(surface: Surface) -> None:
    _water(surface, range(-2, 3), range(-2, 3))
    found = surface.find_non_colliding_position("iron-chest", (0.5, 0.5), 10, 1, True)
    assert found is not None and max(abs(found.x - 0.5), abs(found.y - 0.5)) == 3
    assert surface.find_non_colliding_position("iron-chest", (0.5, 0.5), 1, 1, True) is None
    assert surface.find_non_colliding_position("iron-chest", (9.5, 9.5), 10, 1, True) == Position(9.5, 9.5)


def _request(
    surface: Surface, start: tuple[float, float], goal: tuple[float, float], radius: float = 0, **options: object
) -> PathRequest:
    return PathRequest(
        id=1,
        surface=surface,
        tick=0,
        box=BoundingBox(-0.2, -0.2, 0.2, 0.2),
        layers=frozenset({"player", "water_tile", "object"}),
        start=Position(*start),
        goal=Position(*goal),
        radius=radius,
        ignore=None,
        **options,  # type: ignore[arg-type]
    )


def test_a_path_goes_round_a_wall_of_water(surface: Surface) -> None:
    _water(surface, range(5, 6), range(-10, 11))  # a wall at x = 5 from y = -10 to 10
    path = find_path(_request(surface, (0.5, 0.5), (10.5, 0.5)))
    assert path is not None
    assert path[0] == Position(0.5, 0.5) and path[-1] == Position(10.5, 0.5)
    assert any(abs(p.y - 0.5) > 10 for p in path)  # it went round an end of the wall
    for p in path:
        assert surface.tiles.name_at(int(p.x // 1), int(p.y // 1)) != "water"


def test_a_straight_path_has_a_waypoint_on_every_tile(surface: Surface) -> None:
    path = find_path(_request(surface, (0.5, 0.5), (20.5, 0.5)))
    assert path == [Position(x + 0.5, 0.5) for x in range(21)]


def test_among_equally_short_paths_the_diagonal_steps_come_first(surface: Surface) -> None:
    """Ties go to the node farthest along, so a path steps diagonally before it runs straight."""
    path = find_path(_request(surface, (1.5, -0.5), (-1.5, 0.5)))
    assert path == [Position(1.5, -0.5), Position(0.5, 0.5), Position(-0.5, 0.5), Position(-1.5, 0.5)]
    path = find_path(_request(surface, (0.5, 0.5), (3.5, 3.5)))
    assert path == [Position(0.5 + i, 0.5 + i) for i in range(4)]
    path = find_path(_request(surface, (0.5, 0.5), (5.5, 2.5)))
    assert path is not None and path[1:3] == [Position(1.5, 1.5), Position(2.5, 2.5)]


def test_no_path_into_a_sealed_room_but_radius_reaches_its_wall(surface: Surface) -> None:
    for x in range(-3, 4):
        for y in range(-3, 4):
            if max(abs(x), abs(y)) == 3:
                surface.create_entity("stone-wall", (x + 0.5, y + 0.5), force="player")
    assert find_path(_request(surface, (20.5, 0.5), (0.5, 0.5))) is None
    path = find_path(_request(surface, (20.5, 0.5), (0.5, 0.5), radius=4))
    assert path is not None and path[-1].x == pytest.approx(4.5)


def test_own_entities_are_passable_only_when_the_request_allows_it(surface: Surface) -> None:
    for y in range(-40, 41):  # a wall too long to go round within the search
        surface.create_entity("stone-wall", (5.5, y + 0.5), force="player")
    player, enemy = surface.world.get_force("player"), surface.world.get_force("enemy")
    through = find_path(_request(surface, (0.5, 0.5), (10.5, 0.5), passable_force=player))
    assert through == [Position(x + 0.5, 0.5) for x in range(11)]
    around = find_path(_request(surface, (0.5, 0.5), (10.5, 0.5), passable_force=enemy))
    assert around is not None and any(abs(p.y - 0.5) > 40 for p in around)


# Coordinates cluster at chunk edges (multiples of 32), where the index splits its work.
_COORDINATE = st.one_of(st.integers(-40, 40), st.integers(-2, 2).map(lambda d: d + 32), st.integers(-34, -30))
_OBSTACLES = st.lists(
    st.tuples(
        st.sampled_from(["stone-wall", "iron-chest", "stone-furnace", "assembling-machine-1", "tree-01", "iron-ore"]),
        _COORDINATE,
        _COORDINATE,
        st.sampled_from(["player", "enemy"]),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(placed=_OBSTACLES, box=st.sampled_from([(-0.2, -0.2, 0.2, 0.2), (-0.4, -0.4, 0.4, 0.4), (-1.2, -0.6, 1.2, 0.6)]))
def test_the_search_sees_exactly_the_entities_that_collide(placed: list[tuple[str, int, int, str]], box: tuple) -> None:
    """The per-chunk obstacle index answers every node as a direct collision check would."""
    surface = World.new(load_vanilla(), 1).get_surface("nauvis")
    for name, x, y, force in placed:
        if surface.can_place_entity(name, (x + 0.5, y + 0.5)):
            surface.create_entity(name, (x + 0.5, y + 0.5), force=force)
    request = _request(surface, (0.5, 0.5), (1.5, 0.5), passable_force=surface.world.get_force("player"))
    request.box = BoundingBox(*box)
    obstacles = Obstacles(request)
    for x in range(-45, 45):
        for y in range(-45, 45):
            placed_box = request.box.moved(x + 0.5, y + 0.5)
            expected = entity_blocks(surface, placed_box, request.layers, (), request.passable_force) is not None
            assert obstacles.blocked((x, y), placed_box) == expected, (x, y)


@settings(max_examples=60, deadline=None)
@given(
    water=st.sets(st.tuples(st.integers(-12, 12), st.integers(-12, 12)), max_size=120),
    corner=st.tuples(st.integers(-15, 10), st.integers(-15, 10)),
    size=st.tuples(st.integers(1, 20), st.integers(1, 20)),
)
def test_a_search_for_set_tiles_finds_them_in_row_major_order(
    water: set[tuple[int, int]], corner: tuple[int, int], size: tuple[int, int]
) -> None:
    """Whether it walks the set tiles or the box, the answer is the box's water in row-major order."""
    surface = World.new(load_vanilla(), 1).get_surface("nauvis")
    for x, y in water:
        surface.tiles.set(x, y, "water")
    (left, top), (width, height) = corner, size
    found = surface.find_tiles_filtered(area=((left, top), (left + width, top + height)), name="water")
    expected = [(x, y, "water") for y in range(top, top + height) for x in range(left, left + width) if (x, y) in water]
    assert found == expected
