"""How much of the machine other work took while a run ran: its *foreign load*.

Why. The verdict compares this run's phase times with earlier runs', and
its spread comes from those runs: if they ran on a quiet machine and this
one shares the CPUs with a neighbour's job, every phase is slower and the
verdict would call it a regression. Timings alone cannot tell slower code
from a busier machine; the CPU accounts can. The machine's busy time
(``psutil.cpu_times``: user, nice, system, irq, softirq and steal, which is a
neighbouring virtual machine's) less the CPU time of this run's process tree
(the controller, its xdist workers, their servers) is the time others took.

A server the run starts in a container is not in its process tree: under the
docker backend the containers' CPU counts as foreign, in every run alike.
A process of the run that is never waited for (an orphan reaped by init)
counts as foreign.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psutil

# How much more of the machine other processes may take in this run than in the
# busiest baseline run before a slower phase can no longer be told from a busier
# machine: 10 % of its CPUs (0.2 of 2 CPUs; 6.4 of 64).
BUSIER_BY = 0.10
_BUSY_FIELDS = ("user", "nice", "system", "irq", "softirq", "steal")  # guest time is inside user


@dataclass(frozen=True)
class Load:
    """The CPUs (in CPU-seconds per second) this run and everything else used while it ran."""

    foreign_cpus: float
    own_cpus: float
    seconds: float
    cpu_count: int

    @property
    def foreign_share(self) -> float:
        """Other processes' share of the machine, 0 to 1."""
        return self.foreign_cpus / max(1, self.cpu_count)

    def to_dict(self) -> dict[str, Any]:
        return {
            "foreign_cpus": round(self.foreign_cpus, 4),
            "own_cpus": round(self.own_cpus, 4),
            "seconds": round(self.seconds, 3),
            "cpu_count": self.cpu_count,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Load | None:
        if not data:
            return None  # a report from before loads were measured
        return cls(
            foreign_cpus=float(data["foreign_cpus"]),
            own_cpus=float(data["own_cpus"]),
            seconds=float(data["seconds"]),
            cpu_count=int(data["cpu_count"]),
        )


def busier(current: Load | None, baselines: Sequence[Load | None]) -> str | None:
    """Why ``current`` ran on a busier machine than every baseline run, or None if it did not (or nobody knows)."""
    known = [load for load in baselines if load is not None]
    if current is None or not known:
        return None
    busiest = max(known, key=lambda load: load.foreign_share)
    if current.foreign_share - busiest.foreign_share <= BUSIER_BY:
        return None
    return (
        f"other processes used {current.foreign_cpus:.2f} of {current.cpu_count} CPUs during this run "
        f"(at most {busiest.foreign_cpus:.2f} in the baseline runs)"
    )


def _machine_busy() -> float:
    times = psutil.cpu_times()
    return sum(getattr(times, name, 0.0) for name in _BUSY_FIELDS)


def _tree_cpu(root: psutil.Process) -> float:
    """CPU seconds this process tree has used: every live process's own time and its reaped children's.

    A process that exited and was waited for is in its parent's ``children_user``
    and ``children_system`` (and its own reaped children with it), so the sum
    over the live tree counts every process of the run once, however short-lived.
    """
    total = 0.0
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return total
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue  # exited (and was reaped: its time is its parent's now) since it was listed
        total += times.user + times.system + times.children_user + times.children_system
    return total


class LoadMeter:
    """The machine's and this process tree's CPU time, from ``start`` to ``stop``."""

    def __init__(self, root: int | None = None) -> None:
        self._root = psutil.Process(root)
        self._began = 0.0
        self._machine_at_start = 0.0
        self._own_at_start = 0.0

    def start(self) -> None:
        self._began = time.monotonic()
        self._machine_at_start = _machine_busy()
        self._own_at_start = _tree_cpu(self._root)

    def stop(self) -> Load:
        seconds = max(time.monotonic() - self._began, 1e-9)
        own = _tree_cpu(self._root) - self._own_at_start
        foreign = max(0.0, _machine_busy() - self._machine_at_start - own)
        return Load(foreign / seconds, own / seconds, seconds, psutil.cpu_count() or 1)
