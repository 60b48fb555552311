"""A character's crafting queue and manual mining in the tick simulation (model/handwork.py)."""

from __future__ import annotations

from typing import Any

import oracle
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import control, crafting
from fle_testkit.emulator.model.entity import Entity
from fle_testkit.emulator.model.handwork import Handwork
from fle_testkit.emulator.model.world import World

GD = load_vanilla()


def character(world: World, items: dict[str, int] | None = None) -> Entity:
    made = world.get_surface(1).create_entity("character", (0.5, 0.5), force="player")
    made.force.enable_all_recipes()
    for name, count in (items or {}).items():
        assert control.insert(made, name, count, GD.recipes) == count
    return made


def queue_of(made: Entity) -> list[tuple[str, int, bool]]:
    assert made.character is not None
    return [(c.recipe, c.count, c.prerequisite) for c in made.character.crafting_queue]


def machine_of(made: Entity) -> Handwork:
    assert isinstance(made.machine, Handwork)
    return made.machine


def held_anywhere(made: Entity) -> dict[str, int]:
    """Every item the character owns: its inventories, its reserves, the craft under way, what waits for room."""
    total: dict[str, int] = {}

    def add(name: str, count: int) -> None:
        if count:
            total[name] = total.get(name, 0) + count

    for inventory in made.inventories.values():
        for stack in inventory:
            if stack is not None:
                add(*stack)
    assert made.character is not None
    for reserve in made.character.reserved.values():
        for name, count in reserve.items():
            add(name, count)
    machine = machine_of(made)
    for name, count in machine.craft_taken.items():
        add(name, count)
    for name, count in machine.held:
        add(name, count)
    return total


# --- crafting ---------------------------------------------------------------------


def test_a_gear_takes_thirty_ticks_and_the_queue_empties(world: World) -> None:
    made = character(world, {"iron-plate": 20})
    assert crafting.begin_crafting(made, made.force.recipes["iron-gear-wheel"], 10) == 10
    assert control.get_item_count(made, "iron-plate") == 0  # taken when queued
    world.simulation.run_until(29)
    assert control.get_item_count(made, "iron-gear-wheel") == 0
    assert machine_of(made).crafting_queue_progress == pytest.approx(29 / 30)
    world.simulation.run_until(30)
    assert control.get_item_count(made, "iron-gear-wheel") == 1
    assert queue_of(made) == [("iron-gear-wheel", 9, False)]
    world.simulation.run_until(300)
    assert control.get_item_count(made, "iron-gear-wheel") == 10
    assert queue_of(made) == []
    assert machine_of(made).asleep and machine_of(made).crafting_queue_progress == 0.0
    statistics = world.flow_statistics("item", "player", 1)
    assert statistics.get_input_count("iron-gear-wheel") == 10
    assert statistics.get_output_count("iron-plate") == 20


def test_intermediates_are_queued_first_and_their_surplus_comes_back(world: World) -> None:
    made = character(world, {"iron-plate": 5, "copper-plate": 8})
    recipes = made.force.recipes
    assert crafting.craftable_count(made, recipes["electronic-circuit"]) == 5
    assert crafting.begin_crafting(made, recipes["electronic-circuit"], 5) == 5
    assert queue_of(made) == [("copper-cable", 8, True), ("electronic-circuit", 5, False)]
    assert control.get_item_count(made) == 0
    world.simulation.run_until(13 * 30 - 1)
    assert control.get_item_count(made, "electronic-circuit") == 4
    assert control.get_item_count(made, "copper-cable") == 0  # intermediates stay reserved
    world.simulation.run_until(13 * 30)
    assert control.get_item_count(made, "electronic-circuit") == 5
    assert control.get_item_count(made, "copper-cable") == 1  # 16 made, 15 used
    statistics = world.flow_statistics("item", "player", 1)
    assert statistics.get_input_count("copper-cable") == 16
    assert statistics.get_output_count("copper-cable") == 15


def test_crafts_already_held_are_used_before_crafting_more(world: World) -> None:
    made = character(world, {"iron-plate": 2, "iron-gear-wheel": 1})
    recipes = made.force.recipes
    assert crafting.craftable_count(made, recipes["iron-gear-wheel"]) == 1
    # A burner inserter: 1 plate, 1 gear; a second one needs a gear crafted from the last... none left.
    assert crafting.craftable_count(made, recipes["burner-inserter"]) == 1
    assert crafting.begin_crafting(made, recipes["burner-inserter"], 2) == 1
    assert queue_of(made) == [("burner-inserter", 1, False)]
    assert control.get_item_count(made, "iron-plate") == 1


def test_the_same_crafts_again_make_one_entry(world: World) -> None:
    made = character(world, {"iron-plate": 10})
    gear = made.force.recipes["iron-gear-wheel"]
    crafting.begin_crafting(made, gear, 2)
    crafting.begin_crafting(made, gear, 3)
    assert queue_of(made) == [("iron-gear-wheel", 5, False)]


