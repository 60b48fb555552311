"""``rendering`` (LuaRendering) and LuaRenderObject: draw calls kept as objects, as 2.0 has them.

Built: draw_circle, draw_line, draw_rectangle, draw_text, draw_arc and
draw_polygon (the shapes need no sprite or animation prototypes, which the
emulator's data lacks: draw_sprite, draw_light and draw_animation are not
built), clear, get_all_objects and get_object_by_id. Each draw_* takes one
table; the fields it requires and its defaults follow the 2.0 docs. Where the
docs give no default the choice is marked below. ``forces`` and ``players``
are accepted and not kept (nobody sees anything anyway): they read back nil,
"visible to all". A text's LocalisedString is kept as its plain text.
"""

from __future__ import annotations

from typing import Any

from .. import messages
from ..lua.runtime import METHOD, LuaApiError
from ..model.entity import Entity
from ..model.rendering import RenderObject, Target
from .base import LuaObject, is_table, lua_method, lua_property, lua_setter, lua_type_name, position_arg, table_fields
from .bootstrap import localised_text
from .registry import is_lua_object_of, shows
from .statistics import surface_model

# Value kinds of the fields: how a Lua value is checked and kept.
COLOR, NUMBER, BOOL, STRING, TEXT, TARGET, TARGETS = "color", "number", "bool", "string", "text", "target", "targets"

#: Fields every kind takes, with their defaults (2.0 docs of LuaRendering::draw_*).
COMMON: dict[str, tuple[str, Any]] = {
    "visible": (BOOL, True),
    "only_in_alt_mode": (BOOL, False),
    "blink_interval": (NUMBER, 0),
    "render_mode": (STRING, "game"),
}
#: Per kind: required fields, and optional fields with their defaults.
KINDS: dict[str, tuple[dict[str, str], dict[str, tuple[str, Any]]]] = {
    "circle": (
        {"color": COLOR, "radius": NUMBER, "target": TARGET},
        {"width": (NUMBER, 1), "filled": (BOOL, False), "draw_on_ground": (BOOL, False)},
    ),
    "line": (
        {"color": COLOR, "width": NUMBER, "from": TARGET, "to": TARGET},
        {
            "dash_length": (NUMBER, 0),
            "gap_length": (NUMBER, 0),
            "dash_offset": (NUMBER, 0),
            "draw_on_ground": (BOOL, False),
        },
    ),
    "rectangle": (
        {"color": COLOR, "left_top": TARGET, "right_bottom": TARGET},
        {"width": (NUMBER, 1), "filled": (BOOL, False), "draw_on_ground": (BOOL, False)},
    ),
    "text": (
        {"text": TEXT, "color": COLOR, "target": TARGET},
        {
            "scale": (NUMBER, 1),
            # The docs: "the same font as flying-text"; its name here is our choice.
            "font": (STRING, "default-game"),
            "alignment": (STRING, "left"),
            "vertical_alignment": (STRING, "top"),
            "scale_with_zoom": (BOOL, False),
            "use_rich_text": (BOOL, False),
            "orientation": (NUMBER, 0),
            "draw_on_ground": (BOOL, False),
        },
    ),
    "arc": (
        {
            "max_radius": NUMBER,
            "min_radius": NUMBER,
            "start_angle": NUMBER,
            "angle": NUMBER,
            "color": COLOR,
            "target": TARGET,
        },
        {"draw_on_ground": (BOOL, False)},
    ),
    "polygon": (
        {"color": COLOR, "vertices": TARGETS},
        {
            "target": (TARGET, None),
            "orientation": (NUMBER, 0),
            "use_target_orientation": (BOOL, False),
            "draw_on_ground": (BOOL, False),
        },
    ),
}


def _kinds_of(kind: str) -> dict[str, str]:
    required, optional = KINDS[kind]
    return {**required, **{k: v[0] for k, v in optional.items()}, **{k: v[0] for k, v in COMMON.items()}}


def color_arg(value: Any, function: str) -> dict[str, float]:
    """A Color: ``{r=, g=, b=, a=}`` or ``{r, g, b, a}``; a defaults to 1."""
    if not is_table(value):
        raise LuaApiError(messages.INVALID_COLOR.format(function=function))
    channels = {}
    for index, name in enumerate(("r", "g", "b", "a"), start=1):
        found = value[name] if value[name] is not None else value[index]
        if found is None:
            found = 1 if name == "a" else 0
        if isinstance(found, bool) or not isinstance(found, (int, float)):
            raise LuaApiError(messages.INVALID_COLOR.format(function=function))
        channels[name] = float(found)
    return channels


