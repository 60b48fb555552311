"""The simulation against the independent oracle (suites/oracle.py), and the oracle against the
rates Factorio's documentation cites. Property tests run machines for long stretches of game time.
"""

from __future__ import annotations

import math
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import oracle
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import transport_lines
from fle_testkit.emulator.model.world import World

SUITES = Path(__file__).parents[3]


@pytest.fixture(scope="module")
def gamedata() -> Any:
    return load_vanilla()


def test_the_oracle_imports_nothing_of_the_testkit() -> None:
    code = "import sys, oracle; oracle.mining_rate('burner-mining-drill', 'iron-ore'); " + (
        "print(sorted(m for m in sys.modules if m.startswith('fle_testkit')))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], cwd=SUITES, capture_output=True, text=True, check=True, timeout=120
    )
    assert found.stdout.strip() == "[]"


@pytest.mark.parametrize(("machine", "product"), sorted(oracle.DOCUMENTED))
def test_the_oracle_agrees_with_the_documented_rates(machine: str, product: str) -> None:
    if oracle.entity(machine)["type"] == "mining-drill":
        rate = oracle.mining_rate(machine, product)
    else:
        rate = oracle.crafting_rate(machine, product)
    assert float(rate) == oracle.DOCUMENTED[(machine, product)]


def fuel_slot(entity: Any) -> Any:
    return next(i for i in entity.inventories.values() if i.name == "fuel")


LONG = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@LONG
@given(
    resource=st.sampled_from(["iron-ore", "copper-ore", "coal", "stone"]),
    fuel=st.sampled_from(["coal", "wood", "solid-fuel"]),
    fuel_count=st.integers(0, 8),
    amount=st.integers(1, 60),
    seconds=st.integers(1, 60 * 60),
)
def test_a_burner_drill_mines_what_the_oracle_says(
    gamedata: Any, resource: str, fuel: str, fuel_count: int, amount: int, seconds: int
) -> None:
    world = World.new(gamedata, 1)
    surface = world.get_surface(1)
    surface.create_entity(resource, (0.5, 0.5), force="neutral", amount=amount)
    drill = surface.create_entity("burner-mining-drill", (0, 0), force="player")
    chest = surface.create_entity("iron-chest", (-0.5, -1.5), force="player")
    if fuel_count:
        fuel_slot(drill).insert(fuel, fuel_count)
    ticks = seconds * 60
    world.simulation.run_until(ticks)
    mined = oracle.expected_mined("burner-mining-drill", resource, ticks, fuel, fuel_count, amount)
    assert chest.inventories[1].get_item_count(resource) == mined
    assert world.flow_statistics("item", "player", 1).get_input_count(resource) == mined


