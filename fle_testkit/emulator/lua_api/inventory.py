"""LuaInventory."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import messages
from ..lua.runtime import LuaApiError
from ..model.inventory import Inventory
from ..model.script_inventories import ScriptInventory
from .base import LuaObject, is_table, lua_method, lua_property
from .registry import shows


def item_stack(value: Any, function: str) -> tuple[str, int]:
    """An ItemStackIdentification: a name, or ``{name=, count=}`` (count defaults to 1)."""
    if isinstance(value, str):
        return value, 1
    if is_table(value):
        name, count = value["name"], value["count"]
        if not isinstance(name, str):
            raise LuaApiError(messages.ITEM_STACK_NO_NAME.format(function=function))
        if count is None:
            count = 1
        if not isinstance(count, (int, float)) or count < 0:
            raise LuaApiError(messages.ITEM_STACK_BAD_COUNT.format(function=function))
        return name, int(count)
    raise LuaApiError(messages.ITEM_STACK_EXPECTED.format(function=function))


@shows(Inventory)
class LuaInventory(LuaObject):
    """A slot inventory of an entity. Item quality is always "normal"; ``inventory[i]`` is a LuaItemStack."""

    lua_class_name = "LuaInventory"

    def is_valid(self) -> bool:
        return self.model.valid

    @lua_property
    def index(self) -> int | None:
        """nil for a script inventory, which has no ``defines.inventory`` index."""
        return None if isinstance(self.model, ScriptInventory) else self.model.index

    @lua_property
    def name(self) -> str | None:
        return None if isinstance(self.model, ScriptInventory) else self.model.name

    @lua_method
    def destroy(self) -> None:
        """Only inventories made by ``LuaGameScript::create_inventory`` can be destroyed."""
        if not isinstance(self.model, ScriptInventory):
            raise LuaApiError(messages.INVENTORY_NOT_DESTROYABLE)
        self.ctx.world.script_inventories.destroy(self.model)

    def lua_len(self) -> int:
        self.check_valid()
        return len(self.model)

    def index_other(self, key: Any) -> Any:
        if isinstance(key, (int, float)) and 1 <= key <= len(self.model) and key == int(key):
            return self.ctx.wrap(self.model.slot(int(key) - 1))
        return super().index_other(key)

    def lua_pairs(self) -> Iterable[tuple[Any, Any]]:
        return [(i, self.index_other(i)) for i in range(1, len(self.model) + 1)]

    @lua_method
    def insert(self, items: Any) -> int:
        name, count = item_stack(items, "LuaInventory::insert")
        return self.model.insert(name, count)

    @lua_method
    def remove(self, items: Any) -> int:
        name, count = item_stack(items, "LuaInventory::remove")
        return self.model.remove(name, count)

    @lua_method
    def can_insert(self, items: Any) -> bool:
        name, count = item_stack(items, "LuaInventory::can_insert")
        return self.model.can_insert(name, count)

    @lua_method
    def get_item_count(self, item: Any = None) -> int:
        if is_table(item):
            item = item["name"]
        return self.model.get_item_count(item)

    @lua_method
    def get_contents(self) -> Any:
        return self.table(self.model.get_contents())

    @lua_method
    def clear(self) -> None:
        self.model.clear()

    @lua_method
    def is_empty(self) -> bool:
        return self.model.is_empty()

    @lua_method
    def is_full(self) -> bool:
        return self.model.is_full()

    @lua_method
    def count_empty_stacks(self) -> int:
        return self.model.count_empty_stacks()

    @lua_method
    def get_insertable_count(self, item: Any) -> int:
        name, _ = item_stack(item, "LuaInventory::get_insertable_count")
        return self.model.get_insertable_count(name)
