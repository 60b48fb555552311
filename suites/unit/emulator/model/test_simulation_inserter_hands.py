"""An inserter's hand (inserting.py ``hand_size``): the prototype's and the force's bonuses, the
technologies that add to them, what a hand takes from a chest, and the oracle's rates with a bigger hand."""

from __future__ import annotations

from typing import Any

import oracle
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model.force import Force
from fle_testkit.emulator.model.geometry import Position
from fle_testkit.emulator.model.inserting import Inserter, hand_size
from fle_testkit.emulator.model.surface import Surface
from fle_testkit.emulator.model.world import World

SWING = 39  # ticks a burner inserter's leg takes (test_simulation_inserters.py)


@pytest.fixture(scope="module")
def gamedata() -> Any:
    return load_vanilla()


def player(world: World) -> Force:
    return world.get_force("player")


def chest_to_chest(surface: Surface, plates: int, inserter: str = "burner-inserter") -> tuple[Any, Any]:
    source = surface.create_entity("iron-chest", (0.5, -0.5), force="player")
    machine = surface.create_entity(inserter, (0.5, 0.5), force="player")
    destination = surface.create_entity("iron-chest", (0.5, 1.5), force="player")
    source.inventories[1].insert("iron-plate", plates)
    fuel = next((i for i in machine.inventories.values() if i.name == "fuel"), None)
    if fuel is not None:
        fuel.insert("coal", 20)
    return machine, destination


class TestHandSize:
    @pytest.mark.parametrize(("inserter", "inserter_bonus", "bulk_bonus"), sorted(oracle.DOCUMENTED_HAND_SIZES))
    def test_the_documented_hand_sizes(
        self, world: World, surface: Surface, inserter: str, inserter_bonus: int, bulk_bonus: int
    ) -> None:
        force = player(world)
        force.inserter_stack_size_bonus, force.bulk_inserter_capacity_bonus = inserter_bonus, bulk_bonus
        entity = surface.create_entity(inserter, (0.5, 0.5), force="player")
        documented = oracle.DOCUMENTED_HAND_SIZES[(inserter, inserter_bonus, bulk_bonus)]
        assert oracle.hand_size(inserter, inserter_bonus, bulk_bonus) == documented
        assert hand_size(entity) == documented

    def test_each_kind_of_inserter_takes_only_its_own_bonus(self, world: World, surface: Surface) -> None:
        force = player(world)
        force.inserter_stack_size_bonus = 2
        bulk = surface.create_entity("bulk-inserter", (0.5, 0.5), force="player")
        plain = surface.create_entity("inserter", (1.5, 0.5), force="player")
        assert (hand_size(bulk), hand_size(plain)) == (1, 3)
        force.inserter_stack_size_bonus, force.bulk_inserter_capacity_bonus = 0, 4
        assert (hand_size(bulk), hand_size(plain)) == (5, 1)

    def test_research_adds_the_bonuses_once_and_a_reset_recomputes_them(self, world: World) -> None:
        force = player(world)
        force.technology("inserter-capacity-bonus-7").research_recursive()
        assert (force.inserter_stack_size_bonus, force.bulk_inserter_capacity_bonus) == (2, 11)
        force.technology("inserter-capacity-bonus-7").researched = True  # (already researched: nothing more)
        assert force.bulk_inserter_capacity_bonus == 11
        force.technology("inserter-capacity-bonus-7").researched = False
        force.reset_technology_effects()
        assert (force.inserter_stack_size_bonus, force.bulk_inserter_capacity_bonus) == (1, 9)
        force.reset()
        assert (force.inserter_stack_size_bonus, force.bulk_inserter_capacity_bonus) == (0, 0)

    def test_the_bonuses_are_saved(self, gamedata: Any, world: World) -> None:
        force = player(world)
        force.inserter_stack_size_bonus, force.bulk_inserter_capacity_bonus = 2, 7
        loaded = World.from_state(gamedata, world.to_state())
        assert (player(loaded).inserter_stack_size_bonus, player(loaded).bulk_inserter_capacity_bonus) == (2, 7)


class TestTakingAHand:
    def test_a_hand_of_three_moves_three_plates_a_swing(self, world: World, surface: Surface) -> None:
        player(world).inserter_stack_size_bonus = 2
        machine, destination = chest_to_chest(surface, 10)
        world.simulation.run_until(SWING)
        assert destination.inventories[1].get_item_count("iron-plate") == 3
        world.simulation.run_until(SWING + 2 * SWING * 3)
        # 3 + 3 + 3, then the chest's last plate goes alone: the hand does not wait for more.
        assert destination.inventories[1].get_item_count("iron-plate") == 10
        inserter = machine.machine
        assert isinstance(inserter, Inserter) and inserter.hand is None

    def test_a_hand_holds_one_stack_of_the_item(self, world: World, surface: Surface) -> None:
        player(world).inserter_stack_size_bonus = 200
        source = surface.create_entity("iron-chest", (0.5, -0.5), force="player")
        surface.create_entity("burner-inserter", (0.5, 0.5), force="player")
        destination = surface.create_entity("iron-chest", (0.5, 1.5), force="player")
        source.inventories[1].insert("stone-furnace", 120)  # (stack size 50)
        world.simulation.run_until(SWING)
        assert destination.inventories[1].get_item_count("stone-furnace") == 50


LONG = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@LONG
@given(bonus=st.integers(0, 6), plates=st.integers(0, 400), seconds=st.integers(1, 20 * 60))
def test_a_bigger_hand_moves_what_the_oracle_says(gamedata: Any, bonus: int, plates: int, seconds: int) -> None:
    world = World.new(gamedata, 1)
    player(world).inserter_stack_size_bonus = bonus
    _, destination = chest_to_chest(world.get_surface(1), plates)
    ticks = seconds * 60
    world.simulation.run_until(ticks)
    hand = oracle.hand_size("burner-inserter", bonus)
    expected = oracle.expected_moved("burner-inserter", ticks, plates, hand)
    assert destination.inventories[1].get_item_count("iron-plate") == expected


class TestWhereTheHandIs:
    def test_at_the_pickup_when_idle_and_at_the_drop_while_it_waits_for_room(
        self, world: World, surface: Surface
    ) -> None:
        machine, destination = chest_to_chest(surface, 0)
        world.simulation.run_until(5)
        inserter = machine.machine
        assert isinstance(inserter, Inserter)
        assert inserter.hand_position() == Position(0.5, -0.5)
        source = next(i for i in surface.find_entities_filtered(name="iron-chest") if i is not destination)
        source.inventories[1].insert("iron-plate", 5)
        world.simulation.run_until(10)  # (picked up, swinging)
        box = destination.inventories[1]
        for slot in range(len(box)):
            box.set_slot(slot, "stone", 50)
        world.simulation.run_until(200)
        assert inserter.hand == ("iron-plate", 1) and not inserter.moving
        assert inserter.hand_position() == Position(0.5, 1.7)  # (the drop position: 1.2 below the centre)

    def test_a_hand_written_mid_swing_turns_round(self, world: World, surface: Surface) -> None:
        machine, destination = chest_to_chest(surface, 1)
        world.simulation.run_until(SWING + 9)  # dropped the plate, 9 ticks back of 39
        inserter = machine.machine
        assert isinstance(inserter, Inserter) and inserter.hand is None and inserter.moving
        inserter.set_hand(("copper-plate", 2))
        world.simulation.run_until(SWING + 9 + 9)  # the 9 ticks done, back to the drop
        assert destination.inventories[1].get_item_count("copper-plate") == 2