@LONG
@given(
    ore=st.sampled_from([("iron-ore", "iron-plate"), ("copper-ore", "copper-plate"), ("stone", "stone-brick")]),
    fuel=st.sampled_from(["coal", "wood"]),
    fuel_count=st.integers(0, 5),
    ore_count=st.integers(0, 50),
    seconds=st.integers(1, 60 * 60),
)
def test_a_stone_furnace_smelts_what_the_oracle_says(
    gamedata: Any, ore: tuple[str, str], fuel: str, fuel_count: int, ore_count: int, seconds: int
) -> None:
    ingredient, product = ore
    world = World.new(gamedata, 1)
    surface = world.get_surface(1)
    furnace = surface.create_entity("stone-furnace", (0, 0), force="player")
    if fuel_count:
        fuel_slot(furnace).insert(fuel, fuel_count)
    if ore_count:
        next(i for i in furnace.inventories.values() if i.name == "furnace_source").insert(ingredient, ore_count)
    ticks = seconds * 60
    world.simulation.run_until(ticks)
    per_craft = int(oracle.recipe(product)["ingredients"][0]["amount"])
    crafts = oracle.expected_crafted("stone-furnace", product, ticks, fuel, fuel_count, ore_count // per_craft)
    result = next(i for i in furnace.inventories.values() if i.name == "furnace_result")
    assert result.get_item_count(product) == crafts


def test_the_oracle_agrees_with_the_wiki_on_the_burner_inserter_of_1_1() -> None:
    documented = oracle.DOCUMENTED_BURNER_INSERTER_1_1
    assert oracle.inserter_rate(oracle.BURNER_INSERTER_1_1) == pytest.approx(documented["items_per_second"])
    there_and_back = 2 * oracle.swing_energy(oracle.BURNER_INSERTER_1_1)
    assert (
        math.floor(oracle.energy(oracle.item("coal")["fuel_value"]) / there_and_back) == documented["swings_per_coal"]
    )


def chest_to_chest(world: World, inserter: str, items: dict[str, int], coal: int) -> tuple[Any, Any]:
    surface = world.get_surface(1)
    source = surface.create_entity("iron-chest", (0.5, -0.5), force="player")
    machine = surface.create_entity(inserter, (0.5, 0.5), force="player")
    destination = surface.create_entity("iron-chest", (0.5, 1.5), force="player")
    for name, count in items.items():
        source.inventories[1].insert(name, count)
    if coal:
        fuel_slot(machine).insert("coal", coal)
    return machine, destination


@pytest.mark.parametrize(("kind", "name"), sorted(oracle.DOCUMENTED_BY_HAND))
def test_the_oracle_agrees_with_the_documented_hand_times(kind: str, name: str) -> None:
    ticks = oracle.hand_crafting_ticks(name) if kind == "craft" else oracle.manual_mining_ticks(name)
    assert ticks / oracle.TICKS_PER_SECOND == oracle.DOCUMENTED_BY_HAND[(kind, name)]


@LONG
@given(
    item=st.sampled_from(["iron-plate", "stone", "iron-gear-wheel"]),
    items=st.integers(0, 400),
    seconds=st.integers(1, 60 * 60),
)
def test_a_burner_inserter_moves_what_the_oracle_says(gamedata: Any, item: str, items: int, seconds: int) -> None:
    world = World.new(gamedata, 1)
    _, destination = chest_to_chest(world, "burner-inserter", {item: items}, coal=50)
    ticks = seconds * 60
    world.simulation.run_until(ticks)
    assert destination.inventories[1].get_item_count(item) == oracle.expected_moved("burner-inserter", ticks, items)


def test_a_burner_inserter_keeps_the_oracle_rate_for_an_hour(gamedata: Any) -> None:
    """A game hour chest to chest (2,769 swings there and back, 194 MJ of coal): within 0.5 % of the
    oracle's rate."""
    world = World.new(gamedata, 1)
    _, destination = chest_to_chest(world, "burner-inserter", {"iron-plate": 3200}, coal=50)
    seconds = 60 * 60
    world.simulation.run_until(seconds * 60)
    moved = destination.inventories[1].get_item_count()
    rate = oracle.inserter_rate(oracle.entity("burner-inserter"))
    assert moved / seconds == pytest.approx(float(rate), rel=0.005)
    assert world.flow_statistics("item", "player", 1).get_output_count("coal") == 49  # what it burnt


@LONG
@given(
    recipe=st.sampled_from(["iron-gear-wheel", "copper-cable", "electronic-circuit", "burner-mining-drill"]),
    crafts=st.integers(1, 300),  # (the raw materials of 300 drills just fit the character's 80 slots)
    minutes=st.integers(1, 60),
)
def test_a_long_crafting_queue_runs_as_the_oracle_says(gamedata: Any, recipe: str, crafts: int, minutes: int) -> None:
    """Raw materials for ``crafts`` crafts: the intermediate crafts come first, each at its own time."""
    from fle_testkit.emulator.model import control, crafting

    world = World.new(gamedata, 1)
    character = world.get_surface(1).create_entity("character", (0.5, 0.5), force="player")
    character.force.enable_all_recipes()
    raw = {"iron-gear-wheel": {"iron-plate": 2}, "copper-cable": {"copper-plate": 1}}
    raw["electronic-circuit"] = {"iron-plate": 1, "copper-plate": 2}  # 3 cables: 2 cable crafts, 1 spare
    raw["burner-mining-drill"] = {"iron-plate": 9, "stone": 5}  # 3 gears, 3 plates, a stone furnace
    intermediates = {
        "iron-gear-wheel": [],
        "copper-cable": [],
        "electronic-circuit": [("copper-cable", Fraction(3, 2))],
        "burner-mining-drill": [("iron-gear-wheel", Fraction(3)), ("stone-furnace", Fraction(1))],
    }[recipe]
    for name, per_craft in raw[recipe].items():
        assert control.insert(character, name, per_craft * crafts, gamedata.recipes) == per_craft * crafts
    assert crafting.begin_crafting(character, character.force.recipes[recipe], crafts) == crafts
    ticks = minutes * 3600
    world.simulation.run_until(ticks)
    before = sum(math.ceil(per * crafts) * oracle.hand_crafting_ticks(name) for name, per in intermediates)
    expected = oracle.expected_hand_crafted(recipe, max(0, ticks - before), crafts)
    made = oracle.recipe(recipe)["results"][0]["amount"]
    assert control.get_item_count(character, recipe) == expected * made


@LONG
@given(resource=st.sampled_from(["iron-ore", "copper-ore", "coal", "stone"]), minutes=st.integers(1, 60))
def test_manual_mining_over_long_runs_is_the_oracles(gamedata: Any, resource: str, minutes: int) -> None:
    from fle_testkit.emulator.model import control

    world = World.new(gamedata, 1)
    surface = world.get_surface(1)
    ore = surface.create_entity(resource, (1.5, 0.5), force="neutral", amount=10**6)
    character = surface.create_entity("character", (0.5, 0.5), force="player")
    assert character.character is not None and character.machine is not None
    character.character.mining, character.character.mining_position = True, (1.5, 0.5)
    world.simulation.replan(character.machine)
    ticks = minutes * 3600
    world.simulation.run_until(ticks)
    mined = oracle.expected_hand_mined(resource, ticks, 10**6)
    # (Products that no longer fit wait: the character's inventory holds 80 stacks of 50.)
    assert control.get_item_count(character, resource) == min(mined, 80 * 50)
    assert ore.amount == 10**6 - min(mined, 80 * 50)


@pytest.mark.parametrize("belt", sorted(oracle.DOCUMENTED_BELTS))
def test_the_oracle_agrees_with_the_documented_belt_throughput(belt: str) -> None:
    assert oracle.belt_rate(belt) == oracle.DOCUMENTED_BELTS[belt]
    assert oracle.lane_rate(belt) * 2 == oracle.DOCUMENTED_BELTS[belt]


def fed_line(gamedata: Any, belt: str, tiles: int, ticks: int, lane: int = 0) -> int:
    """A straight line of ``tiles`` belts: an item put at its back each tick there is room, each item taken
    off as it reaches the end. How many were taken in ``ticks``."""
    world = World.new(gamedata, 1)
    surface = world.get_surface(1)
    belts = [surface.create_entity(belt, (x + 0.5, 0.5), direction=4, force="player") for x in range(tiles)]
    first, last = belts[0].belt.lines[lane], belts[-1].belt.lines[lane]  # type: ignore[union-attr]
    sim, taken = world.simulation, 0
    for tick in range(ticks):
        if first.can_insert_at_back():
            first.insert_at_back("iron-plate")
        sim.run_until(tick + 1)
        items = last.items()
        if items and items[-1][0] == last.length - 64:
            taken += last.remove_item("iron-plate", 1)
    return taken


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    belt=st.sampled_from(sorted(oracle.DOCUMENTED_BELTS)),
    tiles=st.integers(1, 30),
    lane=st.integers(0, 1),
    seconds=st.integers(1, 30),
)
def test_a_fed_line_delivers_what_the_oracle_says(
    gamedata: Any, belt: str, tiles: int, lane: int, seconds: int
) -> None:
    ticks = seconds * 60
    assert fed_line(gamedata, belt, tiles, ticks, lane) == oracle.expected_through_line(belt, tiles, ticks)


