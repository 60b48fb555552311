"""Splitters on moving transport lines (model/splitters.py): items alternate between the outputs lane by
lane, a blocked or missing output gives everything to the other, input and output priority and the filter
choose as the wiki's "Splitter" page says; a stuck splitter sleeps and wakes when room opens, and lines
through splitters run the same in bulk as tick by tick and resume exactly from a save.

A splitter facing east at (3.5, 1) takes from the belts at (2.5, 0.5) (left) and (2.5, 1.5) (right) and
outputs onto those at (4.5, 0.5) and (4.5, 1.5). Its lanes are half a tile (128 units).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import splitters, transport_lines
from fle_testkit.emulator.model.entity import Entity
from fle_testkit.emulator.model.surface import Surface
from fle_testkit.emulator.model.world import World

NORTH, EAST, SOUTH, WEST = 0, 4, 8, 12
GD = load_vanilla()


def belt(surface: Surface, x: float, y: float, name: str = "transport-belt", direction: int = EAST) -> Entity:
    return surface.create_entity(name, (x, y), direction=direction, force="player")


def lane(entity: Entity, index: int = 0) -> Any:
    assert entity.belt is not None
    return entity.belt.lines[index]


def count(entities: list[Entity], index: int = 0) -> int:
    return sum(len(lane(e, index).items()) for e in entities)


class Rig:
    """Input rows (y 0.5 and 1.5) of ``before`` belts into a splitter at x 3.5, output rows of ``after`` belts."""

    def __init__(self, surface: Surface, inputs: tuple[bool, bool] = (True, False), after: tuple[int, int] = (4, 4)):
        self.surface = surface
        self.inputs = [
            [belt(surface, x + 0.5, y) for x in range(3)] if on else []
            for on, y in zip(inputs, (0.5, 1.5), strict=True)
        ]
        self.splitter = surface.create_entity("splitter", (3.5, 1.0), direction=EAST, force="player")
        self.outputs = [[belt(surface, x + 4.5, y) for x in range(n)] for n, y in zip(after, (0.5, 1.5), strict=True)]
        self.taken: list[list[str]] = [[], []]

    def feed(self, side: int, name: str = "iron-plate", index: int = 0) -> None:
        first = lane(self.inputs[side][0], index)
        if first.can_insert_at_back():
            first.insert_at_back(name)

    def take(self, index: int = 0) -> None:
        """Each output row's front item off, once it stands at the end."""
        for side, row in enumerate(self.outputs):
            if not row:
                continue
            last = lane(row[-1], index)
            items = last.items()
            if items and items[-1][0] == last.length - transport_lines.SPACING:
                self.taken[side].append(items[-1][1])
                last.remove_item(items[-1][1], 1)

    def run(self, ticks: int, feed: Callable[[int], None], take: bool = True) -> None:
        sim = self.surface.world.simulation  # type: ignore[attr-defined]
        for _ in range(ticks):
            feed(sim.now)
            sim.run_until(sim.now + 1)
            if take:
                self.take()


def test_a_splitter_has_eight_half_tile_lanes_between_the_belts(world: World, surface: Surface) -> None:
    rig = Rig(surface)
    lines = rig.splitter.belt.lines  # type: ignore[union-attr]
    transport_lines.line_of(lines[0])
    assert [line.length for line in lines] == [transport_lines.HALF] * 8
    # The left input belt's lanes end in the splitter's first two; its outputs start the belts ahead.
    assert lane(rig.inputs[0][0], 0).line is lines[0].line and lane(rig.inputs[0][0], 1).line is lines[1].line
    assert lines[4].line is lane(rig.outputs[0][0], 0).line and lines[7].line is lane(rig.outputs[1][0], 1).line
    assert transport_lines.output_lines(lines[0]) == [lines[4], lines[6]]
    assert transport_lines.input_lines(lines[6]) == [lines[0], lines[2]]


def test_items_alternate_between_the_outputs(world: World, surface: Surface) -> None:
    rig = Rig(surface)
    rig.run(1200, lambda tick: rig.feed(0, "iron-plate" if tick % 16 < 8 else "copper-plate"))
    left, right = rig.taken
    assert abs(len(left) - len(right)) <= 1 and len(left) + len(right) > 100
    # Fed one item every 8 ticks, alternating kinds: the splitter's own alternation sorts them.
    assert set(left) == {"iron-plate"} and set(right) == {"copper-plate"}