def target_arg(value: Any, function: str, field: str) -> Target:
    """A ScriptRenderTarget: LuaEntity, MapPosition, or ``{entity=, entity_offset=, position=}``."""
    if is_lua_object_of(value, Entity):
        return Target(entity=value.model)
    if not is_table(value):
        raise LuaApiError(messages.INVALID_RENDER_TARGET.format(function=function, field=field))
    if value["entity"] is not None:
        if not is_lua_object_of(value["entity"], Entity):
            raise LuaApiError(messages.INVALID_RENDER_TARGET.format(function=function, field=field))
        offset = position_arg(value["entity_offset"]) if value["entity_offset"] is not None else (0.0, 0.0)
        return Target(entity=value["entity"].model, offset=offset)
    if value["position"] is not None:
        return Target(position=position_arg(value["position"]))
    return Target(position=position_arg(value))


def _checked(ctx: Any, kind: str, value: Any, function: str, field: str) -> Any:
    if kind == COLOR:
        return color_arg(value, function)
    if kind == TARGET:
        return target_arg(value, function, field)
    if kind == TARGETS:
        if not is_table(value):
            raise LuaApiError(messages.TABLE_EXPECTED.format(argument=1, function=function, got=lua_type_name(value)))
        return [target_arg(value[i], function, field) for i in range(1, len(value) + 1)]
    if kind == TEXT:
        return localised_text(ctx, value)
    expected = {NUMBER: (int, float), BOOL: (bool,), STRING: (str,)}[kind]
    if not isinstance(value, expected) or (kind == NUMBER and isinstance(value, bool)):
        raise LuaApiError(
            messages.TABLE_FIELD_TYPE.format(function=function, field=field, expected=kind, got=lua_type_name(value))
        )
    return value


def _target_table(ctx: Any, target: Target) -> dict[str, Any]:
    """A ScriptRenderTargetTable, as reading a target gives it."""
    if target.entity is not None:
        x, y = target.offset
        return {"entity": ctx.wrap(target.entity), "entity_offset": {"x": x, "y": y}}
    assert target.position is not None
    x, y = target.position
    return {"position": {"x": x, "y": y}}


class LuaRendering(LuaObject):
    """The global ``rendering``."""

    lua_class_name = "LuaRendering"

    def _draw(self, kind: str, params: Any) -> Any:
        function = f"LuaRendering::draw_{kind}"
        given = table_fields(params, function)
        required, optional = KINDS[kind]
        if given.get("surface") is None:
            raise LuaApiError(messages.ARGUMENT_REQUIRED.format(function=function, field="surface"))
        surface = surface_model(self.ctx, given["surface"], function)
        fields: dict[str, Any] = {}
        targets: dict[str, Any] = {}
        for name in required:
            if given.get(name) is None:
                raise LuaApiError(messages.ARGUMENT_REQUIRED.format(function=function, field=name))
        for name, (_kind, default) in {**optional, **COMMON}.items():
            if given.get(name) is None and default is not None:
                fields[name] = default
        for name, value_kind in _kinds_of(kind).items():
            if given.get(name) is None:
                continue
            checked = _checked(self.ctx, value_kind, given[name], function, name)
            (targets if value_kind in (TARGET, TARGETS) else fields)[name] = checked
        ttl = given.get("time_to_live")
        if ttl is not None:
            fields["time_to_live"] = _checked(self.ctx, NUMBER, ttl, function, "time_to_live")
        found = self.ctx.world.rendering.add(kind, surface, fields, targets, self.ctx.level.tick)
        return self.ctx.wrap(found)

    @lua_method
    def draw_circle(self, params: Any) -> Any:
        return self._draw("circle", params)

    @lua_method
    def draw_line(self, params: Any) -> Any:
        return self._draw("line", params)

    @lua_method
    def draw_rectangle(self, params: Any) -> Any:
        return self._draw("rectangle", params)

    @lua_method
    def draw_text(self, params: Any) -> Any:
        return self._draw("text", params)

    @lua_method
    def draw_arc(self, params: Any) -> Any:
        return self._draw("arc", params)

    @lua_method
    def draw_polygon(self, params: Any) -> Any:
        return self._draw("polygon", params)

    @lua_method
    def clear(self, mod_name: Any = None) -> None:
        """Destroy all objects (every object is the level's own: there are no mods to tell apart)."""
        self.ctx.world.rendering.clear()

    @lua_method
    def get_all_objects(self, mod_name: Any = None) -> Any:
        return self.table([self.ctx.wrap(o) for o in self.ctx.world.rendering.live(self.ctx.level.tick)])

    @lua_method
    def get_object_by_id(self, object_id: Any) -> Any:
        if isinstance(object_id, bool) or not isinstance(object_id, (int, float)):
            raise LuaApiError(
                messages.TABLE_FIELD_TYPE.format(
                    function="LuaRendering::get_object_by_id",
                    field="object_id",
                    expected=NUMBER,
                    got=lua_type_name(object_id),
                )
            )
        found = self.ctx.world.rendering.get(int(object_id), self.ctx.level.tick)
        return None if found is None else self.ctx.wrap(found)


