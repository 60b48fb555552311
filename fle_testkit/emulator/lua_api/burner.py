"""LuaBurner: an entity's burner energy source (``entity.burner``)."""

from __future__ import annotations

from typing import Any

from .. import messages
from ..gamedata import ItemPrototype
from ..lua.runtime import LuaApiError
from ..model.burner import Burner
from .base import LuaObject, is_table, lua_property, lua_setter
from .registry import is_lua_object_of, shows


@shows(Burner)
class LuaBurner(LuaObject):
    """Not built: ``heat_capacity`` (the burner's buffer is not modelled).

    Difference from Factorio 2.0: ``currently_burning`` reads as ``{name = LuaItemPrototype,
    quality = "normal"}``; Factorio gives a LuaQualityPrototype as the quality, which the
    emulator does not have.
    """

    lua_class_name = "LuaBurner"
    lua_objects = ("owner", "inventory")
    lua_fields = ("heat", "remaining_burning_fuel")

    def is_valid(self) -> bool:
        return self.model.valid

    @lua_property
    def fuel_categories(self) -> Any:
        return self.table({category: True for category in self.model.fuel_categories})

    @lua_property
    def burnt_result_inventory(self) -> Any:
        inventory = self.model.burnt_result_inventory
        return None if inventory is None else self.ctx.wrap(inventory)

    @lua_property
    def currently_burning(self) -> Any:
        item = self.model.currently_burning
        if item is None:
            return None
        return self.table({"name": self.ctx.wrap(item), "quality": "normal"})

    @lua_setter("currently_burning")
    def set_currently_burning(self, value: Any) -> None:
        """An ItemWithQualityID: a name, a LuaItemPrototype or ``{name=, quality=}``; nil voids it."""
        if is_table(value):
            value = value["name"]
        if is_lua_object_of(value, ItemPrototype):
            value = value.model.name
        if value is None:
            self.model.currently_burning = None
            return
        item = self.ctx.gamedata.items.get(value) if isinstance(value, str) else None
        if item is None:
            raise LuaApiError(messages.UNKNOWN_ITEM_NAME.format(name=value))
        if item.fuel_category not in self.model.fuel_categories:
            raise LuaApiError(messages.NOT_A_FUEL.format(name=item.name))
        self.model.currently_burning = item

    @lua_setter("remaining_burning_fuel")
    def set_remaining_burning_fuel(self, value: Any) -> None:
        if not isinstance(value, (int, float)):
            raise LuaApiError(
                messages.COUNT_EXPECTED.format(function="LuaBurner::remaining_burning_fuel", field="value", least=0)
            )
        self.model.remaining_burning_fuel = float(value)

    @lua_setter("heat")
    def set_heat(self, value: Any) -> None:
        if not isinstance(value, (int, float)):
            raise LuaApiError(messages.COUNT_EXPECTED.format(function="LuaBurner::heat", field="value", least=0))
        self.model.heat = float(value)