def test_lanes_stay_apart(world: World, surface: Surface) -> None:
    rig = Rig(surface)
    for _ in range(3):
        rig.feed(0, "coal", index=1)
        world.simulation.run_until(world.simulation.now + 8)
    world.simulation.run_until(600)
    assert [count(row, 1) for row in rig.outputs] == [2, 1] and [count(row, 0) for row in rig.outputs] == [0, 0]


def test_a_missing_output_fills_its_half_then_the_other_takes_everything(world: World, surface: Surface) -> None:
    rig = Rig(surface, after=(4, 0))
    rig.run(1200, lambda tick: rig.feed(0))
    lines = rig.splitter.belt.lines  # type: ignore[union-attr]
    assert len(lines[6].items()) == 2  # the right output's half holds two items on the lane, then it is full
    assert len(rig.taken[0]) > 100


def test_a_blocked_output_passes_everything_to_the_other(world: World, surface: Surface) -> None:
    rig = Rig(surface)
    rig.outputs[1][-1].destroy()  # the right row ends short of where items are taken: it fills up
    rig.run(2400, lambda tick: rig.feed(0))
    assert count(rig.outputs[1][:-1]) == 3 * 4 and len(rig.taken[0]) > 250


def test_output_priority_and_the_filter(world: World, surface: Surface) -> None:
    rig = Rig(surface)
    transport_lines.configure_splitter(rig.splitter, output_priority="right")
    rig.run(600, lambda tick: rig.feed(0))
    assert rig.taken[0] == [] and len(rig.taken[1]) > 40
    transport_lines.configure_splitter(rig.splitter, filter="coal")
    rig.run(600, lambda tick: None)  # (what was on its way right before the filter arrives there)
    rig.taken = [[], []]
    rig.run(1200, lambda tick: rig.feed(0, "coal" if tick % 24 < 8 else "stone"))
    assert set(rig.taken[1]) == {"coal"} and set(rig.taken[0]) == {"stone"}


def test_a_filtered_item_waits_for_its_own_output(world: World, surface: Surface) -> None:
    rig = Rig(surface, after=(4, 0))  # no belt right: its half fills, and coal cannot go left
    transport_lines.configure_splitter(rig.splitter, output_priority="right", filter="coal")
    rig.run(1200, lambda tick: rig.feed(0, "coal"))
    assert rig.taken[0] == [] and len(rig.splitter.belt.lines[6].items()) == 2  # type: ignore[union-attr]
    assert count(rig.inputs[0]) == 12
    sim = world.simulation
    assert sim.next_step_tick() is None  # stuck: asleep
    transport_lines.configure_splitter(rig.splitter, filter=None)  # now it may go left
    rig.run(600, lambda tick: None)
    assert len(rig.taken[0]) > 10


def test_input_priority_drains_one_belt_first(world: World, surface: Surface) -> None:
    rig = Rig(surface, inputs=(True, True), after=(4, 0))  # two full inputs, one output belt

    def both(tick: int) -> None:
        rig.feed(0, "iron-plate")
        rig.feed(1, "copper-plate")

    rig.run(1200, both)
    early = list(rig.taken[0])
    # Turns: half each (the first few went into the right output's half, which has no belt ahead).
    assert abs(early.count("iron-plate") - early.count("copper-plate")) <= 4
    transport_lines.configure_splitter(rig.splitter, input_priority="right")
    rig.taken = [[], []]
    rig.run(1200, both)
    assert set(rig.taken[0][20:]) == {"copper-plate"} and len(rig.taken[0]) > 100  # (after those on their way)


def test_a_stuck_splitter_sleeps_and_wakes_when_an_output_moves(world: World, surface: Surface) -> None:
    rig = Rig(surface, after=(1, 1))
    rig.run(1200, lambda tick: rig.feed(0), take=False)
    sim = world.simulation
    assert sim.next_step_tick() is None
    assert count(rig.outputs[0]) == 4 and count(rig.outputs[1]) == 4
    lane(rig.outputs[1][0]).remove_item(None, 1)
    rig.run(40, lambda tick: None, take=False)
    assert count(rig.outputs[1]) == 4 and count(rig.outputs[0]) == 4
    assert sim.next_step_tick() is None


