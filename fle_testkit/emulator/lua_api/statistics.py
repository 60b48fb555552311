"""LuaFlowStatistics: a force's item or fluid production statistics on a surface."""

from __future__ import annotations

from typing import Any

from .. import messages
from ..gamedata.prototypes import FluidPrototype, ItemPrototype
from ..lua.runtime import LuaApiError
from ..model.errors import NotFoundError, UnknownPrototypeError
from ..model.statistics import FlowStatistics
from ..model.surface import Surface
from .base import LuaObject, is_table, lua_method, lua_property, table_fields
from .registry import is_lua_object_of, shows


def surface_model(ctx: Any, value: Any, function: str) -> Any:
    """A SurfaceIdentification (LuaSurface, name or index) as the model's surface."""
    if is_lua_object_of(value, Surface):
        return value.model
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        key = int(value) if isinstance(value, float) and value.is_integer() else value
        try:
            return ctx.world.get_surface(key)
        except NotFoundError:
            pass
    raise LuaApiError(messages.INVALID_SURFACE_ARGUMENT.format(function=function, value=value))


@shows(FlowStatistics)
class LuaFlowStatistics(LuaObject):
    """Flow statistics of one force on one surface (items or fluids).

    Differences from Factorio, deliberate: the model keeps totals only, so
    ``get_flow_count`` answers as if every flow happened in the current tick
    (the whole total lies in every window and in sample 1; see
    ``model/statistics.py``); quality is not modelled, so an id's ``quality``
    is ignored and the ``*_quality_*`` members, the current-tick samples and
    ``storage`` setters are not built. Only the members listed here exist.
    """

    lua_class_name = "LuaFlowStatistics"

    def check_valid(self) -> None:
        super().check_valid()
        self.ctx.world.simulation.bring_up_to_date()  # (groups running cycles at once count their flows)

    def _id(self, value: Any, function: str) -> str:
        """A FlowStatisticsID: a name, a prototype, or ``{name=, quality=}``."""
        if is_lua_object_of(value, ItemPrototype, FluidPrototype):
            return value.model.name
        if is_table(value):
            value = value["name"]
        if isinstance(value, str):
            return value
        raise LuaApiError(messages.FLOW_ID_EXPECTED.format(function=function))

    def _call(self, action: Any) -> Any:
        try:
            return action()
        except UnknownPrototypeError as error:
            if error.kind == "fluid":
                raise LuaApiError(messages.UNKNOWN_FLUID_NAME.format(name=error.name)) from error
            raise

    def _counts(self, counts: dict[str, float]) -> Any:
        return self.table(dict(counts))

    @lua_property
    def input_counts(self) -> Any:
        return self._counts(self.model.input_counts)

    @lua_property
    def output_counts(self) -> Any:
        return self._counts(self.model.output_counts)

    @lua_property
    def storage_counts(self) -> Any:
        # "For other statistics types these values are currently unused" (2.0 docs).
        return self.table({})

    @lua_property
    def force(self) -> Any:
        return self.ctx.wrap(self.ctx.world.get_force(self.model.force_index))

    @lua_method
    def get_input_count(self, id: Any) -> float:
        name = self._id(id, "get_input_count")
        return self._call(lambda: self.model.get_input_count(name))

    @lua_method
    def get_output_count(self, id: Any) -> float:
        name = self._id(id, "get_output_count")
        return self._call(lambda: self.model.get_output_count(name))

    @lua_method
    def set_input_count(self, id: Any, count: Any) -> None:
        name = self._id(id, "set_input_count")
        self._call(lambda: self.model.set_input_count(name, count))

    @lua_method
    def set_output_count(self, id: Any, count: Any) -> None:
        name = self._id(id, "set_output_count")
        self._call(lambda: self.model.set_output_count(name, count))

    @lua_method
    def on_flow(self, id: Any, count: Any) -> None:
        name = self._id(id, "on_flow")
        self._call(lambda: self.model.on_flow(name, count))

    @lua_method
    def get_flow_count(self, params: Any) -> float:
        fields = table_fields(params, "LuaFlowStatistics::get_flow_count")
        for required in ("name", "category", "precision_index"):
            if fields.get(required) is None:
                raise LuaApiError(
                    messages.ARGUMENT_REQUIRED.format(function="LuaFlowStatistics::get_flow_count", field=required)
                )
        name = self._id(fields["name"], "get_flow_count")
        return self._call(
            lambda: self.model.get_flow_count(
                name,
                fields["category"],
                fields["precision_index"],
                sample_index=fields.get("sample_index"),
                count=bool(fields.get("count", False)),
            )
        )

    @lua_method
    def clear(self) -> None:
        self.model.clear()
