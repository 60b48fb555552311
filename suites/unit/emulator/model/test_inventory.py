"""Inventories: stack sizes, slot limits, filters, the 2.0 contents form, validity."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fle_testkit.emulator.errors import EmulatorError
from fle_testkit.emulator.gamedata import GameData, load_vanilla
from fle_testkit.emulator.model.errors import (
    InvalidArgumentError,
    InvalidObjectError,
    ModelError,
    UnknownPrototypeError,
)
from fle_testkit.emulator.model.inventory import Inventory, ItemFilter

GD: GameData = load_vanilla()


def make(size: int = 4, item_filter: ItemFilter | None = None) -> Inventory:
    return Inventory(1, "chest", size, GD.items, item_filter)


def test_insert_fills_stacks_up_to_the_stack_size() -> None:
    inv = make(4)
    assert inv.insert("iron-plate", 250) == 250
    assert [inv[i] for i in range(4)] == [("iron-plate", 100), ("iron-plate", 100), ("iron-plate", 50), None]
    assert len(inv) == inv.size == 4


def test_insert_stops_when_full() -> None:
    inv = make(2)
    assert inv.insert("iron-plate", 500) == 200
    assert inv.insert("coal", 1) == 0
    assert inv.is_full() and inv.count_empty_stacks() == 0


def test_insert_tops_up_existing_stacks_before_empty_slots() -> None:
    inv = make(3)
    inv.set_slot(2, "iron-plate", 90)
    assert inv.insert("iron-plate", 30) == 30
    assert inv[2] == ("iron-plate", 100) and inv[0] == ("iron-plate", 20) and inv[1] is None


def test_mixed_items_take_their_own_slots() -> None:
    inv = make(3)
    inv.insert("coal", 10)
    inv.insert("iron-plate", 10)
    inv.insert("coal", 45)
    assert inv[0] == ("coal", 50) and inv[1] == ("iron-plate", 10) and inv[2] == ("coal", 5)
    assert inv.get_contents() == [
        {"name": "coal", "count": 55, "quality": "normal"},
        {"name": "iron-plate", "count": 10, "quality": "normal"},
    ]
    assert inv.get_item_count() == 65 and inv.get_item_count("coal") == 55
    assert inv.get_item_count("copper-plate") == 0


def test_remove_takes_from_the_last_slots_and_reports_the_amount() -> None:
    inv = make(3)
    inv.insert("iron-plate", 250)
    assert inv.remove("iron-plate", 60) == 60
    assert [inv[i] for i in range(3)] == [("iron-plate", 100), ("iron-plate", 90), None]
    assert inv.remove("iron-plate", 1000) == 190
    assert inv.is_empty()
    assert inv.remove("coal", 5) == 0


def test_unknown_item_is_a_model_error() -> None:
    inv = make()
    for call in (
        lambda: inv.insert("unobtainium", 1),
        lambda: inv.remove("unobtainium", 1),
        lambda: inv.get_item_count("unobtainium"),
        lambda: inv.set_slot(0, "unobtainium", 1),
    ):
        with pytest.raises(UnknownPrototypeError, match="unobtainium") as caught:
            call()
        assert isinstance(caught.value, ModelError) and isinstance(caught.value, EmulatorError)


def test_fluids_are_not_items() -> None:
    with pytest.raises(UnknownPrototypeError):
        make().insert("water", 1)


@pytest.mark.parametrize("count", [-1, 1.5, "3", True])
def test_bad_counts(count: object) -> None:
    with pytest.raises(InvalidArgumentError):
        make().insert("coal", count)  # type: ignore[arg-type]


def test_zero_count_inserts_nothing() -> None:
    inv = make()
    assert inv.insert("coal", 0) == 0 and inv.is_empty()


def test_slot_access_and_set_slot_checks() -> None:
    inv = make(2)
    inv.set_slot(1, "coal", 50)
    assert inv[1] == ("coal", 50) and inv[0] is None
    with pytest.raises(InvalidArgumentError, match="stack size"):
        inv.set_slot(0, "coal", 51)
    with pytest.raises(InvalidArgumentError, match="outside"):
        inv[2]
    inv.set_slot(1, None)
    assert inv.is_empty()


def test_clear() -> None:
    inv = make(2)
    inv.insert("coal", 60)
    inv.clear()
    assert inv.is_empty() and inv.get_contents() == [] and len(inv) == 2


def test_filter_restricts_what_goes_in() -> None:
    fuel = make(1, ItemFilter(fuel_categories=frozenset({"chemical"})))
    assert fuel.insert("iron-plate", 5) == 0
    assert fuel.get_insertable_count("iron-plate") == 0 and not fuel.can_insert("iron-plate")
    assert fuel.insert("coal", 70) == 50
    guns = make(3, ItemFilter(item_types=frozenset({"gun"})))
    assert guns.accepts("pistol") and not guns.accepts("firearm-magazine")
    with pytest.raises(InvalidArgumentError, match="does not accept"):
        guns.set_slot(0, "coal", 1)


def test_insertable_count() -> None:
    inv = make(2)
    inv.insert("iron-plate", 130)
    assert inv.get_insertable_count("iron-plate") == 70
    assert inv.get_insertable_count("coal") == 0
    assert inv.can_insert("iron-plate", 500)


def test_invalid_after_invalidate() -> None:
    inv = make()
    inv.insert("coal", 1)
    inv.invalidate()
    assert not inv.valid
    with pytest.raises(InvalidObjectError):
        inv.get_contents()
    with pytest.raises(InvalidObjectError):
        inv.insert("coal", 1)


def test_state_round_trip() -> None:
    inv = make(3)
    inv.insert("coal", 60)
    inv.set_slot(2, "iron-plate", 7)
    copy = make(3)
    copy.load_state(inv.to_state())
    assert [copy[i] for i in range(3)] == [inv[i] for i in range(3)]
    with pytest.raises(InvalidArgumentError):
        make(2).load_state(inv.to_state())


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.sampled_from(["coal", "iron-plate", "wood", "pistol"]), st.integers(0, 300)),
        max_size=30,
    )
)
def test_counts_stay_consistent(operations: list[tuple[bool, str, int]]) -> None:
    inv = make(5)
    expected: dict[str, int] = {}
    for is_insert, name, count in operations:
        if is_insert:
            moved = inv.insert(name, count)
            expected[name] = expected.get(name, 0) + moved
        else:
            moved = inv.remove(name, count)
            expected[name] = expected.get(name, 0) - moved
        assert 0 <= moved <= count
    for name, count in expected.items():
        assert inv.get_item_count(name) == count
    for slot in range(len(inv)):
        stack = inv[slot]
        assert stack is None or 0 < stack[1] <= GD.items[stack[0]].stack_size
