"""Machines asleep until an item or a gap reaches a point of a belt lane (an inserter's hand).

An inserter whose hand waits over a belt must not poll it each tick (STYLE.md section 6): it sleeps,
and the surface's transport lines (transport_lines.py) wake it. Two waits:

- :class:`ItemWait`: an item whose name is not in ``ignore`` is on a stretch of one lane (the tile an
  inserter picks from; ``ignore`` holds what its destination refuses now, which only a change to the
  destination, a wake of its own, can alter);
- :class:`GapWait`: there is room for an item at a point of one lane (where an inserter drops).

The lines check the waits on their lines after each of their steps and after every change from
outside, and never run more plain ticks in bulk than the earliest tick a wait may come true: an item
behind the stretch that moves with the line (``Line.first_free``) reaches it after
``ceil(distance / speed)`` moves, and an item that blocks the gap leaves it after ``ceil((x + spacing -
position) / speed)`` moves. Items that stand (compressed against the line's end) never arrive on their
own; what makes them move (an item taken off, a line rebuilt) is a change the lines see. The bounds
are lower bounds; a wait found still false at its tick gives its next one. So a wait on a line with
nothing moving costs nothing, and a moving line steps only where a wait may come true.
"""

from __future__ import annotations

import math
from typing import Any

SPACING = 64  # (transport_lines.SPACING: kept here so this module needs nothing of the lines)
NEVER = 2**62


class ItemWait:
    """An item not in ``ignore`` on ``segment`` between ``start`` and ``end`` (units along the lane)."""

    __slots__ = ("machine", "segment", "start", "end", "ignore")

    def __init__(self, machine: Any, segment: Any, start: int, end: int, ignore: frozenset[str]) -> None:
        self.machine, self.segment, self.start, self.end, self.ignore = machine, segment, start, end, ignore

    def _span(self, line: Any) -> tuple[int, int]:
        at = line.segments.index(self.segment)
        base = line.starts[at]
        last = at == len(line.segments) - 1  # (the line's last item stands at its very end)
        return base + self.start, base + self.end + (1 if last else 0)

    def ticks(self, line: Any, positions: list[int]) -> int:
        """Moves until it may come true (0: true now)."""
        low, high = self._span(line)
        names, ignore = line.names, self.ignore
        best = NEVER
        for index, x in enumerate(positions):
            if x >= high:
                break
            if names[index] in ignore:
                continue
            if x >= low:
                return 0
            if index <= line.first_free:  # (moves with the line: arrives unless something stops it)
                best = math.ceil((low - x) / line.speed)
        return best


class GapWait:
    """Room for an item with its back edge at ``position`` on ``segment``."""

    __slots__ = ("machine", "segment", "position")

    def __init__(self, machine: Any, segment: Any, position: int) -> None:
        self.machine, self.segment, self.position = machine, segment, position

    def ticks(self, line: Any, positions: list[int]) -> int:
        x = line.starts[line.segments.index(self.segment)] + self.position
        if line.room_at(x):
            return 0
        best = 1
        for index, p in enumerate(positions):
            if p <= x - SPACING:
                continue
            if p >= x + SPACING:
                break
            if index > line.first_free:
                return NEVER  # (a blocker that stands: only a change moves it)
            if p >= x:
                best = max(best, math.ceil((x + SPACING - p) / line.speed))
        return best


class BeltWaits:
    """Every machine waiting on a belt lane of one surface, and the wakes (see the module docstring)."""

    __slots__ = ("waits", "wake")

    def __init__(self, wake: Any) -> None:
        self.waits: dict[Any, list[ItemWait | GapWait]] = {}  # machine -> its waits
        self.wake = wake  # called with a machine whose wait came true

    def __bool__(self) -> bool:
        return bool(self.waits)

    def add(self, wait: ItemWait | GapWait) -> None:
        self.waits.setdefault(wait.machine, []).append(wait)

    def drop(self, machine: Any) -> None:
        self.waits.pop(machine, None)

    def _each(self) -> list[tuple[Any, list[ItemWait | GapWait]]]:
        """(machine, its waits) for the machines still asleep; the others were woken some other way."""
        for machine in [m for m in self.waits if not m.asleep]:
            del self.waits[machine]
        return list(self.waits.items())

    def check(self) -> None:
        """Wake each machine one of whose waits is true now."""
        if not self.waits:
            return
        cache: dict[int, list[int]] = {}
        woken = []
        for machine, waits in self._each():
            if any(_ticks(wait, cache) == 0 for wait in waits):
                woken.append(machine)
        for machine in sorted(woken, key=lambda m: m.key):  # (a repeatable order)
            del self.waits[machine]
            self.wake(machine)

    def bound(self) -> int:
        """Moves the lines may make before a wait may come true (NEVER: none will on its own)."""
        if not self.waits:
            return NEVER
        cache: dict[int, list[int]] = {}
        best = NEVER
        for _, waits in self._each():
            for wait in waits:
                best = min(best, _ticks(wait, cache))
        return best


def _ticks(wait: ItemWait | GapWait, cache: dict[int, list[int]]) -> int:
    line = wait.segment.line
    if line is None or not wait.segment.owner.valid:
        return NEVER  # (lines being rebuilt: the rebuild's step checks again)
    positions = cache.get(line.id)
    if positions is None:
        positions = cache[line.id] = line.positions()
    return wait.ticks(line, positions)
