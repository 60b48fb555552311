"""``game.map_settings`` (MapSettings, a LuaStruct): nested settings a script changes in place.

``game.map_settings.enemy_expansion.enabled = false`` writes through to the
world's settings. Each level of the struct is a host object over one dict of
``World.map_settings``; its keys are the "map-settings" prototype's, and a
value keeps its kind (boolean or number). Nothing in the emulator reads these
settings (there are no biters or pollution to steer); they are kept, saved
and handed back.

``object_name`` is "MapSettings" with the dotted path of the member
("MapSettings.enemy_expansion"), per the 2.0 docs' note on LuaStruct objects;
the exact text a real server gives is not confirmed.
"""

from __future__ import annotations

from typing import Any

from .. import messages
from ..lua.runtime import LuaApiError, LuaExposed
from .base import is_table, lua_type_name


class LuaMapSettingsStruct(LuaExposed):
    """One level of MapSettings over ``values`` (a dict of the world's settings)."""

    lua_class_name = "MapSettings"

    def __init__(self, ctx: Any, values: dict[str, Any], path: str = "MapSettings") -> None:
        self.ctx = ctx
        self.values = values
        self.path = path
        self.lua_class_name = path  # shadows the class's: messages name the member's path

    def lua_index(self, key: Any) -> Any:
        if key == "valid":
            return True
        if key == "object_name":
            return self.path
        if not isinstance(key, str) or key not in self.values:
            raise LuaApiError(messages.DOESNT_CONTAIN_KEY.format(cls=self.path, key=key))
        value = self.values[key]
        if isinstance(value, dict):
            return LuaMapSettingsStruct(self.ctx, value, f"{self.path}.{key}")
        if isinstance(value, list):
            return self.ctx.sandbox.table_from(value)
        return value

    def lua_newindex(self, key: Any, value: Any) -> None:
        if not isinstance(key, str) or key not in self.values:
            raise LuaApiError(messages.DOESNT_CONTAIN_KEY.format(cls=self.path, key=key))
        current = self.values[key]
        where = f"{self.path}.{key}"
        if isinstance(current, dict):
            # A whole sub-struct written as a table: each field it gives is checked and set.
            if not is_table(value):
                raise LuaApiError(messages.MAP_SETTING_TYPE.format(path=where, expected="table", got=_type(value)))
            nested = LuaMapSettingsStruct(self.ctx, current, where)
            for name, item in list(value.items()):
                nested.lua_newindex(name, item)
            return
        self.values[key] = _checked(current, value, where)


def _type(value: Any) -> str:
    return lua_type_name(value)


def _checked(current: Any, value: Any, where: str) -> Any:
    """``value`` if it is of ``current``'s kind (boolean or number), else a Lua error."""
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise LuaApiError(messages.MAP_SETTING_TYPE.format(path=where, expected="boolean", got=_type(value)))
        return value
    if isinstance(current, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise LuaApiError(messages.MAP_SETTING_TYPE.format(path=where, expected="number", got=_type(value)))
        return value
    raise LuaApiError(messages.READ_ONLY_KEY.format(cls=where.rsplit(".", 1)[0], key=where.rsplit(".", 1)[1]))
