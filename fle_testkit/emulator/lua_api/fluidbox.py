"""LuaFluidBox: an entity's fluid boxes (``entity.fluidbox``).

``fluidbox[i]`` reads the box's share of its fluid segment's content
(model/fluid_segments.py) as a Fluid ``{name=, amount=, temperature=}``, nil when
empty, and writing a Fluid (or nil) sets that share. ``#fluidbox`` is the
prototype's number of boxes (an assembling machine's boxes do not come and go
with its recipe here). Connections and segments follow the prototypes' pipe
connections (model/fluids.py).

Differences from Factorio 2.0: a segment here joins machines' boxes with the pipes
they connect to (see fluid_segments.py), so ``get_fluid_segment_id`` answers a
number for every box, and ``get_fluid_segment_contents`` a machine box's whole
segment. A write fills the box's segment to the level that gives the box what was
written (of that fluid), and nil empties the segment; LuaEntity's
``clear_fluid_inside`` empties the segments of its boxes.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .. import messages
from ..gamedata import EntityPrototype
from ..lua.runtime import LuaApiError
from ..model import fluids
from .base import LuaObject, lua_method, lua_property, table_fields


class LuaFluidBox(LuaObject):
    """``self.model`` is the owning Entity."""

    lua_class_name = "LuaFluidBox"

    def is_valid(self) -> bool:
        return bool(self.model.valid)

    @lua_property
    def owner(self) -> Any:
        return self.ctx.wrap(self.model)

    def _box(self, index: Any) -> int:
        count = self.model.prototype.fluid_box_count
        if not isinstance(index, (int, float)) or not 1 <= index <= count or index != int(index):
            raise LuaApiError(messages.FLUIDBOX_INDEX.format(index=index, count=count))
        return int(index)

    @lua_method
    def get_prototype(self, index: Any) -> Any:
        # A new object each call: one per (prototype, index) would need a key ctx.wrapper has not.
        return LuaFluidBoxPrototype(self.ctx, self.model.prototype, self._box(index))

    @lua_method
    def get_capacity(self, index: Any) -> float:
        return self.model.prototype.fluid_boxes[self._box(index) - 1].volume

    @lua_method
    def get_filter(self, index: Any) -> Any:
        """The prototype's filter as a FluidBoxFilter (``set_filter`` is not built)."""
        box = self.model.prototype.fluid_boxes[self._box(index) - 1]
        if box.filter is None:
            return None
        fluid = self.ctx.gamedata.fluids[box.filter]
        low = box.minimum_temperature if box.minimum_temperature is not None else fluid.default_temperature
        high = box.maximum_temperature if box.maximum_temperature is not None else fluid.max_temperature
        return self.table({"name": box.filter, "minimum_temperature": low, "maximum_temperature": high})

    @lua_method
    def get_locked_fluid(self, index: Any) -> Any:
        """The fluid the box's segment holds (what it is locked to), else nil."""
        segment = self.model.surface.fluids.segment(self.model, self._box(index))
        return segment.fluid if segment.amount > 0 else None

    @lua_method
    def get_connections(self, index: Any) -> Any:
        found = fluids.connected_boxes(self.model, self._box(index), self.model.surface)
        return self.table([self.ctx.wrapper(LuaFluidBox, owner) for owner, _ in found])

    @lua_method
    def get_pipe_connections(self, index: Any) -> Any:
        surface = self.model.surface
        result = []
        for connection in fluids.connections(self.model, self._box(index)):
            entry: dict[str, Any] = {
                "flow_direction": connection.flow_direction,
                "connection_type": connection.connection_type,
                "position": _position(connection.position),
                "target_position": _position(fluids.target_position(connection, surface)),
            }
            other = fluids.target(connection, surface)
            if other is not None:
                entry["target"] = self.ctx.wrapper(LuaFluidBox, other.owner)
                entry["target_fluidbox_index"] = other.box
                entry["target_pipe_connection_index"] = other.index
            result.append(entry)
        return self.table(result)

    @lua_method
    def get_fluid_segment_id(self, index: Any) -> int:
        return self.model.surface.fluids.segment(self.model, self._box(index)).id

    @lua_method
    def get_fluid_segment_contents(self, index: Any) -> Any:
        """The segment's fluid and amount, ``{[name] = amount}``; empty when it holds nothing."""
        segment = self.model.surface.fluids.segment(self.model, self._box(index))
        if segment.fluid is None or segment.amount <= 0:
            return self.table({})
        return self.table({segment.fluid: float(segment.amount)})

    def lua_len(self) -> int:
        self.check_valid()
        return int(self.model.prototype.fluid_box_count)

    def index_other(self, key: Any) -> Any:
        if isinstance(key, (int, float)):
            self.check_valid()
            content = self.model.surface.fluids.box_content(self.model, self._box(key))
            if content is None:
                return None
            name, amount, temperature = content
            return self.table({"name": name, "amount": float(amount), "temperature": temperature})
        return super().index_other(key)

    def lua_newindex(self, key: Any, value: Any) -> None:
        """``fluidbox[i] = {name=, amount=, temperature=}`` (temperature: the fluid's default), or nil."""
        if not isinstance(key, (int, float)):
            super().lua_newindex(key, value)
            return
        self.check_valid()
        box = self._box(key)
        segments = self.model.surface.fluids
        if value is None:
            segments.set_box(self.model, box, None)
            return
        content = fluid_arg(self.ctx, value, "LuaFluidBox::__newindex")
        segments.set_box(self.model, box, content if content[1] > 0 else None)


