"""Handlers a level registers through ``script`` (LuaBootstrap).

Registrations come from ``control.lua`` (and from console commands, until the
next load): they are not saved. This holds them and says which run on a tick.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class EventRegistry:
    on_init: Any = None
    on_load: Any = None
    on_configuration_changed: Any = None
    handlers: dict[int, Any] = field(default_factory=dict)  # event id -> Lua function
    nth_tick: dict[int, Any] = field(default_factory=dict)  # period -> Lua function

    def set_handler(self, event_id: int, function: Any) -> None:
        if function is None:
            self.handlers.pop(event_id, None)
        else:
            self.handlers[event_id] = function

    def set_nth_tick(self, period: int, function: Any) -> None:
        if function is None:
            self.nth_tick.pop(period, None)
        else:
            self.nth_tick[period] = function

    def wants_ticks(self, on_tick_id: int) -> bool:
        """True when something must run every tick (or every n ticks)."""
        return on_tick_id in self.handlers or bool(self.nth_tick)

    def due_nth(self, tick: int) -> list[tuple[int, Any]]:
        return [(period, fn) for period, fn in sorted(self.nth_tick.items()) if tick % period == 0]

    def next_nth_tick(self, after: int) -> int | None:
        """The first tick after ``after`` on which an on_nth_tick handler runs."""
        if not self.nth_tick:
            return None
        return min(after + period - (after % period) for period in self.nth_tick)