def test_cancelling_gives_back_what_the_crafts_would_use(world: World) -> None:
    made = character(world, {"iron-plate": 5, "copper-plate": 8})
    recipes = made.force.recipes
    crafting.begin_crafting(made, recipes["electronic-circuit"], 5)
    world.simulation.run_until(45)  # one cable craft done, the second under way
    crafting.cancel_crafting(made, 2, 3, recipes)  # 3 of the 5 circuits
    assert queue_of(made) == [("copper-cable", 2, True), ("electronic-circuit", 2, False)]
    assert control.get_item_count(made, "iron-plate") == 3
    assert control.get_item_count(made, "copper-plate") == 5  # 8 - 1 crafted - 2 to craft
    crafting.cancel_crafting(made, 1, 1, recipes)  # a cable craft: the circuit that needs it goes too
    assert queue_of(made) == [("copper-cable", 1, True), ("electronic-circuit", 1, False)]
    crafting.cancel_crafting(made, 2, 1, recipes)
    assert queue_of(made) == []
    assert held_anywhere(made) == {"iron-plate": 5, "copper-plate": 7, "copper-cable": 2}
    world.simulation.run_until(1000)
    assert held_anywhere(made) == {"iron-plate": 5, "copper-plate": 7, "copper-cable": 2}


def test_products_that_do_not_fit_wait_for_room(world: World) -> None:
    made = character(world, {"iron-plate": 2})
    main = control.main_inventory(made)
    assert main is not None
    crafting.begin_crafting(made, made.force.recipes["iron-gear-wheel"], 1)
    main.insert("stone", 10**6)  # every slot full
    world.simulation.run_until(100)
    assert machine_of(made).held == [("iron-gear-wheel", 1)] and machine_of(made).asleep
    main.remove("stone", 50)
    world.simulation.run_until(101)
    assert control.get_item_count(made, "iron-gear-wheel") == 1


def test_an_idle_character_costs_no_steps(world: World) -> None:
    made = character(world, {"iron-plate": 10})
    simulation = world.simulation
    simulation.run_until(10)
    steps = simulation.steps_run
    for _ in range(20):
        control.insert(made, "iron-plate", 1, GD.recipes)
        control.remove_item(made, "iron-plate", 1)
    simulation.run_until(10**6)
    assert simulation.steps_run == steps
    crafting.begin_crafting(made, made.force.recipes["iron-gear-wheel"], 5)
    simulation.run_until(10**6 + 10**5)
    assert simulation.steps_run - steps <= 5 + 2  # a step a craft, and one to fall asleep


CONSERVE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ACTIONS = st.lists(
    st.one_of(
        st.tuples(
            st.just("craft"),
            st.sampled_from(["iron-gear-wheel", "electronic-circuit", "burner-inserter", "transport-belt", "lab"]),
            st.integers(1, 12),
        ),
        st.tuples(st.just("cancel"), st.integers(1, 8), st.integers(1, 10)),
        st.tuples(st.just("run"), st.just(""), st.integers(0, 400)),
    ),
    max_size=25,
)


@CONSERVE
@given(actions=ACTIONS, plates=st.integers(0, 80), copper=st.integers(0, 60))
def test_no_item_is_made_or_lost_but_as_the_statistics_say(plates: int, copper: int, actions: list[Any]) -> None:
    world = World.new(GD, 3)
    start = {"iron-plate": plates, "copper-plate": copper}
    made = character(world, {k: v for k, v in start.items() if v})
    recipes = made.force.recipes
    for kind, name, number in actions:
        if kind == "craft":
            before = crafting.craftable_count(made, recipes[name])
            queued = crafting.begin_crafting(made, recipes[name], number)
            assert queued == min(number, before)
        elif kind == "cancel":
            size = len(made.character.crafting_queue) if made.character else 0
            if size:
                crafting.cancel_crafting(made, (int(name or 0) or number) % size + 1, number, recipes)
        else:
            world.simulation.run_until(world.simulation.now + number)
        statistics = world.flow_statistics("item", "player", 1)
        expected = dict(start)
        for item, count in statistics.input_counts.items():
            expected[item] = expected.get(item, 0) + int(count)
        for item, count in statistics.output_counts.items():
            expected[item] = expected.get(item, 0) - int(count)
        assert held_anywhere(made) == {k: v for k, v in expected.items() if v}
    world.simulation.run_until(world.simulation.now + 10**6)
    assert queue_of(made) == [] and made.character is not None and made.character.reserved == {}


