"""Script inventories: LuaGameScript::create_inventory, owned by no entity.

A script makes one to hold items for a while (FLE's harvest_resource does,
to test what fits) and ends it with ``LuaInventory::destroy``. Factorio keeps
them in the save until destroyed, so the world saves them too. They have no
``defines.inventory`` index and no name; the id here is the emulator's own,
used only to name one in a save.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import InvalidArgumentError
from .inventory import Inventory

if TYPE_CHECKING:
    from ..gamedata import ItemPrototype

#: LuaGameScript::create_inventory takes a uint16 size.
MAX_SIZE = 65535


class ScriptInventory(Inventory):
    """An inventory made by a script; ``index`` is 0 and ``name`` empty (Lua sees nil for both)."""

    __slots__ = ("script_id", "gui_title")

    def __init__(
        self, script_id: int, size: int, items: Mapping[str, ItemPrototype], gui_title: str | None = None
    ) -> None:
        super().__init__(0, "", size, items)
        self.script_id = script_id
        self.gui_title = gui_title  # the LocalisedString as text (no GUI ever shows it)

    def __repr__(self) -> str:
        return f"<ScriptInventory #{self.script_id} {len(self._slots)} slots>"


class ScriptInventories:
    """The world's live script inventories, by id in creation order."""

    __slots__ = ("_items", "_live", "next_id")

    def __init__(self, items: Mapping[str, ItemPrototype]) -> None:
        self._items = items
        self._live: dict[int, ScriptInventory] = {}
        self.next_id = 1

    def __len__(self) -> int:
        return len(self._live)

    def __iter__(self) -> Any:
        return iter(list(self._live.values()))

    def get(self, script_id: int) -> ScriptInventory | None:
        return self._live.get(script_id)

    def create(self, size: int, gui_title: str | None = None) -> ScriptInventory:
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= MAX_SIZE:
            raise InvalidArgumentError(f"inventory size must be a whole number in 0..{MAX_SIZE}, got {size!r}")
        inventory = ScriptInventory(self.next_id, size, self._items, gui_title)
        self._live[inventory.script_id] = inventory
        self.next_id += 1
        return inventory

    def destroy(self, inventory: ScriptInventory) -> None:
        """End the inventory: it and what it holds are gone, every reference to it invalid."""
        if self._live.get(inventory.script_id) is inventory:
            del self._live[inventory.script_id]
        inventory.invalidate()

    # --- state ----------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        return {
            "next_id": self.next_id,
            "inventories": [
                {"id": i.script_id, "size": len(i), "gui_title": i.gui_title, "slots": i.to_state()}
                for i in self._live.values()
            ],
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self._live.clear()
        for entry in state.get("inventories", ()):
            inventory = ScriptInventory(int(entry["id"]), int(entry["size"]), self._items, entry.get("gui_title"))
            inventory.load_state(entry["slots"])
            self._live[inventory.script_id] = inventory
        self.next_id = int(state.get("next_id", max(self._live, default=0) + 1))
