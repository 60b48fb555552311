"""LuaSurface."""

from __future__ import annotations

from typing import Any

from .. import messages
from ..lua.runtime import LuaApiError
from ..model.force import Force
from ..model.surface import Surface
from .base import LuaObject, is_table, lua_method, position_arg, string_list, table_fields
from .registry import is_lua_object_of, shows


def area_arg(value: Any) -> tuple[tuple[float, float], tuple[float, float]]:
    """A BoundingBox: ``{{x1, y1}, {x2, y2}}`` or ``{left_top=, right_bottom=}``."""
    if not is_table(value):
        raise LuaApiError(messages.INVALID_AREA)
    left_top = value["left_top"] if value["left_top"] is not None else value[1]
    right_bottom = value["right_bottom"] if value["right_bottom"] is not None else value[2]
    return position_arg(left_top, "area"), position_arg(right_bottom, "area")


def force_arg(value: Any) -> Any:
    """A ForceID: a name, an index or a LuaForce."""
    if is_lua_object_of(value, Force):
        return value.model
    if is_table(value):
        return [force_arg(v) for v in value.values()]
    return value


@shows(Surface)
class LuaSurface(LuaObject):
    """A surface. Only the members listed here are built."""

    lua_class_name = "LuaSurface"
    lua_fields = ("name", "index")

    @lua_method
    def create_entity(self, params: Any) -> Any:
        fields = table_fields(params, "LuaSurface::create_entity")
        name = fields.get("name")
        if not isinstance(name, str):
            raise LuaApiError(
                messages.ARGUMENT_REQUIRED.format(function="LuaSurface::create_entity", field="name (string)")
            )
        if "position" not in fields:
            raise LuaApiError(messages.ARGUMENT_REQUIRED.format(function="LuaSurface::create_entity", field="position"))
        force = fields.get("force", "enemy")
        entity = self.model.create_entity(
            name,
            position_arg(fields["position"]),
            direction=int(fields.get("direction", 0)),
            force=force_arg(force),
            amount=fields.get("amount"),
        )
        return self.ctx.wrap(entity)

    @lua_method
    def find_entity(self, name: Any, position: Any) -> Any:
        found = self.model.find_entity(name, position_arg(position))
        return None if found is None else self.ctx.wrap(found)

    def _filters(self, params: Any, function: str) -> dict[str, Any]:
        fields = {} if params is None else table_fields(params, function)
        filters: dict[str, Any] = {}
        if "area" in fields:
            filters["area"] = area_arg(fields["area"])
        if "position" in fields:
            filters["position"] = position_arg(fields["position"])
        for key in ("radius", "limit"):
            if key in fields:
                filters[key] = fields[key] if key == "radius" else int(fields[key])
        for key in ("name", "type"):
            if key in fields:
                filters[key] = string_list(fields[key])
        if "force" in fields:
            filters["force"] = force_arg(fields["force"])
        if "invert" in fields:
            filters["invert"] = bool(fields["invert"])
        return filters

    @lua_method
    def find_entities_filtered(self, params: Any = None) -> Any:
        found = self.model.find_entities_filtered(**self._filters(params, "LuaSurface::find_entities_filtered"))
        return self.table([self.ctx.wrap(e) for e in found])

    @lua_method
    def count_entities_filtered(self, params: Any = None) -> int:
        return self.model.count_entities_filtered(**self._filters(params, "LuaSurface::count_entities_filtered"))

    @lua_method
    def find_entities(self, area: Any = None) -> Any:
        found = self.model.find_entities_filtered(area=area_arg(area)) if area is not None else self.model.entities
        return self.table([self.ctx.wrap(e) for e in found])