@pytest.mark.parametrize("belt", sorted(oracle.DOCUMENTED_BELTS))
def test_a_lane_keeps_the_oracle_rate_for_ten_minutes(gamedata: Any, belt: str) -> None:
    """Ten game minutes through a 10-tile line fed at its back: within 0.5 % of the oracle's rate, which is
    the wiki's lane rate where a quarter tile is a whole number of ticks of movement (transport, fast)."""
    seconds = 600
    taken = fed_line(gamedata, belt, 10, seconds * 60)
    assert taken == oracle.expected_through_line(belt, 10, seconds * 60)
    rate = Fraction(oracle.TICKS_PER_SECOND, oracle.back_fed_interval(belt))
    travel = 10 / float(oracle.belt_speed(belt)) / oracle.TICKS_PER_SECOND  # seconds before the first arrives
    assert taken / (seconds - travel) == pytest.approx(float(rate), rel=0.005)
    if belt != "express-transport-belt":
        assert rate == oracle.lane_rate(belt)


def test_a_compressed_lane_moves_at_the_documented_rate(gamedata: Any) -> None:
    """A full express lane of 100 tiles running on into 100 empty ones: items pass the point between at the
    wiki's 22.5/s (45 a belt) once a quarter tile is not a whole number of ticks of movement."""
    world = World.new(gamedata, 1)
    surface = world.get_surface(1)
    belts = [
        surface.create_entity("express-transport-belt", (x + 0.5, 0.5), direction=4, force="player") for x in range(200)
    ]
    lanes = [b.belt.lines[0] for b in belts]  # type: ignore[union-attr]
    for lane in lanes[:100]:
        for position in (0, 64, 128, 192):
            assert transport_lines.insert_at(lane, position, "coal")
    seconds = 10
    world.simulation.run_until(seconds * 60)
    passed = sum(len(lane.items()) for lane in lanes[100:])  # (10 s: 225 items, far from the end)
    moved_on = 400 - sum(len(lane.items()) for lane in lanes[:100])
    assert passed == moved_on
    assert moved_on / seconds == pytest.approx(float(oracle.lane_rate("express-transport-belt")), abs=0.15)


