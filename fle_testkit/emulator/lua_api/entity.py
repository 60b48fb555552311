"""LuaEntity."""

from __future__ import annotations

from typing import Any

from .. import messages
from ..lua.runtime import LuaApiError
from ..model.entity import Entity
from .base import LuaObject, lua_method, lua_property, lua_setter, position_arg
from .registry import shows

# The defines.inventory names Factorio 2.0 calls an entity's main inventory.
MAIN_INVENTORIES = frozenset(
    {"character_main", "chest", "car_trunk", "spider_trunk", "cargo_wagon", "cargo_unit", "god_main", "editor_main"}
)


@shows(Entity)
class LuaEntity(LuaObject):
    """An entity on a surface. Only the members listed here are built."""

    lua_class_name = "LuaEntity"
    lua_fields = ("name", "type", "unit_number", "health")
    lua_objects = ("surface", "force", "prototype")

    def is_valid(self) -> bool:
        return self.model.valid

    @lua_property
    def position(self) -> Any:
        position = self.model.position
        return self.table({"x": position.x, "y": position.y})

    @lua_property
    def direction(self) -> int:
        return self.model.direction

    @lua_setter("direction")
    def set_direction(self, value: Any) -> None:
        if not isinstance(value, (int, float)):
            raise LuaApiError(messages.INVALID_DIRECTION)
        self.model.direction = int(value)

    @lua_property
    def surface_index(self) -> int:
        return self.model.surface.index

    @lua_property
    def amount(self) -> Any:
        if self.model.amount is None:
            raise LuaApiError(messages.NOT_A_RESOURCE)
        return self.model.amount

    @lua_property
    def bounding_box(self) -> Any:
        box = self.model.bounding_box
        return self.table(
            {"left_top": {"x": box.left, "y": box.top}, "right_bottom": {"x": box.right, "y": box.bottom}}
        )

    @lua_method
    def get_inventory(self, index: Any) -> Any:
        if not isinstance(index, (int, float)):
            raise LuaApiError(messages.INVENTORY_INDEX_EXPECTED)
        inventory = self.model.get_inventory(int(index))
        return None if inventory is None else self.ctx.wrap(inventory)

    @lua_method
    def get_main_inventory(self) -> Any:
        """The character's, container's, vehicle's or wagon's main inventory; nil for others
        (a furnace's inventory 1 is its fuel, not a main inventory)."""
        for inventory in self.model.inventories.values():
            if inventory.name in MAIN_INVENTORIES:
                return self.ctx.wrap(inventory)
        return None

    @lua_method
    def destroy(self, options: Any = None) -> bool:
        self.model.destroy()
        return True

    @lua_method
    def teleport(self, position: Any, surface: Any = None) -> bool:
        x, y = position_arg(position)
        self.model.teleport(x, y)
        return True

    def lua_equals(self, other: Any) -> bool:
        return isinstance(other, LuaEntity) and other.model is self.model
