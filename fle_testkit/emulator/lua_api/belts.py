"""LuaTransportLine, and the belt members of LuaEntity (mixed into it).

Items move with the tick simulation (model/transport_lines.py); a lane read
here is one entity's part of a moving line.
"""

from __future__ import annotations

from typing import Any

from .. import messages
from ..lua.runtime import LuaApiError
from ..model import belts, transport_lines
from ..model.transport_lines import TransportLine
from .base import LuaObject, lua_method, lua_property, lua_setter
from .inventory import item_stack
from .registry import shows


@shows(TransportLine)
class LuaTransportLine(LuaObject):
    """One lane of one belt connectable (its part of a moving transport line, model/transport_lines.py).

    Item quality is always "normal" and every item on a belt is a stack of 1 (2.0's belt stacking,
    ``belt_stack_size``, is not modelled). Positions are in tiles along the lane, 0 where items enter.
    """

    lua_class_name = "LuaTransportLine"

    def is_valid(self) -> bool:
        return bool(self.model.owner.valid)

    @lua_property
    def owner(self) -> Any:
        return self.ctx.wrap(self.model.owner)

    @lua_property
    def line_length(self) -> float:
        transport_lines.line_of(self.model)  # (lengths are set when the lines are built)
        return self.model.length / transport_lines.UNITS

    @lua_property
    def output_lines(self) -> Any:
        return self.table([self.ctx.wrap(s) for s in transport_lines.output_lines(self.model)])

    @lua_property
    def input_lines(self) -> Any:
        return self.table([self.ctx.wrap(s) for s in transport_lines.input_lines(self.model)])

    def lua_len(self) -> int:
        self.check_valid()
        return len(self.model.items())

    def index_other(self, key: Any) -> Any:
        if isinstance(key, (int, float)) and not isinstance(key, bool) and key == int(key):
            if 1 <= key <= len(self.model.items()):
                return self.ctx.wrap(transport_lines.LaneStack(self.model, int(key) - 1, self.ctx.gamedata.items))
        return super().index_other(key)

    @lua_method
    def get_contents(self) -> Any:
        counts = self.model.contents()
        return self.table([{"name": n, "count": c, "quality": "normal"} for n, c in counts.items()])

    @lua_method
    def get_item_count(self, item: Any = None) -> int:
        counts = self.model.contents()
        if item is None:
            return sum(counts.values())
        name = item if isinstance(item, str) else item_stack(item, "LuaTransportLine::get_item_count")[0]
        return counts.get(name, 0)

    @lua_method
    def can_insert_at_back(self) -> bool:
        return self.model.can_insert_at_back()

    @lua_method
    def can_insert_at(self, position: Any) -> bool:
        return transport_lines.can_insert_at(self.model, self._units(position, "can_insert_at"))

    @lua_method
    def insert_at_back(self, items: Any, belt_stack_size: Any = None) -> bool:
        name = self._item(items, "insert_at_back")
        return name is not None and self.model.insert_at_back(name)

    @lua_method
    def insert_at(self, position: Any, items: Any, belt_stack_size: Any = None) -> bool:
        units = self._units(position, "insert_at")
        name = self._item(items, "insert_at")
        return name is not None and transport_lines.insert_at(self.model, units, name)

    @lua_method
    def remove_item(self, items: Any) -> int:
        name, count = item_stack(items, "LuaTransportLine::remove_item")
        return self.model.remove_item(name, count)

    @lua_method
    def clear(self) -> None:
        self.model.remove_item(None, len(self.model.items()))

    def _item(self, items: Any, method: str) -> str | None:
        """The item to put on the lane (one of it), or None when the stack is empty."""
        name, count = item_stack(items, f"LuaTransportLine::{method}")
        if name not in self.ctx.gamedata.items:
            raise LuaApiError(messages.UNKNOWN_ITEM_NAME.format(name=name))
        return name if count >= 1 else None

    def _units(self, position: Any, method: str) -> int:
        if isinstance(position, bool) or not isinstance(position, (int, float)):
            raise LuaApiError(messages.NUMBER_EXPECTED.format(function=f"LuaTransportLine::{method}", field="position"))
        # Where the item's back edge goes, clamped onto the lane: FLE's load_entity_state puts n items
        # at (i - 1) / n along a belt lane and expects 4 to fit (assumed: Factorio's position is this edge).
        units = round(float(position) * transport_lines.UNITS)
        return max(0, min(units, self.model.length - transport_lines.SPACING))