def fuel(entity: Any) -> Any:
    return next(i for i in entity.inventories.values() if i.name == "fuel")


def chest_belt_chest(gamedata: Any, loaders: int, pickers: int, seconds: int, hand: int = 1) -> tuple[Any, Any]:
    """``loaders`` burner inserters putting plates from a steel chest of 4,800 each onto a straight belt
    going east (y 2.5), and ``pickers`` burner inserters at its far end taking them off into a chest each,
    for ``seconds`` of game: the source chests and the pickers' chests."""
    world = World.new(gamedata, 1)
    surface = world.get_surface(1)
    world.get_force("player").inserter_stack_size_bonus = hand - 1
    for x in range(12):
        surface.create_entity("transport-belt", (x + 0.5, 2.5), direction=4, force="player")
    chests = []
    for k in range(loaders):
        chest = surface.create_entity("steel-chest", (k + 0.5, 0.5), force="player")
        chest.inventories[1].insert("iron-plate", 4800)
        fuel(surface.create_entity("burner-inserter", (k + 0.5, 1.5), force="player")).insert("coal", 50)
        chests.append(chest)
    sinks = []
    for k in range(pickers):
        x = 11.5 - k
        fuel(surface.create_entity("burner-inserter", (x, 3.5), force="player")).insert("coal", 50)
        sinks.append(surface.create_entity("iron-chest", (x, 4.5), force="player"))
    world.simulation.run_until(seconds * 60)
    return chests, sinks