@settings(max_examples=30, deadline=None)
@given(
    recipe=st.sampled_from(["iron-gear-wheel", "copper-cable", "pipe", "iron-stick", "wooden-chest", "stone-furnace"]),
    crafts=st.integers(1, 40),
    ticks=st.integers(0, 3000),
)
def test_hand_crafting_runs_as_the_oracle_says(recipe: str, crafts: int, ticks: int) -> None:
    world = World.new(GD, 1)
    made = character(world)
    prototype = GD.recipes[recipe]
    for ingredient in prototype.ingredients:
        control.insert(made, ingredient.name, int(ingredient.amount) * crafts, GD.recipes)
    assert crafting.begin_crafting(made, made.force.recipes[recipe], crafts) == crafts
    world.simulation.run_until(ticks)
    product = prototype.results[0]
    expected = oracle.expected_hand_crafted(recipe, ticks, crafts)
    assert control.get_item_count(made, product.name) == expected * int(product.amount or 0)


# --- mining -------------------------------------------------------------------------


def mine_at(made: Entity, x: float, y: float) -> None:
    assert made.character is not None and made.machine is not None
    made.character.mining, made.character.mining_position = True, (x, y)
    made.machine.sim.replan(made.machine)


@settings(max_examples=30, deadline=None)
@given(resource=st.sampled_from(["iron-ore", "copper-ore", "coal", "stone"]), amount=st.integers(1, 30))
def test_manual_mining_runs_as_the_oracle_says(resource: str, amount: int) -> None:
    world = World.new(GD, 1)
    ore = world.get_surface(1).create_entity(resource, (1.5, 0.5), force="neutral", amount=amount)
    made = character(world)
    mine_at(made, 1.5, 0.5)
    per_unit = oracle.manual_mining_ticks(resource)
    for ticks in sorted({per_unit - 1, per_unit, per_unit * amount // 2, per_unit * amount + 5}):
        world.simulation.run_until(ticks)
        mined = oracle.expected_hand_mined(resource, ticks, amount)
        assert control.get_item_count(made, resource) == mined
        assert world.flow_statistics("item", "player", 1).get_input_count(resource) == mined
    assert not ore.valid  # depleted: gone
    assert machine_of(made).asleep and machine_of(made).mining_progress == 0.0


def test_a_tree_is_cut_down_in_its_mining_time_and_mining_goes_on_below(world: World) -> None:
    surface = world.get_surface(1)
    ore = surface.create_entity("iron-ore", (2.5, 0.5), force="neutral", amount=10)
    tree = surface.create_entity("tree-01", (2.5, 0.5), force="neutral")
    made = character(world)
    mine_at(made, 2.5, 0.5)
    world.simulation.run_until(66)  # 0.55 s / 0.5 mining speed
    assert not tree.valid and control.get_item_count(made, "wood") == 4
    world.simulation.run_until(66 + 120)
    assert control.get_item_count(made, "iron-ore") == 1 and ore.amount == 9


def test_nothing_out_of_reach_is_mined_until_the_character_comes_near(world: World) -> None:
    ore = world.get_surface(1).create_entity("iron-ore", (8.5, 0.5), force="neutral", amount=10)
    made = character(world)
    mine_at(made, 8.5, 0.5)
    world.simulation.run_until(1000)
    assert ore.amount == 10 and machine_of(made).asleep
    made.teleport(7.5, 0.5)
    world.simulation.run_until(1120)
    assert ore.amount == 9


def test_mining_stops_when_the_state_says_so(world: World) -> None:
    ore = world.get_surface(1).create_entity("iron-ore", (1.5, 0.5), force="neutral", amount=10)
    made = character(world)
    mine_at(made, 1.5, 0.5)
    world.simulation.run_until(250)
    assert made.character is not None
    made.character.mining = False
    world.simulation.replan(machine_of(made))
    world.simulation.run_until(5000)
    assert ore.amount == 8


# --- saves ---------------------------------------------------------------------------


def test_queue_and_mining_progress_survive_a_save() -> None:
    def build() -> World:
        world = World.new(GD, 5)
        world.get_surface(1).create_entity("iron-ore", (1.5, 0.5), force="neutral", amount=50)
        made = character(world, {"iron-plate": 7, "copper-plate": 9})
        crafting.begin_crafting(made, made.force.recipes["electronic-circuit"], 4)
        mine_at(made, 1.5, 0.5)
        return world

    straight = build()
    straight.simulation.run_until(2000)
    saved = build()
    saved.simulation.run_until(317)  # mid-craft, mid-mining
    loaded = World.from_state(GD, saved.to_state())
    loaded.simulation.run_until(2000)
    assert loaded.to_state() == straight.to_state()


def test_a_queue_saved_before_crafting_ran_crafts_from_what_it_took() -> None:
    world = World.new(GD, 5)
    made = character(world)
    state = world.to_state()
    saved = next(e for e in state["surfaces"][0]["entities"] if e["name"] == "character")
    saved["character"]["crafting_queue"] = [["iron-gear-wheel", 2, False]]  # (the old form: no group)
    saved["character"].pop("reserved")
    loaded = World.from_state(GD, state)
    again = next(e for e in loaded.get_surface(1).find_entities_filtered(name="character"))
    loaded.simulation.run_until(60)
    assert control.get_item_count(again, "iron-gear-wheel") == 2 and queue_of(again) == []
    assert made.valid
