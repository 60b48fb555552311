"""An inventory: a fixed row of slots, each empty or holding one item stack.

Slots are indexed from 0 here; the Lua layer adds 1. Stacks never exceed the
item's ``stack_size``. Inventories that only take some items (a fuel slot, gun
slots) carry an :class:`ItemFilter`, so ``insert`` of anything else inserts 0,
as in Factorio. Quality is not modelled: everything is "normal".

An inventory tells its owner of every change of its contents through
``on_change`` (set by the surface for an entity's inventories): the tick
simulation wakes the machines that wait on it (fuel arrived, output room freed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from .errors import InvalidArgumentError, InvalidObjectError, UnknownPrototypeError

if TYPE_CHECKING:
    from ..gamedata import ItemPrototype

Stack = tuple[str, int]


@dataclass(frozen=True, slots=True)
class ItemFilter:
    """What a restricted inventory accepts; every given constraint must hold."""

    item_types: frozenset[str] | None = None
    fuel_categories: frozenset[str] | None = None
    names: frozenset[str] | None = None

    def accepts(self, item: ItemPrototype) -> bool:
        if self.item_types is not None and item.type not in self.item_types:
            return False
        if self.fuel_categories is not None and item.fuel_category not in self.fuel_categories:
            return False
        return self.names is None or item.name in self.names


class Inventory:
    """One inventory of an entity, known by its ``defines.inventory`` index and name."""

    __slots__ = ("index", "name", "_items", "_slots", "filter", "valid", "_refs", "on_change", "cycle")

    def __init__(
        self, index: int, name: str, size: int, items: Mapping[str, ItemPrototype], filter: ItemFilter | None = None
    ) -> None:
        if size < 0:
            raise InvalidArgumentError(f"inventory size must be >= 0, got {size}")
        self.index = index
        self.name = name
        self._items = items
        self._slots: list[Stack | None] = [None] * size
        self.filter = filter
        self.valid = True
        self._refs: dict[int, SlotRef] = {}
        self.on_change: Callable[[], None] | None = None  # told after the contents changed
        self.cycle: Any = None  # the group of machines running cycles at once it belongs to (cycles.py)

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def __repr__(self) -> str:
        return f"<Inventory {self.name} ({self.index}) {len(self._slots)} slots>"

    # --- checks ---------------------------------------------------------------

    def _check_valid(self) -> None:
        if not self.valid:
            raise InvalidObjectError(f"inventory {self.name} is no longer valid")
        if self.cycle is not None:
            self.cycle.touched()  # (read or changed: its group is brought up to date first)

    def _item(self, name: str) -> ItemPrototype:
        item = self._items.get(name) if isinstance(name, str) else None
        if item is None:
            raise UnknownPrototypeError("item", name)
        return item

    @staticmethod
    def _check_count(count: int) -> int:
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InvalidArgumentError(f"item count must be a whole number >= 0, got {count!r}")
        return count

    def _check_slot(self, slot: int) -> int:
        if not isinstance(slot, int) or not 0 <= slot < len(self._slots):
            raise InvalidArgumentError(f"slot {slot!r} is outside inventory {self.name} of {len(self._slots)} slots")
        return slot

    def accepts(self, name: str) -> bool:
        """Whether the item may go into this inventory at all (ignores free space)."""
        item = self._item(name)
        return self.filter is None or self.filter.accepts(item)

    # --- reading --------------------------------------------------------------

    def __len__(self) -> int:
        self._check_valid()
        return len(self._slots)

    @property
    def size(self) -> int:
        return len(self)

    def __getitem__(self, slot: int) -> Stack | None:
        """The stack in ``slot`` as (name, count), or None when the slot is empty."""
        self._check_valid()
        return self._slots[self._check_slot(slot)]

    def slot(self, slot: int) -> SlotRef:
        """The one reference to ``slot`` (a LuaItemStack's model), made when first asked for."""
        self._check_valid()
        self._check_slot(slot)
        ref = self._refs.get(slot)
        if ref is None:
            ref = self._refs[slot] = SlotRef(self, slot)
        return ref

    def item(self, name: str) -> ItemPrototype:
        """The prototype of an item this inventory knows (UnknownPrototypeError otherwise)."""
        return self._item(name)

    def __iter__(self) -> Iterator[Stack | None]:
        self._check_valid()
        return iter(list(self._slots))

    def get_item_count(self, name: str | None = None) -> int:
        self._check_valid()
        if name is None:
            return sum(stack[1] for stack in self._slots if stack)
        self._item(name)
        return sum(stack[1] for stack in self._slots if stack and stack[0] == name)

    def get_contents(self) -> list[dict[str, object]]:
        """Factorio 2.0's form: one ``{name, count, quality}`` per item, in slot order."""
        self._check_valid()
        totals: dict[str, int] = {}
        for stack in self._slots:
            if stack:
                totals[stack[0]] = totals.get(stack[0], 0) + stack[1]
        return [{"name": name, "count": count, "quality": "normal"} for name, count in totals.items()]

    def is_empty(self) -> bool:
        self._check_valid()
        return all(stack is None for stack in self._slots)

    def count_empty_stacks(self) -> int:
        self._check_valid()
        return sum(1 for stack in self._slots if stack is None)

    def is_full(self) -> bool:
        """No empty slot and every stack at its stack size."""
        self._check_valid()
        return all(stack and stack[1] >= self._items[stack[0]].stack_size for stack in self._slots)

    def get_insertable_count(self, name: str) -> int:
        self._check_valid()
        item = self._item(name)
        if self.filter is not None and not self.filter.accepts(item):
            return 0
        room = 0
        for stack in self._slots:
            if stack is None:
                room += item.stack_size
            elif stack[0] == name:
                room += max(0, item.stack_size - stack[1])
        return room

    def can_insert(self, name: str, count: int = 1) -> bool:
        """Whether at least one of the items fits (Factorio's ``can_insert``)."""
        return self._check_count(count) > 0 and self.get_insertable_count(name) > 0

    # --- writing --------------------------------------------------------------

    def insert(self, name: str, count: int) -> int:
        """Top up stacks of the item first, then fill empty slots; returns how many went in."""
        self._check_valid()
        item = self._item(name)
        remaining = self._check_count(count)
        if remaining == 0 or (self.filter is not None and not self.filter.accepts(item)):
            return 0
        for pass_empty in (False, True):
            for slot, stack in enumerate(self._slots):
                if remaining == 0:
                    break
                if pass_empty and stack is None:
                    moved = min(remaining, item.stack_size)
                    self._slots[slot] = (name, moved)
                elif not pass_empty and stack is not None and stack[0] == name and stack[1] < item.stack_size:
                    moved = min(remaining, item.stack_size - stack[1])
                    self._slots[slot] = (name, stack[1] + moved)
                else:
                    continue
                remaining -= moved
        if remaining != count:
            self._changed()
        return count - remaining

    def remove(self, name: str, count: int) -> int:
        """Take up to ``count`` of the item, last slots first; returns how many were taken."""
        self._check_valid()
        self._item(name)
        remaining = self._check_count(count)
        for slot in range(len(self._slots) - 1, -1, -1):
            stack = self._slots[slot]
            if remaining == 0:
                break
            if stack is None or stack[0] != name:
                continue
            taken = min(remaining, stack[1])
            self._slots[slot] = (name, stack[1] - taken) if stack[1] > taken else None
            remaining -= taken
        if remaining != count:
            self._changed()
        return count - remaining

    def set_slot(self, slot: int, name: str | None, count: int = 0) -> None:
        """Put exactly this stack into ``slot`` (None or count 0 empties it)."""
        self._check_valid()
        self._check_slot(slot)
        if name is None or self._check_count(count) == 0:
            self._slots[slot] = None
            self._changed()
            return
        item = self._item(name)
        if count > item.stack_size:
            raise InvalidArgumentError(f"{count} {name} exceed its stack size {item.stack_size}")
        if self.filter is not None and not self.filter.accepts(item):
            raise InvalidArgumentError(f"inventory {self.name} does not accept {name}")
        self._slots[slot] = (name, count)
        self._changed()

    def clear(self) -> None:
        self._check_valid()
        self._slots = [None] * len(self._slots)
        self._changed()

    def resize(self, size: int, filter: ItemFilter | None = None) -> list[Stack]:
        """Give the inventory ``size`` slots and a new filter (a crafter's inputs follow its recipe).

        Returns the stacks that no longer fit or are no longer accepted, for the caller to place elsewhere.
        """
        self._check_valid()
        if size < 0:
            raise InvalidArgumentError(f"inventory size must be >= 0, got {size}")
        kept = [stack for stack in self._slots if stack is not None]
        self._slots = [None] * size
        self.filter = filter
        dropped: list[Stack] = []
        for name, count in kept:
            placed = self.insert(name, count)
            if placed < count:
                dropped.append((name, count - placed))
        self._changed()
        return dropped

    def invalidate(self) -> None:
        """Called when the owner goes away: the contents are gone with it."""
        self._slots = []
        self.valid = False

    # --- state ----------------------------------------------------------------

    def to_state(self) -> list[list[object] | None]:
        return [None if stack is None else [stack[0], stack[1]] for stack in self._slots]

    def load_state(self, slots: list[list[object] | None]) -> None:
        """Restore the slots written by :meth:`to_state` (sizes must match)."""
        if len(slots) != len(self._slots):
            raise InvalidArgumentError(
                f"inventory {self.name} has {len(self._slots)} slots, the state has {len(slots)}"
            )
        self.clear()
        for slot, stack in enumerate(slots):
            if stack is not None:
                name, count = stack
                self.set_slot(slot, str(name), int(cast(int, count)))


class StackRef:
    """One item stack as a LuaItemStack sees it: an inventory's slot, or what an item on the ground
    carries (ground.py). ``stack`` is None when empty or gone."""

    __slots__ = ()

    @property
    def valid(self) -> bool:
        raise NotImplementedError

    @property
    def stack(self) -> Stack | None:
        raise NotImplementedError

    def set(self, name: str | None, count: int = 0) -> None:
        raise NotImplementedError

    def item(self, name: str) -> ItemPrototype:
        """The prototype of an item (unknown names raise as the inventory's own lookup does)."""
        raise NotImplementedError

    def accepts(self, name: str) -> bool:
        """Whether the item may be put here at all (ignores counts)."""
        raise NotImplementedError


class EntityStack(StackRef):
    """A stack an entity holds outside any inventory (an item on the ground, an inserter's hand):
    valid while the entity is, any item allowed. ``entity`` is a model Entity (typed loosely:
    entity.py imports this module)."""

    __slots__ = ("entity", "items")

    def __init__(self, entity: Any, items: Mapping[str, ItemPrototype]) -> None:
        self.entity = entity
        self.items = items

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.entity!r}>"

    @property
    def valid(self) -> bool:
        return bool(self.entity.valid)

    def item(self, name: str) -> ItemPrototype:
        found = self.items.get(name)
        if found is None:
            raise UnknownPrototypeError("item", name)
        return found

    def accepts(self, name: str) -> bool:
        return True


class SlotRef(StackRef):
    """One slot of an inventory, as a LuaItemStack sees it: valid while the slot exists."""

    __slots__ = ("inventory", "slot")

    def __init__(self, inventory: Inventory, slot: int) -> None:
        self.inventory = inventory
        self.slot = slot

    def __repr__(self) -> str:
        return f"<SlotRef {self.inventory.name}[{self.slot}]>"

    @property
    def valid(self) -> bool:
        return self.inventory.valid and self.slot < len(self.inventory)

    @property
    def stack(self) -> Stack | None:
        return self.inventory[self.slot] if self.valid else None

    def set(self, name: str | None, count: int = 0) -> None:
        self.inventory.set_slot(self.slot, name, count)

    def item(self, name: str) -> ItemPrototype:
        return self.inventory.item(name)

    def accepts(self, name: str) -> bool:
        return self.inventory.accepts(name)