@pytest.mark.parametrize("hand", [1, 3])
def test_an_inserter_puts_onto_a_belt_at_the_oracle_rate_for_an_hour(gamedata: Any, hand: int) -> None:
    """One burner inserter from a chest onto a moving belt, emptied at its end by two more: an hour (a hand
    of 3: 20 minutes) within 0.5 % of the oracle's chest-to-belt rate."""
    seconds = 3600 if hand == 1 else 1200
    chests, _ = chest_belt_chest(gamedata, loaders=1, pickers=2, seconds=seconds, hand=hand)
    moved = 4800 - chests[0].inventories[1].get_item_count()
    rate = oracle.chest_to_belt_rate("burner-inserter", "transport-belt", hand)
    assert moved / seconds == pytest.approx(float(rate), rel=0.005)


def test_an_inserter_takes_off_a_belt_at_the_oracle_rate_for_an_hour(gamedata: Any) -> None:
    """Two burner inserters keep a lane full; one at its end takes into a chest: an hour within 0.5 % of the
    oracle's belt-to-chest rate, the chest-to-chest rate (0.77/s)."""
    _, sinks = chest_belt_chest(gamedata, loaders=2, pickers=1, seconds=3600)
    moved = sinks[0].inventories[1].get_item_count()
    assert moved / 3600 == pytest.approx(float(oracle.belt_to_chest_rate("burner-inserter")), rel=0.005)


@LONG
@given(items=st.integers(0, 48), seconds=st.integers(1, 120))
def test_an_inserter_takes_off_a_full_lane_what_the_oracle_says(gamedata: Any, items: int, seconds: int) -> None:
    """A dead-end lane of 12 belts holding ``items`` compressed at its end, taken off by a burner inserter
    at the end: the lane closes up faster than the hand swings, so it moves what a chest would give it."""
    world = World.new(gamedata, 1)
    surface = world.get_surface(1)
    belts = [surface.create_entity("transport-belt", (x + 0.5, 2.5), direction=4, force="player") for x in range(12)]
    for k in range(items):
        belt, slot = belts[11 - k // 4], k % 4
        assert transport_lines.insert_at(belt.belt.lines[0], 192 - 64 * slot, "iron-plate")  # type: ignore[union-attr]
    fuel(surface.create_entity("burner-inserter", (11.5, 3.5), force="player")).insert("coal", 50)
    chest = surface.create_entity("iron-chest", (11.5, 4.5), force="player")
    ticks = seconds * 60
    world.simulation.run_until(ticks)
    assert chest.inventories[1].get_item_count() == oracle.expected_moved("burner-inserter", ticks, items)


@LONG
@given(items=st.integers(0, 200), seconds=st.integers(1, 300))
def test_an_inserter_puts_onto_a_moving_belt_what_the_oracle_says(gamedata: Any, items: int, seconds: int) -> None:
    """A chest of ``items`` plates onto a moving belt emptied at its end: the drop never waits, so the
    chest empties as chest to chest."""
    world = World.new(gamedata, 1)
    surface = world.get_surface(1)
    for x in range(12):
        surface.create_entity("transport-belt", (x + 0.5, 2.5), direction=4, force="player")
    source = surface.create_entity("iron-chest", (0.5, 0.5), force="player")
    source.inventories[1].insert("iron-plate", items)
    loader = surface.create_entity("burner-inserter", (0.5, 1.5), force="player")
    fuel(loader).insert("coal", 50)
    fuel(surface.create_entity("burner-inserter", (11.5, 3.5), force="player")).insert("coal", 50)
    surface.create_entity("iron-chest", (11.5, 4.5), force="player")
    ticks = seconds * 60
    world.simulation.run_until(ticks)
    hand = loader.machine.hand  # type: ignore[union-attr]
    landed = items - source.inventories[1].get_item_count() - (hand[1] if hand else 0)
    assert landed == oracle.expected_moved("burner-inserter", ticks, items)
