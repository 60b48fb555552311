"""LuaFluidBox: an entity's fluid boxes (``entity.fluidbox``), as far as they exist without fluids.

Fluids do not flow without the tick simulation and fluid segments are not
modelled, so every box reads empty (``fluidbox[i]`` is nil, as for an empty
box in Factorio); ``#fluidbox`` is the prototype's number of boxes. No
method of LuaFluidBox (get_connections, get_fluid_segment_id...) is built yet.
"""

from __future__ import annotations

from typing import Any

from .. import messages
from ..lua.runtime import LuaApiError
from .base import LuaObject, lua_property


class LuaFluidBox(LuaObject):
    """``self.model`` is the owning Entity."""

    lua_class_name = "LuaFluidBox"

    def is_valid(self) -> bool:
        return bool(self.model.valid)

    @lua_property
    def owner(self) -> Any:
        return self.ctx.wrap(self.model)

    def lua_len(self) -> int:
        self.check_valid()
        return int(self.model.prototype.fluid_box_count)

    def index_other(self, key: Any) -> Any:
        if isinstance(key, (int, float)):
            self.check_valid()
            if 1 <= key <= self.model.prototype.fluid_box_count:
                return None  # empty: nothing flows without the simulation
            raise LuaApiError(messages.FLUIDBOX_INDEX.format(index=key, count=self.model.prototype.fluid_box_count))
        return super().index_other(key)
