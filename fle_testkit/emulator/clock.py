"""Game time from wall-clock time.

FLE sleeps in wall-clock seconds scaled by ``game.speed`` and expects the game
to have moved on meanwhile, so the emulator's tick follows the wall clock:
60 x ``game.speed`` ticks per second, none while paused. The clock only says
how many ticks are due; the level decides whether to run handlers for each
(``on_tick``) or to jump (nothing registered), so an idle server costs no CPU.
"""

from __future__ import annotations

import time
from collections.abc import Callable

TICKS_PER_SECOND = 60


class GameClock:
    """Maps wall time to a target tick, re-anchored whenever speed or pause change."""

    def __init__(self, tick: int = 0, speed: float = 1.0, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._speed = speed
        self._paused = False
        self._anchor_time = now()
        self._anchor_tick = tick

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def paused(self) -> bool:
        return self._paused

    def due_tick(self) -> int:
        """The tick the game should have reached by now."""
        if self._paused:
            return self._anchor_tick
        elapsed = self._now() - self._anchor_time
        return self._anchor_tick + int(elapsed * TICKS_PER_SECOND * self._speed)

    def seconds_until(self, tick: int) -> float | None:
        """Wall seconds until ``tick`` is due; None while paused."""
        if self._paused:
            return None
        return max(0.0, (tick - self.due_tick()) / (TICKS_PER_SECOND * self._speed))

    def reanchor(self, tick: int, *, speed: float | None = None, paused: bool | None = None) -> None:
        """Continue from ``tick`` (the tick actually reached) with new settings."""
        self._anchor_tick = tick
        self._anchor_time = self._now()
        if speed is not None:
            self._speed = speed
        if paused is not None:
            self._paused = paused


class UpdateRate:
    """How many ticks a wall second the game runs while it has work on each tick (machines, handlers).

    A figure, read by benchmarks and logs: ``ups`` is what the game can sustain (ticks run over
    the wall time spent running them), so a game whose ``ups`` falls below 60 x ``game.speed``
    runs slower than asked (``Level.ticks_fallen_behind`` counts what it fell behind).
    """

    __slots__ = ("ticks", "seconds")

    def __init__(self) -> None:
        self.ticks = 0
        self.seconds = 0.0

    def record(self, ticks: int, seconds: float) -> None:
        self.ticks += ticks
        self.seconds += max(0.0, seconds)

    @property
    def ups(self) -> float | None:
        """Ticks per wall second of work; None before any timed work."""
        return self.ticks / self.seconds if self.seconds > 0 else None
