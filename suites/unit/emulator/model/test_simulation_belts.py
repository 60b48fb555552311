"""Moving transport lines (model/transport_lines.py): items move at the prototype's belt speed, bunch up
at a dead end, pass through curves and undergrounds, side-load onto the near lane, sleep when nothing
moves, keep their positions through rebuilds and saves, and run the same in bulk as tick by tick.

Belt positions are 1/256 tile; a transport belt moves items 8 a tick (0.03125 tile), spacing is 64.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import transport_lines
from fle_testkit.emulator.model.entity import Entity
from fle_testkit.emulator.model.surface import Surface
from fle_testkit.emulator.model.world import World

NORTH, EAST, SOUTH, WEST = 0, 4, 8, 12
GD = load_vanilla()


def belt(surface: Surface, x: float, y: float, direction: int = EAST, name: str = "transport-belt") -> Entity:
    return surface.create_entity(name, (x, y), direction=direction, force="player")


def row(surface: Surface, count: int, y: float = 0.5, name: str = "transport-belt") -> list[Entity]:
    return [belt(surface, x + 0.5, y, EAST, name) for x in range(count)]


def lane(entity: Entity, index: int = 0) -> Any:
    assert entity.belt is not None
    return entity.belt.lines[index]


def counts(entities: list[Entity], index: int = 0) -> list[int]:
    return [sum(lane(e, index).contents().values()) for e in entities]


def test_an_item_moves_a_tile_every_32_ticks_and_stops_at_the_end(world: World, surface: Surface) -> None:
    belts = row(surface, 4)
    assert lane(belts[0]).insert_at_back("iron-ore")
    sim = world.simulation
    sim.run_until(32)  # 32 x 8 = 256: the next belt
    assert counts(belts) == [0, 1, 0, 0] and lane(belts[1]).items() == [(0, "iron-ore")]
    sim.run_until(32 * 3 + 24)  # 4 tiles less the item's own quarter: at the end
    assert lane(belts[3]).items() == [(192, "iron-ore")]
    sim.run_until(sim.now + 1)  # (the tick that finds it stopped)
    assert sim.next_step_tick() is None  # nothing moves: asleep
    sim.run_until(10_000)
    assert lane(belts[3]).items() == [(192, "iron-ore")]


@pytest.mark.parametrize(
    ("name", "per_tick"), [("transport-belt", 8), ("fast-transport-belt", 16), ("express-transport-belt", 24)]
)
def test_belt_speed_comes_from_the_prototype(world: World, surface: Surface, name: str, per_tick: int) -> None:
    belts = row(surface, 3, name=name)
    assert transport_lines.speed_units(belts[0]) == per_tick
    lane(belts[0]).insert_at_back("coal")
    world.simulation.run_until(5)
    assert lane(belts[0]).items() == [(5 * per_tick, "coal")]


def test_items_bunch_up_at_a_dead_end_and_wake_when_space_opens(world: World, surface: Surface) -> None:
    belts = row(surface, 2)
    sim = world.simulation
    inserted = 0
    for tick in range(0, 200, 8):
        inserted += lane(belts[0]).insert_at_back("iron-plate")
        sim.run_until(tick + 8)
    assert inserted == 8 and counts(belts) == [4, 4]
    assert [x for x, _ in lane(belts[1]).items()] == [0, 64, 128, 192]
    assert sim.next_step_tick() is None
    assert lane(belts[1]).remove_item("iron-plate", 1) == 1  # the front one
    sim.run_until(sim.now + 1)
    assert [x for x, _ in lane(belts[1]).items()] == [8, 72, 136] and counts(belts)[0] == 4
    sim.run_until(sim.now + 100)
    assert [x for x, _ in lane(belts[1]).items()] == [0, 64, 128, 192] and counts(belts) == [3, 4]


def test_a_line_of_any_length_is_one_line_and_one_step_until_it_stops(world: World, surface: Surface) -> None:
    belts = row(surface, 200)
    lane(belts[0]).insert_at_back("stone")
    sim = world.simulation
    sim.run_until(1)
    steps = sim.steps_run
    sim.run_until(200 * 32)
    assert lane(belts[-1]).items() == [(192, "stone")]
    assert sim.steps_run - steps <= 2  # the plain ticks ran in bulk
    system = transport_lines.system(belts[0])
    assert len({id(lane(e).line) for e in belts}) == 1 and len(system.lines) == 2


def test_a_curve_keeps_lanes_and_its_inner_lane_is_shorter(world: World, surface: Surface) -> None:
    first = belt(surface, 0.5, 0.5, EAST)
    corner = belt(surface, 1.5, 0.5, NORTH)  # items turn left: the left lane is inside
    after = belt(surface, 1.5, -0.5, NORTH)
    transport_lines.line_of(lane(first))
    assert (lane(corner, 0).length, lane(corner, 1).length) == (
        transport_lines.CURVE_INNER,
        transport_lines.CURVE_OUTER,
    )
    assert lane(first, 0).line is lane(after, 0).line is not lane(first, 1).line
    lane(first, 0).insert_at_back("coal")
    lane(first, 1).insert_at_back("coal")
    world.simulation.run_until(60)
    inner, outer = lane(after, 0).items(), lane(after, 1).items()
    # 480 units in 60 ticks: the inner lane's item is further along the belt after the corner.
    assert inner == [(480 - 256 - transport_lines.CURVE_INNER, "coal")]
    assert outer == [] and lane(corner, 1).items() == [(480 - 256, "coal")]


def test_side_loading_puts_both_lanes_onto_the_near_lane(world: World, surface: Surface) -> None:
    main = row(surface, 3)
    side = belt(surface, 1.5, -0.5, SOUTH)  # onto main[1] from its left (north) side
    lane(side, 0).insert_at_back("iron-ore")
    lane(side, 1).insert_at_back("copper-ore")
    world.simulation.run_until(300)
    assert lane(main[2], 0).contents() == {"iron-ore": 1, "copper-ore": 1}
    assert counts(main, 1) == [0, 0, 0]


def test_undergrounds_carry_items_under_to_their_exit(world: World, surface: Surface) -> None:
    entrance = surface.create_entity(
        "underground-belt", (0.5, 0.5), direction=EAST, force="player", belt_to_ground_type="input"
    )
    exit_ = surface.create_entity(
        "underground-belt", (4.5, 0.5), direction=EAST, force="player", belt_to_ground_type="output"
    )
    after = belt(surface, 5.5, 0.5)
    lane(entrance, 0).insert_at_back("coal")
    assert lane(entrance, 0).line is lane(after, 0).line
    world.simulation.run_until(32 * 5 + 24)  # 0.5 + 4 + 0.5 tiles, then the last belt less a quarter
    assert lane(after, 0).items() == [(192, "coal")] and counts([entrance, exit_]) == [0, 0]


def test_rebuilding_keeps_each_item_where_it_was(world: World, surface: Surface) -> None:
    belts = row(surface, 3)
    lane(belts[0]).insert_at_back("coal")
    sim = world.simulation
    sim.run_until(40)  # 320: on the second belt at 64
    assert lane(belts[1]).items() == [(64, "coal")]
    belts[2].destroy()
    assert lane(belts[1]).items() == [(64, "coal")]  # (a dead end now, further on)
    sim.run_until(60)
    assert lane(belts[1]).items() == [(192, "coal")]
    belts[1].rotate()  # now facing south: a curve, its left lane the outer one
    assert lane(belts[1]).items() == [(192, "coal")]  # (reading rebuilds the lines)
    assert lane(belts[1], 1).length == transport_lines.CURVE_INNER
    belts[0].destroy()
    assert lane(belts[1]).items() == [(192, "coal")] and lane(belts[1], 0).length == transport_lines.STRAIGHT


def test_a_save_resumes_every_item_exactly(world: World, surface: Surface) -> None:
    belts = row(surface, 6)
    sim = world.simulation
    for tick in range(0, 90, 9):
        lane(belts[0]).insert_at_back("iron-plate")
        lane(belts[0], 1).insert_at_back("coal")
        sim.run_until(tick + 9)
    copy = World.from_state(GD, world.to_state())
    sim.run_until(400)
    copy.simulation.run_until(400)
    copies = sorted(copy.get_surface(1).find_entities_filtered(type="transport-belt"), key=lambda e: e.id)
    for mine, theirs in zip(belts, copies, strict=True):
        assert [lane(mine, k).items() for k in (0, 1)] == [lane(theirs, k).items() for k in (0, 1)]


def test_a_drill_drops_its_ore_onto_the_belt_lane_nearest_its_drop_position(world: World, surface: Surface) -> None:
    for dx in (-1, 0):
        for dy in (-1, 0):
            surface.create_entity("iron-ore", (dx + 0.5, dy + 0.5), force="neutral", amount=1000)
    drill = surface.create_entity("burner-mining-drill", (0, 0), force="player")  # drops at (-0.5, -1.3)
    next(i for i in drill.inventories.values() if i.name == "fuel").insert("coal", 5)
    target = belt(surface, -0.5, -1.5, EAST)
    onward = belt(surface, 0.5, -1.5, EAST)
    sim = world.simulation
    sim.run_until(240)  # one ore
    assert lane(target, 1).contents() == {"iron-ore": 1}  # (-0.5, -1.3) lies south of the centre: the right lane
    # Centred on the drop position (96), on the ore's last tick: the lines moved before the drill within
    # that tick (Simulation.step_ahead), so it moves from the next.
    assert lane(target, 1).items() == [(96, "iron-ore")]
    sim.run_until(240 * 5)
    assert counts([target, onward], 1) == [1, 4] and lane(onward, 1).items()[-1][0] == 192
    assert drill.machine is not None and drill.machine.state == "working"
    sim.run_until(240 * 10)  # bunched up back to the drop position: 6 on the lane, a 7th waits
    assert counts([target, onward], 1) == [2, 4] and drill.machine.state == "waiting_for_space_in_destination"
    assert drill.machine.asleep and sim.next_step_tick() is None  # (no polling: the lines wake it)
    assert lane(onward, 1).remove_item("iron-ore", 2) == 2
    sim.run_until(240 * 10 + 40)
    assert sum(counts([target, onward], 1)) == 5 and drill.machine.state == "working"


def ring(surface: Surface, size: int, x0: float = 0.5, y0: float = 0.5) -> list[Entity]:
    """A loop of belts around a square of ``size`` tiles a side, clockwise."""
    ring = []
    for k in range(size - 1):
        ring.append(belt(surface, x0 + k, y0, EAST))
    for k in range(size - 1):
        ring.append(belt(surface, x0 + size - 1, y0 + k, SOUTH))
    for k in range(size - 1):
        ring.append(belt(surface, x0 + size - 1 - k, y0 + size - 1, WEST))
    for k in range(size - 1):
        ring.append(belt(surface, x0, y0 + size - 1 - k, NORTH))
    return ring


def _lines(world: World) -> list[Entity]:
    """A loop of 12 belts with items on both lanes, a line into a dead end and a side-load onto it."""
    surface = world.get_surface(1)
    entities = ring(surface, 4) + row(surface, 5, y=10.5) + [belt(surface, 2.5, 9.5, SOUTH)]
    for entity in entities:
        lane(entity, 0).insert_at_back("iron-ore")
        lane(entity, 1).insert_at_back("copper-ore")
    return entities


def test_a_loop_keeps_moving(world: World, surface: Surface) -> None:
    belts = ring(surface, 4)
    for entity in belts[:6]:
        lane(entity, 0).insert_at_back("coal")
    sim = world.simulation
    sim.run_until(3000)
    assert sum(counts(belts)) == 6
    before = [lane(e).items() for e in belts]
    sim.run_until(3007)
    assert [lane(e).items() for e in belts] != before and sim.next_step_tick() is not None


def test_bulk_ticks_equal_tick_by_tick(run_both_ways: Callable[..., Any]) -> None:
    fast, slow, *_ = run_both_ways(_lines, 700)
    for mine, theirs in zip(fast, slow, strict=True):
        assert [lane(mine, k).items() for k in (0, 1)] == [lane(theirs, k).items() for k in (0, 1)]


def test_a_lines_running_total_of_gaps_stays_their_sum(world: World, surface: Surface) -> None:
    """A loop passing its front onto its back, a dead-end row filling up and items taken off in the middle:
    the back item's position comes from the gaps' running total, never a pass over them."""
    spots = [(k, 0, EAST) for k in range(5)] + [(5, k, SOUTH) for k in range(5)]
    spots += [(5 - k, 5, WEST) for k in range(5)] + [(0, 5 - k, NORTH) for k in range(5)]
    ring = [belt(surface, x + 0.5, y + 0.5, d) for x, y, d in spots]
    dead_end = row(surface, 6, y=10.5)
    for entity in ring[::3] + dead_end[:2]:
        for index in (0, 1):
            assert lane(entity, index).insert_at_back("iron-ore")
    sim = world.simulation
    for tick in (7, 300, 301, 2_000, 2_001, 5_000):
        sim.run_until(tick)
        if tick == 2_000:
            assert transport_lines.remove(lane(ring[4]), None, 1) == 1  # (an item taken off the loop's middle)
        checked = [line for line in transport_lines.system(ring[0]).lines if line.gaps]
        assert checked and all(line.total == sum(line.gaps) for line in checked)