class LuaBeltMembers(LuaObject):
    """LuaEntity's members for belt connectables; other entities raise as Factorio does."""

    def _belt(self, kinds: tuple[str, ...] | None = None) -> transport_lines.BeltState:
        state = self.model.belt
        if state is None or (kinds is not None and self.model.type not in kinds):
            raise LuaApiError(messages.NOT_A_BELT.format(name=self.model.name))
        return state

    def _surface(self) -> Any:
        return self.model.surface

    @lua_method
    def get_transport_line(self, index: Any) -> Any:
        lines = self._belt().lines
        if not isinstance(index, (int, float)) or not 1 <= index <= len(lines) or index != int(index):
            raise LuaApiError(messages.TRANSPORT_LINE_INDEX.format(index=index, count=len(lines)))
        return self.ctx.wrap(lines[int(index) - 1])

    @lua_method
    def get_max_transport_line_index(self) -> int:
        return len(self._belt().lines)

    @lua_property
    def belt_neighbours(self) -> Any:
        self._belt()
        inputs, outputs = belts.belt_neighbours(self.model, self._surface())
        return self.table(
            {"inputs": [self.ctx.wrap(e) for e in inputs], "outputs": [self.ctx.wrap(e) for e in outputs]}
        )

    @lua_property
    def belt_to_ground_type(self) -> Any:
        return self._belt(("underground-belt",)).belt_to_ground_type

    @lua_property
    def neighbours(self) -> Any:
        """An underground belt's other end (or nil). Other entities' neighbours are not built."""
        if self.model.type != "underground-belt":
            # Not built for other types (wires, pipes...): reads as a missing key.
            raise LuaApiError(messages.DOESNT_CONTAIN_KEY.format(cls="LuaEntity", key="neighbours"))
        partner = belts.underground_partner(self.model, self._surface())
        return None if partner is None else self.ctx.wrap(partner)

    @lua_property
    def splitter_input_priority(self) -> str:
        return self._belt(("splitter",)).input_priority

    @lua_setter("splitter_input_priority")
    def set_splitter_input_priority(self, value: Any) -> None:
        self._belt(("splitter",))
        transport_lines.configure_splitter(self.model, input_priority=_priority(value))

    @lua_property
    def splitter_output_priority(self) -> str:
        return self._belt(("splitter",)).output_priority

    @lua_setter("splitter_output_priority")
    def set_splitter_output_priority(self, value: Any) -> None:
        self._belt(("splitter",))
        transport_lines.configure_splitter(self.model, output_priority=_priority(value))

    @lua_property
    def splitter_filter(self) -> Any:
        name = self._belt(("splitter",)).filter
        return None if name is None else self.ctx.wrap(self.ctx.gamedata.items[name])

    @lua_setter("splitter_filter")
    def set_splitter_filter(self, value: Any) -> None:
        self._belt(("splitter",))
        name = None
        if value is not None:
            name = value if isinstance(value, str) else getattr(getattr(value, "model", None), "name", None)
            if name not in self.ctx.gamedata.items:
                raise LuaApiError(messages.UNKNOWN_ITEM_NAME.format(name=name))
        transport_lines.configure_splitter(self.model, filter=name)


def _priority(value: Any) -> str:
    if value not in belts.SPLITTER_PRIORITIES:
        raise LuaApiError(messages.SPLITTER_PRIORITY.format(value=value))
    return str(value)
