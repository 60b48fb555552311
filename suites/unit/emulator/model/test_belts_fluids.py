"""Belt connections, underground pairing, lanes, and pipe connections and segments (model/belts.py, fluids.py)."""

from __future__ import annotations

import pytest

from fle_testkit.emulator.gamedata import GameData, load_vanilla
from fle_testkit.emulator.model import belts, fluids
from fle_testkit.emulator.model.entity import Entity
from fle_testkit.emulator.model.world import World

GD: GameData = load_vanilla()
NORTH, EAST, SOUTH, WEST = 0, 4, 8, 12


@pytest.fixture
def world() -> World:
    return World.new(GD, 1)


def make(world: World, name: str, x: float, y: float, direction: int = 0, kind: str | None = None) -> Entity:
    surface = world.get_surface(1)
    return surface.create_entity(name, (x, y), direction=direction, force="player", belt_to_ground_type=kind)


def test_a_belt_feeds_the_one_in_front_but_not_head_on(world: World) -> None:
    surface = world.get_surface(1)
    first = make(world, "transport-belt", 0.5, 0.5, EAST)
    second = make(world, "transport-belt", 1.5, 0.5, EAST)
    side = make(world, "transport-belt", 1.5, -0.5, SOUTH)  # side-loads into second
    assert belts.belt_neighbours(first, surface) == ([], [second])
    assert belts.belt_neighbours(second, surface) == ([first, side], [])
    facing = make(world, "transport-belt", 2.5, 0.5, WEST)  # head-on with second
    assert belts.belt_neighbours(second, surface)[1] == []
    assert belts.belt_neighbours(facing, surface)[1] == []


def test_neighbours_follow_every_change_of_the_belts_around(world: World) -> None:
    """Asked again after a belt comes, turns, goes, or an underground flips, the answer is the new one."""
    surface = world.get_surface(1)
    target = make(world, "transport-belt", 1.5, 0.5, EAST)
    assert belts.belt_neighbours(target, surface) == ([], [])
    feeder = make(world, "transport-belt", 0.5, 0.5, EAST)
    assert belts.belt_neighbours(target, surface) == ([feeder], [])
    feeder.rotate()  # now faces south, past the target
    assert belts.belt_neighbours(target, surface) == ([], [])
    feeder.rotate(reverse=True)
    after = make(world, "transport-belt", 2.5, 0.5, EAST)
    assert belts.belt_neighbours(target, surface) == ([feeder], [after])
    feeder.destroy()
    after.destroy()
    assert belts.belt_neighbours(target, surface) == ([], [])
    entrance = make(world, "underground-belt", 2.5, 0.5, EAST, "input")
    assert belts.belt_neighbours(target, surface) == ([], [entrance])
    entrance.rotate()  # an underground turns round: now an exit facing west, head-on with the target
    assert belts.belt_neighbours(target, surface) == ([], [])


def test_a_splitter_takes_only_from_behind_on_both_tiles(world: World) -> None:
    surface = world.get_surface(1)
    splitter = make(world, "splitter", 0, 0.5, NORTH)
    left = make(world, "transport-belt", -0.5, 1.5, NORTH)
    right = make(world, "transport-belt", 0.5, 1.5, NORTH)
    make(world, "transport-belt", 1.5, 0.5, WEST)  # from the side: refused
    ahead = make(world, "transport-belt", 0.5, -0.5, NORTH)
    assert belts.belt_neighbours(splitter, surface) == ([left, right], [ahead])


def test_undergrounds_pair_within_reach_and_an_entrance_outputs_underground(world: World) -> None:
    surface = world.get_surface(1)
    entrance = make(world, "underground-belt", 0.5, 0.5, EAST, "input")
    exit_ = make(world, "underground-belt", 4.5, 0.5, EAST, "output")
    make(world, "underground-belt", 2.5, 0.5, NORTH, "input")  # across the axis: passed under
    assert belts.underground_partner(entrance, surface) is exit_
    assert belts.underground_partner(exit_, surface) is entrance
    behind = make(world, "transport-belt", 3.5, 0.5, EAST)  # into the exit's back: refused
    assert belts.belt_neighbours(exit_, surface)[0] == []
    assert belts.belt_neighbours(entrance, surface)[1] == []
    assert behind.belt is not None
    far = make(world, "underground-belt", 10.5, 0.5, EAST, "output")
    lone = make(world, "underground-belt", 5.5, 0.5, EAST, "input")  # 5 tiles is its max_distance
    assert belts.underground_partner(lone, surface) is far
    assert belts.underground_partner(make(world, "underground-belt", 20.5, 0.5, EAST, "input"), surface) is None


