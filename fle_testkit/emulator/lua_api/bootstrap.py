"""``script`` (LuaBootstrap) and ``rcon`` (LuaRCON)."""

from __future__ import annotations

from typing import Any

from .. import messages
from ..lua.runtime import LuaApiError
from .base import LuaObject, is_table, lua_method, lua_property, lua_type_name


class LuaBootstrap(LuaObject):
    """Registers the level's handlers.

    Only the registration half of LuaBootstrap is built: ``raise_event``,
    ``register_on_object_destroyed`` and the rest are not yet.
    """

    @lua_method
    def register_metatable(self, name: Any, metatable: Any) -> None:
        """Tables in storage with this metatable keep it across a save and load (by name).

        Only in control.lua's main chunk: the runtime docs say it "can not be
        used in the console, in event listeners or during a remote.call()",
        and the metatable must be registered again on every load before
        storage is restored. Registering the same metatable under the same name
        again (a module required twice) does nothing; a taken name is an error,
        as "Names must be unique per mod".
        """
        level = self.ctx.level
        if not level.in_main_chunk:
            raise LuaApiError(messages.REGISTER_METATABLE_NOT_HERE)
        function = "LuaBootstrap::register_metatable"
        if not isinstance(name, (str, bytes)):
            raise LuaApiError(messages.STRING_EXPECTED.format(argument=1, function=function, got=lua_type_name(name)))
        if not is_table(metatable):
            got = lua_type_name(metatable)
            raise LuaApiError(messages.TABLE_EXPECTED.format(argument=2, function=function, got=got))
        key = name.encode("utf-8") if isinstance(name, str) else name
        if not level.metatables.register(key, metatable):
            raise LuaApiError(messages.METATABLE_NAME_TAKEN.format(name=key.decode("utf-8", "replace")))

    lua_class_name = "LuaBootstrap"

    @lua_property
    def level(self) -> Any:
        return self.table({"level_name": self.ctx.level.level_name, "is_simulation": False, "is_tutorial": False})

    @lua_method
    def on_init(self, function: Any = None) -> None:
        self.ctx.level.events.on_init = function

    @lua_method
    def on_load(self, function: Any = None) -> None:
        self.ctx.level.events.on_load = function

    @lua_method
    def on_configuration_changed(self, function: Any = None) -> None:
        self.ctx.level.events.on_configuration_changed = function

    @lua_method
    def on_event(self, event: Any, function: Any = None, filters: Any = None) -> None:
        events = list(event.values()) if is_table(event) else [event]
        for event_id in events:
            if not isinstance(event_id, (int, float)):
                raise LuaApiError(messages.CUSTOM_EVENT_NAME.format(event_id=event_id))
            self.ctx.level.events.set_handler(int(event_id), function)

    @lua_method
    def on_nth_tick(self, tick: Any, function: Any = None) -> None:
        if tick is None:
            self.ctx.level.events.nth_tick.clear()
            return
        periods = list(tick.values()) if is_table(tick) else [tick]
        for period in periods:
            if not isinstance(period, (int, float)) or period < 1:
                raise LuaApiError(messages.INVALID_TICK_PERIOD.format(period=period))
            self.ctx.level.events.set_nth_tick(int(period), function)

    @lua_method
    def get_event_handler(self, event: Any) -> Any:
        return self.ctx.level.events.handlers.get(int(event))


class LuaRCON(LuaObject):
    """``rcon.print`` appends a line to the reply of the command being run."""

    lua_class_name = "LuaRCON"

    @lua_method
    def print_(self, message: Any) -> None:
        self.ctx.level.rcon_print(localised_text(self.ctx, message))


def localised_text(ctx: Any, message: Any) -> str:
    """A LocalisedString as plain text, numbers printed as Lua prints them.

    The emulator has no locale files loaded: a ``{"key", params...}`` table
    prints as its key followed by its parameters, the way Factorio prints an
    unknown key ("Unknown key: ...") is not reproduced.
    """
    if is_table(message):
        parts = list(message.values())
        if parts and parts[0] == "":
            return "".join(localised_text(ctx, part) for part in parts[1:])
        return " ".join(localised_text(ctx, part) for part in parts)
    if isinstance(message, bool):
        return "true" if message else "false"
    if message is None:
        return "nil"
    return str(ctx.tostring(message)) if isinstance(message, (int, float)) else str(message)