@shows(RenderObject)
class LuaRenderObject(LuaObject):
    """One render object; its shape's fields read and write by name (others are errors)."""

    lua_class_name = "LuaRenderObject"
    lua_fields = ("id", "type")

    def is_valid(self) -> bool:
        return self.ctx.world.rendering.is_alive(self.model, self.ctx.level.tick)

    def lua_index(self, key: Any) -> Any:
        if key == "destroy" and not self.is_valid():
            return METHOD  # destroy() "does not error when the object is invalid" (2.0 docs)
        return super().lua_index(key)

    @lua_property
    def surface(self) -> Any:
        return self.ctx.wrap(self.model.surface)

    @lua_property
    def time_to_live(self) -> int:
        """Ticks left; 0 if it never expires."""
        if not self.model.time_to_live:
            return 0
        return self.model.created + self.model.time_to_live - self.ctx.level.tick

    @lua_setter("time_to_live")
    def set_time_to_live(self, value: Any) -> None:
        ticks = _checked(self.ctx, NUMBER, value, "LuaRenderObject::time_to_live", "time_to_live")
        self.model.created, self.model.time_to_live = self.ctx.level.tick, int(ticks)

    @lua_property
    def forces(self) -> Any:
        return None

    @lua_property
    def players(self) -> Any:
        return None

    @lua_method
    def destroy(self) -> None:
        self.ctx.world.rendering.destroy(self.model)

    @lua_method
    def bring_to_front(self) -> None:
        self.ctx.world.rendering.bring_to_front(self.model)

    @lua_method
    def move_to_back(self) -> None:
        self.ctx.world.rendering.move_to_back(self.model)

    @lua_method
    def set_corners(self, left_top: Any, right_bottom: Any) -> None:
        self._member("left_top")
        self.lua_newindex("left_top", left_top)
        self.lua_newindex("right_bottom", right_bottom)

    @lua_method
    def set_dashes(self, dash_length: Any, gap_length: Any) -> None:
        self._member("dash_length")
        self.lua_newindex("dash_length", dash_length)
        self.lua_newindex("gap_length", gap_length)

    def lua_call(self, key: Any, args: tuple[Any, ...]) -> Any:
        if key == "destroy" and not self.is_valid():
            return None  # "Does not error when the object is invalid" (2.0 docs)
        return super().lua_call(key, args)

    def _member(self, key: str) -> str:
        """The value kind of field ``key`` for this object's type, or the Lua error for it."""
        kind = _kinds_of(self.model.type).get(key)
        if kind is None:
            raise LuaApiError(messages.RENDER_MEMBER_NOT_OF_TYPE.format(key=key, type=self.model.type))
        return kind

    def index_other(self, key: Any) -> Any:
        if not isinstance(key, str) or not any(key in _kinds_of(kind) for kind in KINDS):
            return super().index_other(key)
        self.check_valid()
        kind = self._member(key)
        if kind in (TARGET, TARGETS):
            target = self.model.targets.get(key)
            if target is None:
                return None
            if isinstance(target, list):
                return self.table([_target_table(self.ctx, t) for t in target])
            return self.table(_target_table(self.ctx, target))
        value = self.model.fields.get(key)
        return self.table(value) if isinstance(value, dict) else value

    def lua_newindex(self, key: Any, value: Any) -> None:
        if key in self._setters or not isinstance(key, str) or not any(key in _kinds_of(k) for k in KINDS):
            super().lua_newindex(key, value)
            return
        self.check_valid()
        kind = self._member(key)
        checked = _checked(self.ctx, kind, value, f"LuaRenderObject::{key}", key)
        (self.model.targets if kind in (TARGET, TARGETS) else self.model.fields)[key] = checked
