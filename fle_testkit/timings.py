"""Timings of lifecycle phases, as data the caller reads (not only log text)."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

# The phases DESIGN names; a phase is any string, these are the common ones.
PHASES = ("spawn", "ready", "bootstrap", "save", "stop", "start", "restart", "reset", "script_upload")


@dataclass(frozen=True)
class PhaseTiming:
    phase: str
    seconds: float
    started_at: float  # time.time() when the phase began
    label: str = ""  # which server: "worker gw3"
    detail: str = ""  # "load-latest", "mode=save"...


@dataclass
class Timings:
    """Every phase one server (or session) went through, in order."""

    label: str = ""
    records: list[PhaseTiming] = field(default_factory=list)

    @contextmanager
    def measure(self, phase: str, detail: str = "") -> Iterator[None]:
        started_at, began = time.time(), time.perf_counter()
        try:
            yield
        finally:
            self.records.append(PhaseTiming(phase, time.perf_counter() - began, started_at, self.label, detail))

    def of(self, phase: str) -> list[float]:
        return [r.seconds for r in self.records if r.phase == phase]

    def last(self, phase: str) -> float | None:
        found = self.of(phase)
        return found[-1] if found else None

    def since(self, mark: int) -> list[PhaseTiming]:
        """Records added after ``mark`` (a previous ``len(timings.records)``)."""
        return self.records[mark:]