def fluid_arg(ctx: Any, value: Any, function: str) -> tuple[str, Fraction, float]:
    """A Fluid table's name, amount (exact) and temperature (the fluid's default when left out)."""
    fields = table_fields(value, function)
    name = fields.get("name")
    prototype = ctx.gamedata.fluids.get(name) if isinstance(name, str) else None
    if prototype is None:
        raise LuaApiError(messages.UNKNOWN_FLUID_NAME.format(name=name))
    amount = fields.get("amount")
    if not isinstance(amount, (int, float)):
        raise LuaApiError(messages.ARGUMENT_REQUIRED.format(function=function, field="amount"))
    temperature = fields.get("temperature")
    temperature = prototype.default_temperature if temperature is None else float(temperature)
    return prototype.name, Fraction(repr(float(amount))), temperature


def _position(xy: tuple[float, float]) -> dict[str, float]:
    return {"x": xy[0], "y": xy[1]}


class LuaFluidBoxPrototype(LuaObject):
    """``self.model`` is the owning EntityPrototype; the second argument the 1-based box index."""

    lua_class_name = "LuaFluidBoxPrototype"
    lua_constant = True  # prototypes never change while the game runs

    def __init__(self, ctx: Any, model: EntityPrototype, index: int) -> None:
        super().__init__(ctx, model)
        self.box_index = index
        self.box = model.fluid_boxes[index - 1]

    @lua_property
    def entity(self) -> Any:
        return self.ctx.wrap(self.model)

    @lua_property
    def index(self) -> int:
        return self.box_index

    @lua_property
    def volume(self) -> float:
        return self.box.volume

    @lua_property
    def production_type(self) -> str:
        return self.box.production_type

    @lua_property
    def filter(self) -> Any:
        return None if self.box.filter is None else self.ctx.wrap(self.ctx.gamedata.fluids[self.box.filter])

    @lua_property
    def minimum_temperature(self) -> Any:
        return self.box.minimum_temperature

    @lua_property
    def maximum_temperature(self) -> Any:
        return self.box.maximum_temperature

    @lua_property
    def pipe_connections(self) -> Any:
        """PipeConnectionDefinitions as the prototype gives them (facing north)."""
        result = []
        for c in self.box.pipe_connections:
            entry: dict[str, Any] = {
                "direction": c.direction,
                "connection_type": c.connection_type,
                "flow_direction": c.flow_direction,
                "max_underground_distance": c.max_underground_distance,
            }
            if c.positions:
                entry["positions"] = [_position(p) for p in c.positions]
            else:
                entry["position"] = _position(c.position)
            result.append(entry)
        return self.table(result)


class LuaEntityFluidMembers(LuaObject):
    """LuaEntity's fluid methods over all of an entity's boxes (model/fluid_segments.py): each box
    holds its share of its segment, so what an entity holds, takes or gives is that of its boxes."""

    @lua_method
    def get_fluid_contents(self) -> Any:
        found = self.model.surface.fluids.contents(self.model)
        return self.table({name: float(amount) for name, amount in found.items()})

    @lua_method
    def get_fluid_count(self, fluid: Any = None) -> float:
        found = self.model.surface.fluids.contents(self.model)
        if fluid is None:
            return float(sum(found.values()))
        return float(found.get(str(fluid), 0))

    @lua_method
    def insert_fluid(self, fluid: Any) -> float:
        name, amount, temperature = fluid_arg(self.ctx, fluid, "LuaEntity::insert_fluid")
        return float(self.model.surface.fluids.insert(self.model, name, amount, temperature))

    @lua_method
    def remove_fluid(self, spec: Any) -> float:
        """Temperature bounds in the spec are not checked: a segment holds one temperature here."""
        name, amount, _ = fluid_arg(self.ctx, spec, "LuaEntity::remove_fluid")
        return float(self.model.surface.fluids.remove(self.model, name, amount))

    @lua_method
    def clear_fluid_inside(self) -> None:
        self.model.surface.fluids.clear_entity(self.model)
