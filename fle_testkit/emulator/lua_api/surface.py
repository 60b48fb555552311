"""LuaSurface."""

from __future__ import annotations

import math
from typing import Any

from .. import messages
from ..lua.runtime import LuaApiError
from ..model.entity import Entity
from ..model.force import Force
from ..model.geometry import BoundingBox, Position
from ..model.pathfinding import PathRequest
from ..model.surface import Surface
from ..model.tiles import TileAt
from .base import LuaObject, is_table, lua_method, lua_property, lua_setter, position_arg, string_list, table_fields
from .inventory import item_stack
from .registry import is_lua_object_of, lua_class_of, shows


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


def _placement_args(params: Any, function: str) -> tuple[dict[str, Any], str, tuple[float, float], int]:
    """The table can_place_entity and can_fast_replace take: its fields, and the checked name
    (a string), position and direction."""
    fields = table_fields(params, function)
    name = fields.get("name")
    if not isinstance(name, str):
        raise LuaApiError(messages.ARGUMENT_REQUIRED.format(function=function, field="name (string)"))
    if "position" not in fields:
        raise LuaApiError(messages.ARGUMENT_REQUIRED.format(function=function, field="position"))
    direction = fields.get("direction", 0)
    if not isinstance(direction, (int, float)):
        raise LuaApiError(messages.INVALID_DIRECTION)
    return fields, name, position_arg(fields["position"]), int(direction)


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
        stack = fields.get("stack")
        entity = self.model.create_entity(
            name,
            position_arg(fields["position"]),
            direction=int(fields.get("direction", 0)),
            force=force_arg(force),
            amount=fields.get("amount"),
            belt_to_ground_type=fields["type"] if isinstance(fields.get("type"), str) else None,
            # item-entity: the stack it carries (required by Factorio for that type).
            stack=None if stack is None else item_stack(stack, "LuaSurface::create_entity"),
        )
        return self.ctx.wrap(entity)

    @lua_method
    def find_entity(self, name: Any, position: Any) -> Any:
        found = self.model.find_entity(name, position_arg(position))
        return None if found is None else self.ctx.wrap(found)

    def _filters(self, params: Any, function: str) -> dict[str, Any]:
        fields = {} if params is None else table_fields(params, function)
        filters: dict[str, Any] = {}
        sandbox = self.ctx.sandbox
        if "area" in fields:
            filters["area"] = sandbox.area_of(fields["area"]) or area_arg(fields["area"])
        if "position" in fields:
            filters["position"] = sandbox.position_of(fields["position"]) or position_arg(fields["position"])
        for key in ("radius", "limit"):
            if key in fields:
                filters[key] = fields[key] if key == "radius" else int(fields[key])
        for key in ("name", "type", "collision_mask"):
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

    # --- tiles ----------------------------------------------------------------

    @lua_property
    def always_day(self) -> bool:
        return self.model.always_day

    @lua_setter("always_day")
    def set_always_day(self, value: Any) -> None:
        if not isinstance(value, bool):
            raise LuaApiError(messages.BOOLEAN_EXPECTED.format(function="LuaSurface::always_day", field="value"))
        self.model.always_day = value

    def _tile(self, x: int, y: int) -> Any:
        # A new LuaTile per call (not ctx.wrap, which keeps one per model object for good).
        return lua_class_of(TileAt)(self.ctx, TileAt(self.model, x, y))  # type: ignore[call-arg]

    @lua_method
    def get_tile(self, x: Any, y: Any = None) -> Any:
        """``get_tile(x, y)`` or ``get_tile(position)``; a fractional coordinate means the tile holding it."""
        if y is None and is_table(x):
            x, y = position_arg(x)
        if not isinstance(x, (int, float)) or not isinstance(y, (int, float)) or isinstance(x, bool):
            raise LuaApiError(messages.NUMBER_EXPECTED.format(function="LuaSurface::get_tile", field="x and y"))
        return self._tile(math.floor(x), math.floor(y))

    def _tile_filters(self, params: Any, function: str) -> dict[str, Any]:
        """find_tiles_filtered's filters: the area ones entity searches take too, but no type or force."""
        filters = self._filters(params, function)
        # A tile search's collision_mask is not modelled: it is read and ignored.
        for key in ("type", "force", "collision_mask"):
            filters.pop(key, None)
        if "radius" in filters:
            filters["radius"] = _number(filters["radius"], function, "radius")
        return filters

    @lua_method
    def find_tiles_filtered(self, params: Any) -> Any:
        found = self.model.find_tiles_filtered(**self._tile_filters(params, "LuaSurface::find_tiles_filtered"))
        return self.table([self._tile(x, y) for x, y, _ in found])

    @lua_method
    def count_tiles_filtered(self, params: Any) -> int:
        return self.model.count_tiles_filtered(**self._tile_filters(params, "LuaSurface::count_tiles_filtered"))

    # --- chunks: every chunk of an emulated surface exists from the start -----

    @lua_method
    def request_to_generate_chunks(self, position: Any, radius: Any = None) -> None:
        position_arg(position)
        if radius is not None:
            _number(radius, "LuaSurface::request_to_generate_chunks", "radius")

    @lua_method
    def force_generate_chunk_requests(self) -> None:
        return None

    # --- placing --------------------------------------------------------------

    @lua_method
    def can_place_entity(self, params: Any) -> bool:
        """``forced`` and ``force`` are read but change nothing. ``build_check_type`` (default
        ``ghost_revive``, as documented) decides only whether an entity with the
        ``filter-directions`` flag may turn to fit (model/collision.py, DIRECTION_AS_GIVEN)."""
        function = "LuaSurface::can_place_entity"
        fields, name, position, direction = _placement_args(params, function)
        check_type = fields.get("build_check_type", self.ctx.gamedata.defines["build_check_type"]["ghost_revive"])
        check_names = {number: key for key, number in self.ctx.gamedata.defines["build_check_type"].items()}
        if check_type not in check_names:
            raise LuaApiError(messages.INVALID_BUILD_CHECK_TYPE)
        return self.model.can_place_entity(name, position, direction, check_names[check_type])

    @lua_method
    def can_fast_replace(self, params: Any) -> bool:
        """Whether an entity at ``position`` can be fast-replaced by ``name`` (model/collision.py
        has the rules). ``force`` limits the entities to those of that force."""
        function = "LuaSurface::can_fast_replace"
        fields, name, position, direction = _placement_args(params, function)
        force = force_arg(fields["force"]) if fields.get("force") is not None else None
        return self.model.can_fast_replace(name, position, direction, force)

    @lua_method
    def find_non_colliding_position(
        self, name: Any, center: Any, radius: Any, precision: Any, force_to_tile_center: Any = False
    ) -> Any:
        function = "LuaSurface::find_non_colliding_position"
        if is_lua_object_of(name, Entity):
            name = name.model.name
        found = self.model.find_non_colliding_position(
            name,
            position_arg(center),
            _number(radius, function, "radius"),
            _number(precision, function, "precision"),
            bool(force_to_tile_center),
        )
        return None if found is None else self.table({"x": found.x, "y": found.y})

    # --- paths ----------------------------------------------------------------

    @lua_method
    def request_path(self, params: Any) -> int:
        """Answered by ``on_script_path_request_finished`` on the next tick (see model.pathfinding)."""
        function = "LuaSurface::request_path"
        fields = table_fields(params, function)
        for field in ("bounding_box", "collision_mask", "start", "goal", "force"):
            if fields.get(field) is None:
                raise LuaApiError(messages.ARGUMENT_REQUIRED.format(function=function, field=field))
        (x1, y1), (x2, y2) = area_arg(fields["bounding_box"])
        start, goal = position_arg(fields["start"], "start"), position_arg(fields["goal"], "goal")
        force = self.ctx.world.get_force(force_arg(fields["force"]))
        ignore = fields.get("entity_to_ignore")
        flags = table_fields(fields["pathfind_flags"], function) if fields.get("pathfind_flags") is not None else {}
        world = self.ctx.world
        request = PathRequest(
            id=world.next_path_request_id(),
            surface=self.model,
            tick=self.ctx.level.tick,
            box=BoundingBox.of(((x1, y1), (x2, y2))),
            layers=_mask_layers(fields["collision_mask"], function),
            start=Position(*start),
            goal=Position(*goal),
            radius=_number(fields.get("radius", 0), function, "radius"),
            ignore=ignore.model if ignore is not None and is_lua_object_of(ignore, Entity) else None,
            passable_force=force if flags.get("allow_paths_through_own_entities") else None,
        )
        world.path_requests.append(request)
        return request.id


def _number(value: Any, function: str, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LuaApiError(messages.NUMBER_EXPECTED.format(function=function, field=field))
    return float(value)


def _mask_layers(value: Any, function: str) -> frozenset[str]:
    """A CollisionMask: ``{layers = {object = true, ...}}``, or (older style) an array of layer names."""
    if not is_table(value):
        raise LuaApiError(messages.COLLISION_MASK_EXPECTED.format(function=function))
    layers = value["layers"]
    if layers is None:
        return frozenset(str(v) for v in value.values() if isinstance(v, str))
    if not is_table(layers):
        raise LuaApiError(messages.COLLISION_MASK_EXPECTED.format(function=function))
    return frozenset(str(k) for k, v in layers.items() if v)
