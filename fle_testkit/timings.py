"""Timings of lifecycle phases, as data the caller reads (not only log text)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

# Every phase fle-testkit measures: the lifecycle phases DESIGN names, a hung
# server's recovery, and FLE's tool calls (fle_testkit.fle.tool_timing).
PHASES = (
    "spawn",
    "ready",
    "bootstrap",
    "save",
    "stop",
    "start",
    "restart",
    "reset",
    "recover",
    "script_upload",
    "fle_tool",
    "fle_tool_failed",
    "trajectory",  # an eval trajectory replayed to its end, holdouts included (detail: its name)
)


def unknown_phase(name: str) -> str | None:
    """Why a budget's name is no phase (``resett``), or None for ``reset`` and ``reset[lua]``."""
    phase, bracket, detail = name.partition("[")
    if phase in PHASES and (not bracket or (detail.endswith("]") and len(detail) > 1)):
        return None
    return f"{name!r} is not a phase; phases are {', '.join(PHASES)} (a detail in brackets: reset[lua])"


_SEQUENCE = itertools.count(1)


def mark() -> int:
    """A point in time: records made after it have a greater ``seq``."""
    return next(_SEQUENCE)


@dataclass(frozen=True)
class PhaseTiming:
    phase: str
    seconds: float
    started_at: float  # time.time() when the phase began
    label: str = ""  # which server: "worker gw3"
    detail: str = ""  # "load-latest", "mode=save"...
    seq: int = 0  # order across every server of this process (see ``mark``)
    # Figures beside the wall time, summed in the perf report: a trajectory's game seconds
    # (``game_s``), the resets and restarts its server went through meanwhile.
    extra: dict[str, float] = field(default_factory=dict)


@dataclass
class Timings:
    """Every phase one server (or session) went through, in order."""

    label: str = ""
    records: list[PhaseTiming] = field(default_factory=list)

    @contextmanager
    def measure(self, phase: str, detail: str = "") -> Iterator[None]:
        """Time a phase; a phase that fails is not recorded (it would skew the figures)."""
        started_at, began = time.time(), time.perf_counter()
        yield
        self.add(phase, time.perf_counter() - began, started_at, detail)

    def add(
        self, phase: str, seconds: float, started_at: float, detail: str = "", extra: dict[str, float] | None = None
    ) -> PhaseTiming:
        """Record a duration measured elsewhere (a call timed whether it failed or not)."""
        record = PhaseTiming(phase, seconds, started_at, self.label, detail, next(_SEQUENCE), dict(extra or {}))
        self.records.append(record)
        return record

    def of(self, phase: str) -> list[float]:
        return [r.seconds for r in self.records if r.phase == phase]

    def last(self, phase: str) -> float | None:
        found = self.of(phase)
        return found[-1] if found else None
