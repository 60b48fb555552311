"""Inserters over belts (inserter_belts.py, belt_waits.py): they take from the belt tile they reach, near
lane first and only what their destination takes; they put items onto the far lane where there is a gap,
one item a gap; asleep over a belt they cost nothing and wake on the tick an item or a gap reaches the
hand; a save resumes them; bulk ticks equal tick-by-tick stepping.

A burner inserter at (x, 1.5) facing north takes from (x, 0.5) and drops at (x, 2.7); a leg is 39 ticks.
A transport belt moves items 8 units a tick (256 a tile), 64 apart on a lane.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import transport_lines
from fle_testkit.emulator.model.entity import Entity
from fle_testkit.emulator.model.inserting import Inserter
from fle_testkit.emulator.model.status import status
from fle_testkit.emulator.model.surface import Surface
from fle_testkit.emulator.model.world import World

SWING = 39
EAST = 4
GD = load_vanilla()


def row(surface: Surface, count: int, y: float, x0: int = 0) -> list[Entity]:
    return [
        surface.create_entity("transport-belt", (x0 + x + 0.5, y), direction=EAST, force="player") for x in range(count)
    ]


def lane(entity: Entity, index: int = 0) -> Any:
    assert entity.belt is not None
    return entity.belt.lines[index]


def fuelled_inserter(surface: Surface, x: float, y: float = 1.5) -> Entity:
    inserter = surface.create_entity("burner-inserter", (x, y), force="player")
    next(i for i in inserter.inventories.values() if i.name == "fuel").insert("coal", 10)
    return inserter


def machine(entity: Entity) -> Inserter:
    assert isinstance(entity.machine, Inserter)
    return entity.machine


def count(entity: Entity, name: str) -> int:
    return entity.inventories[1].get_item_count(name)


def belt_to_chest(surface: Surface, belts: int = 4) -> tuple[list[Entity], Entity, Entity]:
    """A row of belts at y 0.5 ending at x = belts; an inserter over its last belt into a chest."""
    line = row(surface, belts, 0.5)
    inserter = fuelled_inserter(surface, belts - 0.5)
    chest = surface.create_entity("wooden-chest", (belts - 0.5, 2.5), force="player")
    return line, inserter, chest


class TestPickingFromABelt:
    def test_takes_items_standing_on_its_tile_one_every_two_swings(self, world: World, surface: Surface) -> None:
        belts, inserter, chest = belt_to_chest(surface)
        for x in (192, 128, 64, 0):  # (compressed at the line's end)
            assert transport_lines.insert_at(lane(belts[-1]), x, "iron-ore")
        sim = world.simulation
        sim.run_until(SWING)
        assert count(chest, "iron-ore") == 1
        sim.run_until(SWING + 2 * SWING * 3)
        assert count(chest, "iron-ore") == 4 and lane(belts[-1]).items() == []
        sim.run_until(sim.now + 2 * SWING)
        assert status(inserter) == "waiting_for_source_items" and machine(inserter).asleep

    def test_asleep_over_an_empty_belt_nothing_runs(self, world: World, surface: Surface) -> None:
        belt_to_chest(surface)
        sim = world.simulation
        sim.run_until(10)
        assert sim.next_step_tick() is None
        sim.run_until(100_000)
        assert sim.steps_run < 5

    def test_woken_on_the_tick_an_item_reaches_its_tile_not_before(self, world: World, surface: Surface) -> None:
        belts, inserter, chest = belt_to_chest(surface, belts=10)
        sim = world.simulation
        sim.run_until(5)
        assert lane(belts[0]).insert_at_back("iron-ore")
        steps = sim.steps_run
        # 9 tiles to the inserter's tile: 9 x 32 = 288 ticks of movement, from tick 5 on
        arrives = 5 + 9 * 32
        sim.run_until(arrives - 1)
        assert machine(inserter).asleep and sim.steps_run - steps <= 1
        sim.run_until(arrives)
        assert machine(inserter).hand == ("iron-ore", 1) and lane(belts[-1]).items() == []
        sim.run_until(arrives + SWING)
        assert count(chest, "iron-ore") == 1

    def test_takes_only_what_its_destination_takes_and_wakes_for_what_comes_next(
        self, world: World, surface: Surface
    ) -> None:
        belts = row(surface, 6, 0.5)
        inserter = fuelled_inserter(surface, 5.5)
        furnace = surface.create_entity("stone-furnace", (6, 3), force="player")  # (2x2: covers (5.5, 2.7))
        lane(belts[-1]).insert_at_back("copper-cable")  # neither fuel nor smeltable
        sim = world.simulation
        sim.run_until(50)
        assert status(inserter) == "waiting_for_space_in_destination"
        assert lane(belts[-1]).items() != []
        lane(belts[0]).insert_at_back("coal")  # reaches the inserter's tile 5 tiles on
        sim.run_until(50 + 5 * 32 + SWING)
        assert furnace.burner is not None and furnace.burner.inventory.get_item_count("coal") == 1
        assert [name for _, name in lane(belts[-1]).items()] == ["copper-cable"]

    def test_the_near_lane_first(self, world: World, surface: Surface) -> None:
        belts, inserter, chest = belt_to_chest(surface)
        lane(belts[-1], 0).insert_at_back("coal")  # the left lane of a belt going east: the north one
        lane(belts[-1], 1).insert_at_back("iron-ore")
        world.simulation.run_until(SWING)  # (the inserter stands north of the belt... below it: y 1.5)
        assert count(chest, "iron-ore") == 1 and count(chest, "coal") == 0


class TestDroppingOntoABelt:
    def chest_to_belt(self, surface: Surface, contents: int) -> tuple[Entity, Entity, list[Entity]]:
        """A chest at (4.5, 0.5), the inserter, and a row of belts at y 2.5 going east under its drop."""
        chest = surface.create_entity("wooden-chest", (4.5, 0.5), force="player")
        chest.inventories[1].insert("iron-plate", contents)
        inserter = fuelled_inserter(surface, 4.5)
        return chest, inserter, row(surface, 8, 2.5)

    def test_onto_the_far_lane_at_the_middle_of_the_belt(self, world: World, surface: Surface) -> None:
        _, _, belts = self.chest_to_belt(surface, 1)
        world.simulation.run_until(SWING)
        # Put at 96 (centred on the belt's middle) on the swing's last tick: the lines moved before the
        # inserter within that tick, so it moves from the next.
        assert lane(belts[4], 0).items() == [] and lane(belts[4], 1).items() == [(96, "iron-plate")]

    def test_waits_for_a_gap_and_is_woken_when_it_opens(self, world: World, surface: Surface) -> None:
        _, inserter, belts = self.chest_to_belt(surface, 5)
        for entity in belts[4:]:  # the far lane full from 64 on the inserter's belt to the end: standing
            for x in (192, 128, 64, 0) if entity is not belts[4] else (192, 128, 64):
                assert transport_lines.insert_at(lane(entity, 1), x, "coal")
        sim = world.simulation
        sim.run_until(SWING + 5)
        assert status(inserter) == "waiting_for_space_in_destination" and machine(inserter).asleep
        assert sim.next_step_tick() is None  # nothing moves, nothing polls
        # Two items off the end: the line moves up two spacings (128) in 16 ticks. The items at 64 and 128
        # block the hand's point (96, a spacing either side) until the one at 64 reaches 160: 12 moves.
        assert lane(belts[-1], 1).remove_item("coal", 2) == 2
        taken = sim.now
        sim.run_until(taken + 11)
        assert machine(inserter).hand == ("iron-plate", 1) and machine(inserter).asleep
        sim.run_until(taken + 12)
        assert machine(inserter).hand is None
        assert lane(belts[4], 1).items() == [(96, "iron-plate"), (160, "coal"), (224, "coal")]

    def test_a_hand_of_three_goes_one_item_a_gap(self, world: World, surface: Surface) -> None:
        world.get_force("player").inserter_stack_size_bonus = 2
        _, inserter, belts = self.chest_to_belt(surface, 3)
        sim = world.simulation
        sim.run_until(SWING)
        assert machine(inserter).hand == ("iron-plate", 2) and status(inserter) == "working"
        sim.run_until(SWING + 8)  # the first has moved a spacing on: room for the next
        assert machine(inserter).hand == ("iron-plate", 1)
        sim.run_until(SWING + 16)
        assert machine(inserter).hand is None
        positions = [x + 256 * k for k, e in enumerate(belts) for x, _ in lane(e, 1).items()]
        assert [b - a for a, b in zip(positions, positions[1:], strict=False)] == [64, 64]


def _factory(world: World) -> list[Entity]:
    """Chest -> inserter -> belt -> ... -> inserter -> chest, and a second picker on the way. The belts
    first: per-tick stepping then runs the lines before the machines in each tick, as the engine does."""
    surface = world.get_surface(1)
    belts = row(surface, 10, 2.5)
    source = surface.create_entity("wooden-chest", (0.5, 0.5), force="player")
    source.inventories[1].insert("iron-plate", 40)
    loader = fuelled_inserter(surface, 0.5)
    pickers = []
    for x in (5.5, 9.5):
        pickers.append(fuelled_inserter(surface, x, 3.5))
        surface.create_entity("wooden-chest", (x, 4.5), force="player")
    return [*belts, source, loader, *pickers, *surface.find_entities_filtered(name="wooden-chest")]


def assert_same(fast: list[Entity], slow: list[Entity]) -> None:
    """The same items on each belt, in each hand and in each chest."""
    for mine, theirs in zip(fast, slow, strict=True):
        if mine.belt is not None:
            assert [lane(mine, k).items() for k in (0, 1)] == [lane(theirs, k).items() for k in (0, 1)]
        elif mine.type == "inserter":
            assert machine(mine).hand == machine(theirs).hand
        else:
            assert mine.inventories[1].get_contents() == theirs.inventories[1].get_contents()


def test_bulk_ticks_equal_tick_by_tick(run_both_ways: Callable[..., Any]) -> None:
    fast, slow, *_ = run_both_ways(_factory, 2000)
    assert_same(fast, slow)
    chests = [count(e, "iron-plate") for e in fast if e.type == "container"]
    assert chests[0] < 40 and sum(chests[1:]) > 5  # (things moved: the source emptied, pickers filled)


def test_a_save_resumes_an_inserter_asleep_over_a_belt(world: World, surface: Surface) -> None:
    belts, _, _ = belt_to_chest(surface, belts=8)
    sim = world.simulation
    sim.run_until(20)
    lane(belts[0]).insert_at_back("iron-ore")
    copy = World.from_state(GD, world.to_state())
    for game in (world, copy):
        game.simulation.run_until(20 + 7 * 32 + SWING + 1)
        chests = game.get_surface(1).find_entities_filtered(name="wooden-chest")
        assert [count(c, "iron-ore") for c in chests] == [1]


def test_a_save_resumes_a_hand_and_a_drill_waiting_for_a_gap(world: World, surface: Surface) -> None:
    """An inserter holding a plate over a standing far lane and a drill whose ore waits at a standing
    lane: in the loaded game too, they go on when the lanes move."""
    source = surface.create_entity("wooden-chest", (4.5, 0.5), force="player")
    source.inventories[1].insert("iron-plate", 1)
    fuelled_inserter(surface, 4.5)
    belts = row(surface, 6, 2.5)
    for entity in belts[4:]:
        for x in (192, 128, 64, 0):
            assert transport_lines.insert_at(lane(entity, 1), x, "coal")
    for dx in (-1, 0):
        for dy in (-1, 0):
            surface.create_entity("iron-ore", (dx + 10.5, dy + 10.5), force="neutral", amount=1000)
    drill = surface.create_entity("burner-mining-drill", (10, 10), force="player")  # drops at (9.5, 8.7)
    next(i for i in drill.inventories.values() if i.name == "fuel").insert("coal", 5)
    target = surface.create_entity("transport-belt", (9.5, 8.5), direction=EAST, force="player")
    for x in (192, 128, 64, 0):
        assert transport_lines.insert_at(lane(target, 1), x, "stone")
    world.simulation.run_until(300)  # (the drill has mined its first ore by 240)
    copy = World.from_state(GD, world.to_state())
    for game in (world, copy):
        game.simulation.run_until(301)  # (a loaded game rebuilds its lines on its first tick)
        found = game.get_surface(1).find_entities_filtered
        inserter, drill = found(name="burner-inserter")[0], found(name="burner-mining-drill")[0]
        assert machine(inserter).asleep and machine(inserter).hand == ("iron-plate", 1)
        assert drill.machine is not None and drill.machine.asleep and game.simulation.next_step_tick() is None
        last, target = (
            max(found(name="transport-belt", position=(5.5, 2.5)), key=lambda e: e.id),
            found(name="transport-belt", position=(9.5, 8.5))[0],
        )
        assert lane(last, 1).remove_item("coal", 4) == 4 and lane(target, 1).remove_item("stone", 4) == 4
        game.simulation.run_until(400)
        assert machine(inserter).hand is None and lane(target, 1).contents() == {"iron-ore": 1}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    items=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 1), st.integers(0, 3)), max_size=30),
    hand=st.integers(1, 3),
    stored=st.integers(0, 12),
)
def test_bulk_ticks_equal_tick_by_tick_for_any_items(
    run_both_ways: Callable[..., Any], items: list[tuple[int, int, int]], hand: int, stored: int
) -> None:
    """Belts first (so that per-tick stepping runs the lines before the machines in each tick, as the
    engine does): items anywhere on a row of 10, a loader putting ``stored`` plates on, two pickers."""

    def build(world: World) -> list[Entity]:
        surface = world.get_surface(1)
        world.get_force("player").inserter_stack_size_bonus = hand - 1
        belts = row(surface, 10, 2.5)
        for tile, index, slot in items:
            transport_lines.insert_at(lane(belts[tile], index), 64 * slot, "iron-ore")
        source = surface.create_entity("wooden-chest", (1.5, 0.5), force="player")
        if stored:
            source.inventories[1].insert("iron-plate", stored)
        placed = [source, fuelled_inserter(surface, 1.5)]
        for x in (6.5, 9.5):
            placed += [
                fuelled_inserter(surface, x, 3.5),
                surface.create_entity("wooden-chest", (x, 4.5), force="player"),
            ]
        return [*belts, *placed]

    fast, slow, *_ = run_both_ways(build, 900)
    assert_same(fast, slow)
