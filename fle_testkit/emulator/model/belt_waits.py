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
from collections.abc import Iterable
from typing import Any

SPACING = 64  # (transport_lines.SPACING: kept here so this module needs nothing of the lines)
NEVER = 2**62


class ItemWait:
    """An item not in ``ignore`` on ``segment`` between ``start`` and ``end`` (units along the lane)."""

    __slots__ = ("machine", "segment", "start", "end", "ignore", "line_id", "due")

    def __init__(self, machine: Any, segment: Any, start: int, end: int, ignore: frozenset[str]) -> None:
        self.machine, self.segment, self.start, self.end, self.ignore = machine, segment, start, end, ignore
        self.line_id: int | None = None  # the line it is indexed under
        self.due = NEVER  # the earliest tick it may come true, as its line last showed

    def _span(self, line: Any) -> tuple[int, int]:
        at = line.index_of(self.segment)
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

    __slots__ = ("machine", "segment", "position", "line_id", "due")

    def __init__(self, machine: Any, segment: Any, position: int) -> None:
        self.machine, self.segment, self.position = machine, segment, position
        self.line_id: int | None = None  # the line it is indexed under
        self.due = NEVER  # the earliest tick it may come true, as its line last showed

    def ticks(self, line: Any, positions: list[int]) -> int:
        x = line.starts[line.index_of(self.segment)] + self.position
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
    """Every machine waiting on a belt lane of one surface, and the wakes (see the module docstring).

    The waits are indexed by line, so that the lines check and bound only the waits on lines that moved
    or changed: a wait on a line with nothing moving costs nothing. The index is rebuilt when the lines
    are (``generation``: the lines' serial, which grows with every line made).
    """

    __slots__ = ("waits", "wake", "seen", "by_line", "generation", "pending")

    def __init__(self, wake: Any) -> None:
        self.waits: dict[Any, list[ItemWait | GapWait]] = {}  # machine -> its waits
        self.wake = wake  # called with a machine whose wait came true
        self.by_line: dict[int, tuple[Any, list[ItemWait | GapWait]]] = {}  # line id -> (line, its waits)
        self.generation = -1  # the lines' serial the index was built for
        self.pending: list[ItemWait | GapWait] = []  # added since
        # Each line's version when its waits were last checked: a line that has not changed since
        # cannot have made one true (and a wait is added false: its machine just looked).
        self.seen: dict[int, int] = {}

    def __bool__(self) -> bool:
        return bool(self.waits)

    def add(self, wait: ItemWait | GapWait) -> None:
        self.waits.setdefault(wait.machine, []).append(wait)
        self.pending.append(wait)

    def drop(self, machine: Any) -> None:
        """The machine waits no more."""
        for wait in self.waits.pop(machine, ()):
            found = self.by_line.get(wait.line_id) if wait.line_id is not None else None
            if found is not None:
                found[1].remove(wait)
                if not found[1]:
                    del self.by_line[wait.line_id]  # type: ignore[arg-type]
            elif wait in self.pending:
                self.pending.remove(wait)

    def _index(self, generation: int) -> None:
        """Put the waits added since (all of them, after the lines were rebuilt) under their lines."""
        if generation != self.generation:
            self.generation, self.by_line, self.seen = generation, {}, {}
            self.pending = [w for waits in self.waits.values() for w in waits]
        if not self.pending:
            return
        kept = []
        for wait in self.pending:
            line = wait.segment.line
            if line is None:
                wait.line_id = None
                kept.append(wait)  # (its lines are being rebuilt)
            else:
                wait.line_id = line.id
                self.by_line.setdefault(line.id, (line, []))[1].append(wait)
        self.pending = kept

    def _awake(self, waits: list[ItemWait | GapWait]) -> None:
        """Drop the machines among ``waits`` that were woken some other way."""
        for machine in {w.machine for w in waits if not w.machine.asleep}:  # (in any order: each drops its own)
            self.drop(machine)

    def check(self, lines: Iterable[Any], generation: int, moved: int) -> int:
        """Wake each machine one of whose waits on ``lines`` (those that moved or changed) is true now; the
        others learn the earliest tick they may come true (``moved``: the last tick the lines moved), and
        the earliest of those ticks is returned (NEVER: none)."""
        earliest = NEVER
        if not self.waits:
            return earliest
        self._index(generation)
        woken: set[Any] = set()
        seen, by_line = self.seen, self.by_line
        for line in lines:
            if seen.get(line.id) == line.version:
                continue  # (unchanged: its waits' ticks still hold)
            seen[line.id] = line.version
            found = by_line.get(line.id)
            if found is None:
                continue
            positions = line.positions()
            for wait in found[1]:
                if wait.machine.asleep:
                    moves = wait.ticks(line, positions)
                    if moves == 0:
                        woken.add(wait.machine)
                    wait.due = NEVER if moves >= NEVER else moved + moves
                    earliest = min(earliest, wait.due)
        for machine in sorted(woken, key=lambda m: m.key):  # (a repeatable order)
            self.drop(machine)
            self.wake(machine)
        return earliest

    def earliest(self, lines: Any, generation: int) -> int:
        """The earliest tick a wait on ``lines`` (those that move, a sized collection) may come true
        (NEVER: none will on its own)."""
        best = NEVER
        if not self.waits:
            return best
        self._index(generation)
        if len(self.by_line) < len(lines):
            found = [entry[1] for entry in self.by_line.values() if entry[0].active]
        else:
            found = [entry[1] for entry in map(self.by_line.get, (line.id for line in lines)) if entry is not None]
        stale: list[ItemWait | GapWait] = []
        for waits in found:
            for wait in waits:
                if not wait.machine.asleep:
                    stale.append(wait)
                elif wait.due < best:
                    best = wait.due
        self._awake(stale)
        return best