def test_rotating_an_underground_swaps_entrance_and_exit(world: World) -> None:
    entrance = make(world, "underground-belt", 0.5, 0.5, EAST, "input")
    assert entrance.rotate()
    assert entrance.direction == WEST and entrance.belt is not None and entrance.belt.belt_to_ground_type == "output"


def test_a_lane_fills_up_and_the_lanes_survive_a_save(world: World) -> None:
    """Items inserted at the back move on a quarter tile every 8 ticks; a lone lane holds 4."""
    belt = make(world, "transport-belt", 0.5, 0.5)
    assert belt.belt is not None and len(belt.belt.lines) == 2
    line = belt.belt.lines[0]
    inserted = []
    for round_ in range(6):
        inserted.append(line.insert_at_back("iron-ore"))
        world.simulation.run_until(8 * (round_ + 1))
    assert inserted == [True] * 4 + [False] * 2
    assert line.items() == [(0, "iron-ore"), (64, "iron-ore"), (128, "iron-ore"), (192, "iron-ore")]
    assert line.contents() == {"iron-ore": 4} and line.remove_item("iron-ore", 3) == 3
    copy = World.from_state(GD, world.to_state())
    restored = copy.get_surface(1).find_entity("transport-belt", (0.5, 0.5))
    assert restored is not None and restored.belt is not None
    assert restored.belt.lines[0].items() == [(0, "iron-ore")]
    ug = make(world, "underground-belt", 5.5, 5.5, EAST, "output")
    assert ug.belt is not None and len(ug.belt.lines) == 4
    again = World.from_state(GD, world.to_state()).get_surface(1).find_entity("underground-belt", (5.5, 5.5))
    assert again is not None and again.belt is not None and again.belt.belt_to_ground_type == "output"


def test_pipes_connect_to_their_neighbours_and_share_a_segment(world: World) -> None:
    surface = world.get_surface(1)
    a = make(world, "pipe", 0.5, 0.5)
    b = make(world, "pipe", 1.5, 0.5)
    c = make(world, "pipe", 5.5, 0.5)
    east = [x for x in fluids.connections(a, 1) if x.direction == EAST][0]
    assert east.position == (0.5, 0.5) and fluids.target_position(east, surface) == (1.5, 0.5)
    other = fluids.target(east, surface)
    assert other is not None and other.owner is b and other.direction == WEST
    assert fluids.connected_boxes(a, 1, surface) == [(b, 1)]
    ids = [surface.fluids.segment(pipe, 1).id for pipe in (a, b, c)]
    assert ids[0] == ids[1] == a.id * 16 + 1 != ids[2]


def test_machine_connections_turn_with_the_machine_and_respect_flow(world: World) -> None:
    boiler = make(world, "boiler", 0, 0.5, EAST)  # 3x2, turned: water in at north/south, steam out east
    by_box = [[(c.position, c.direction) for c in fluids.connections(boiler, box)] for box in (1, 2)]
    assert sorted(d for _, d in by_box[0]) == [NORTH, SOUTH] and by_box[1][0][1] == EAST
    pump = make(world, "offshore-pump", 10.5, 10.5, NORTH)
    (out,) = fluids.connections(pump, 1)
    assert out.flow_direction == "output"


def test_pipes_to_ground_pair_underground(world: World) -> None:
    surface = world.get_surface(1)
    a = make(world, "pipe-to-ground", 0.5, 0.5, WEST)  # underground side points east
    b = make(world, "pipe-to-ground", 6.5, 0.5, EAST)
    under = [c for c in fluids.connections(a, 1) if c.connection_type == "underground"][0]
    other = fluids.target(under, surface)
    assert other is not None and other.owner is b
    assert fluids.target_position(under, surface) == (6.5, 0.5)
