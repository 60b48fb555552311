"""LuaTile: one tile of a surface, by position."""

from __future__ import annotations

from typing import Any

from .. import messages
from ..lua.runtime import LuaApiError, NewPosition
from ..model.tiles import TileAt
from .base import LuaObject, lua_method, lua_property
from .registry import shows


@shows(TileAt)
class LuaTile(LuaObject):
    """Only the members listed here are built. A new LuaTile is made per call, as
    the tile itself is no object of the model (Factorio's LuaTile is a reference too)."""

    lua_class_name = "LuaTile"

    @property
    def _name(self) -> str:
        tile: TileAt = self.model
        return tile.surface.tiles.name_at(tile.x, tile.y)  # type: ignore[attr-defined]

    @lua_property
    def name(self) -> str:
        return self._name

    @lua_property
    def position(self) -> Any:
        return NewPosition(self.model.x, self.model.y)

    @lua_property
    def surface(self) -> Any:
        return self.ctx.wrap(self.model.surface)

    @lua_property
    def prototype(self) -> Any:
        return self.ctx.wrap(self.ctx.gamedata.tiles[self._name])

    @lua_property
    def hidden_tile(self) -> Any:
        return None  # the emulator never hides a tile under another (no landfill, no concrete)

    @lua_method
    def collides_with(self, layer: Any) -> bool:
        if not isinstance(layer, str):
            raise LuaApiError(messages.COLLISION_LAYER_EXPECTED.format(function="LuaTile::collides_with"))
        return layer in self.ctx.gamedata.tiles[self._name].collision_layers

    def lua_equals(self, other: Any) -> bool:
        return (
            isinstance(other, LuaTile)
            and other.model.surface is self.model.surface
            and (other.model.x, other.model.y) == (self.model.x, self.model.y)
        )
