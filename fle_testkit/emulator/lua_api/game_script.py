"""``game`` (LuaGameScript)."""

from __future__ import annotations

from typing import Any

from .. import messages
from ..lua.runtime import LuaApiError
from ..model.errors import NotFoundError
from ..model.script_inventories import MAX_SIZE
from .base import LuaCustomTable, LuaObject, lua_method, lua_property, lua_setter
from .bootstrap import localised_text
from .map_settings import LuaMapSettingsStruct


class LuaGameScript(LuaObject):
    """The main API object.

    No player ever connects to the emulator (it speaks RCON, not the game
    protocol), so ``players`` and ``connected_players`` are always empty.
    ``print`` reaches no one for the same reason and writes nothing.
    """

    lua_class_name = "LuaGameScript"

    @lua_property
    def tick(self) -> int:
        return self.ctx.level.tick

    @lua_property
    def ticks_played(self) -> int:
        return self.ctx.level.tick

    @lua_property
    def speed(self) -> float:
        return self.ctx.level.speed

    @lua_setter("speed")
    def set_speed(self, value: Any) -> None:
        if not isinstance(value, (int, float)) or not 0.01 <= value <= 1000:
            raise LuaApiError(messages.INVALID_SPEED)
        self.ctx.level.set_speed(float(value))

    @lua_property
    def tick_paused(self) -> bool:
        return self.ctx.level.tick_paused

    @lua_setter("tick_paused")
    def set_tick_paused(self, value: Any) -> None:
        self.ctx.level.set_tick_paused(bool(value))

    @lua_property
    def players(self) -> LuaCustomTable:
        return LuaCustomTable(self.ctx, lambda: [])

    @lua_property
    def connected_players(self) -> Any:
        return self.table([])

    @lua_property
    def player(self) -> Any:
        """The player typing a console command: nil, as for every RCON command (no player types them)."""
        return None

    @lua_property
    def map_settings(self) -> Any:
        return LuaMapSettingsStruct(self.ctx, self.ctx.world.map_settings)

    @lua_method
    def reset_game_state(self) -> None:
        """Reset scenario state (game_finished, player_won...): the emulator keeps none, so nothing changes."""

    @lua_property
    def surfaces(self) -> LuaCustomTable:
        world = self.ctx.world
        return LuaCustomTable(
            self.ctx,
            lambda: [(s.name, self.ctx.wrap(s)) for s in world.surfaces.values()],
            lambda key: self._surface(key),
        )

    def _surface(self, key: Any) -> Any:
        try:
            return self.ctx.wrap(self.ctx.world.get_surface(key))
        except NotFoundError:
            return None

    @lua_method
    def get_surface(self, surface: Any) -> Any:
        return self._surface(surface)

    @lua_property
    def forces(self) -> LuaCustomTable:
        world = self.ctx.world
        return LuaCustomTable(
            self.ctx,
            lambda: [(f.name, self.ctx.wrap(f)) for f in world.forces.values()],
            lambda key: self._force(key),
        )

    def _force(self, key: Any) -> Any:
        try:
            return self.ctx.wrap(self.ctx.world.get_force(key))
        except NotFoundError:
            return None

    @lua_method
    def create_inventory(self, size: Any, gui_title: Any = None) -> Any:
        """A script inventory of ``size`` slots (a uint16), owned by no entity; see model/script_inventories.py."""
        function = "LuaGameScript::create_inventory"
        if isinstance(size, bool) or not isinstance(size, (int, float)) or size < 0:
            raise LuaApiError(messages.COUNT_EXPECTED.format(function=function, field="size", least=0))
        if size > MAX_SIZE:
            raise LuaApiError(messages.INVENTORY_SIZE_RANGE.format(function=function, size=size, most=MAX_SIZE))
        title = None if gui_title is None else localised_text(self.ctx, gui_title)
        return self.ctx.wrap(self.ctx.world.script_inventories.create(int(size), title))

    @lua_method
    def print_(self, message: Any, print_settings: Any = None) -> None:
        localised_text(self.ctx, message)  # validates the argument like Factorio would
