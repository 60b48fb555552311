"""LuaItemStack: one slot of an inventory (``inventory[i]``), or the stack an item on the ground carries
(``LuaEntity.stack``).

Only plain items are modelled: no quality other than "normal", no health,
durability, ammo, labels, tags, grids or nested inventories; the members for
those are not built. Quality reads as the string "normal" here (Factorio
gives a LuaQualityPrototype, which the emulator does not have).
"""

from __future__ import annotations

from typing import Any

from .. import messages
from ..lua.runtime import LuaApiError
from ..model.errors import ModelError
from ..model.inventory import StackRef
from .base import LuaObject, lua_method, lua_property, lua_setter
from .inventory import item_stack
from .registry import shows


@shows(StackRef)
class LuaItemStack(LuaObject):
    lua_class_name = "LuaItemStack"

    def is_valid(self) -> bool:
        return self.model.valid

    def _stack(self) -> tuple[str, int]:
        stack = self.model.stack
        if stack is None:
            raise LuaApiError(messages.ITEM_STACK_EMPTY)
        return stack

    @lua_property
    def valid_for_read(self) -> bool:
        return self.model.stack is not None

    @lua_property
    def name(self) -> str:
        return self._stack()[0]

    @lua_property
    def count(self) -> int:
        return self._stack()[1]

    @lua_setter("count")
    def set_count(self, value: Any) -> None:
        name, _ = self._stack()
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise LuaApiError(messages.COUNT_EXPECTED.format(function="LuaItemStack::count", field="count", least=0))
        self.model.set(name, int(value))

    @lua_property
    def prototype(self) -> Any:
        return self.ctx.wrap(self.ctx.gamedata.items[self._stack()[0]])

    @lua_property
    def type(self) -> str:
        return self.ctx.gamedata.items[self._stack()[0]].type

    @lua_property
    def quality(self) -> str:
        self._stack()
        return "normal"

    @lua_method
    def clear(self) -> None:
        self.model.set(None)

    @lua_method
    def set_stack(self, stack: Any = None) -> bool:
        """Put exactly this stack in the slot (nil empties it); false when the slot refuses it."""
        if stack is None:
            self.model.set(None)
            return True
        name, count = item_stack(stack, "LuaItemStack::set_stack")
        item = self.model.item(name)
        if not self.model.accepts(name):
            return False
        try:
            self.model.set(name, min(count, item.stack_size))
        except ModelError:
            return False
        return True

    @lua_method
    def can_set_stack(self, stack: Any = None) -> bool:
        if stack is None:
            return True
        name, _ = item_stack(stack, "LuaItemStack::can_set_stack")
        return self.model.accepts(name)