def test_splitters_chain_and_change_speed(world: World, surface: Surface) -> None:
    """A splitter's outputs run into another splitter, and a fast splitter hands items to slow belts."""
    first = belt(surface, 0.5, 0.5)
    a = surface.create_entity("splitter", (1.5, 1.0), direction=EAST, force="player")
    b = surface.create_entity("fast-splitter", (2.5, 1.0), direction=EAST, force="player")
    rows = [[belt(surface, x + 3.5, y) for x in range(4)] for y in (0.5, 1.5)]
    assert transport_lines.speed_units(b) == 16
    for _ in range(8):
        lane(first).insert_at_back("coal")
        world.simulation.run_until(world.simulation.now + 8)
    world.simulation.run_until(2000)
    assert count(rows[0]) + count(rows[1]) == 8 and count(rows[0]) == 4
    assert a.belt is not None and b.belt is not None


def _splitters(world: World) -> list[Entity]:
    """A loop through a splitter (its left output comes round into its left input), a side row fed from its
    right output into a dead end, and items on every lane."""
    surface = world.get_surface(1)
    splitter = surface.create_entity("splitter", (3.5, 1.0), direction=EAST, force="player")
    loop = [belt(surface, 4.5, 0.5), belt(surface, 5.5, 0.5, direction=NORTH)]
    loop += [belt(surface, x + 0.5, -0.5, direction=WEST) for x in (5, 4, 3, 2)]
    loop += [belt(surface, 1.5, -0.5, direction=SOUTH), belt(surface, 1.5, 0.5), belt(surface, 2.5, 0.5)]
    side = [belt(surface, x + 4.5, 1.5) for x in range(3)]
    transport_lines.configure_splitter(splitter, input_priority="left")
    entities = [splitter, *loop, *side]
    for entity in entities:
        for index in (0, 1):
            lane(entity, index).insert_at_back("iron-ore" if index else "copper-ore")
    return entities


def test_bulk_ticks_equal_tick_by_tick_through_splitters(run_both_ways: Callable[..., Any]) -> None:
    fast, slow, *_ = run_both_ways(_splitters, 900)
    for mine, theirs in zip(fast, slow, strict=True):
        assert mine.belt is not None and theirs.belt is not None
        assert [line.items() for line in mine.belt.lines] == [line.items() for line in theirs.belt.lines]
        assert mine.belt.turns == theirs.belt.turns


def test_a_save_resumes_splitters_exactly(world: World, surface: Surface) -> None:
    rig = Rig(surface, inputs=(True, True))
    rig.run(333, lambda tick: (rig.feed(0), rig.feed(1, "coal", 1)), take=False)
    copy = World.from_state(GD, world.to_state())
    world.simulation.run_until(1200)
    copy.simulation.run_until(1200)
    mine = sorted(surface.find_entities_filtered(type=["transport-belt", "splitter"]), key=lambda e: e.id)
    theirs = sorted(copy.get_surface(1).find_entities_filtered(type=["transport-belt", "splitter"]), key=lambda e: e.id)
    for a, b in zip(mine, theirs, strict=True):
        assert a.belt is not None and b.belt is not None
        assert [line.items() for line in a.belt.lines] == [line.items() for line in b.belt.lines]
        assert a.belt.turns == b.belt.turns
    assert rig.splitter.belt is not None and rig.splitter.belt.turns != list(splitters.NEW_TURNS)


def test_rebuilds_keep_the_items_on_a_splitters_halves(world: World, surface: Surface) -> None:
    """Removing the belt after an output and building it again keeps what stood on the splitter's halves;
    the split goes on where it left off."""
    rig = Rig(surface)
    rig.run(400, lambda tick: rig.feed(0), take=False)
    lines = rig.splitter.belt.lines  # type: ignore[union-attr]
    rig.outputs[1][0].destroy()  # the right output's half is a dead end now: it fills with 2 items
    rig.run(200, lambda tick: rig.feed(0), take=False)
    held = [line.items() for line in lines]
    assert len(held[6]) == 2
    belt(surface, 4.5, 1.5)
    assert [line.items() for line in lines] == held  # (read after the rebuild)
    rig.taken = [[], []]
    rig.run(600, lambda tick: None)
    # The row's 12, the half's 2 and what waited at the input since: all passed on.
    assert len(rig.taken[1]) > 12 + 2 and lines[6].items() == [] and count(rig.inputs[0]) == 0
