"""Statistics of timing samples, and the grouping of records into benchmarks.

A benchmark is named after the phase, with the record's detail in brackets
when there is one: ``reset``, ``reset[lua]``, ``start[latest]``. Its group is
the phase.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar

from pytest_benchmark.stats import Stats as BenchmarkStats

from ..timings import PHASES, PhaseTiming
from .errors import ReportError

# What the plugin hands over: the records themselves, or ``dataclasses.asdict``
# of them as they come back from xdist workers.
Record = PhaseTiming | Mapping[str, Any]


@dataclass(frozen=True)
class Stats:
    """Summary of one benchmark's samples, in seconds (``rounds``, ``iterations``: counts).

    Every field pytest-benchmark stores (its own ``Stats`` computes them:
    quartiles, Tukey fences, outlier counts, ``ops``), so its ``compare``,
    ``list`` and histograms read our reports; plus ``p95``, the 95th percentile
    by linear interpolation between the closest ranks (numpy's default,
    Hyndman-Fan type 7): position ``0.95 * (n - 1)`` in the sorted samples. It
    never lies outside the samples, and moves smoothly as samples are added,
    which nearest-rank does not for the small counts a test run gives.
    """

    rounds: int
    min: float
    max: float
    mean: float
    median: float
    stddev: float
    p95: float
    total: float
    iqr: float = math.nan
    q1: float = math.nan
    q3: float = math.nan
    ld15iqr: float = math.nan
    hd15iqr: float = math.nan
    ops: float = math.nan
    iqr_outliers: int = 0
    stddev_outliers: int = 0
    outliers: str = ""
    iterations: int = 1  # pytest-benchmark times N iterations per round; a phase is one

    # The fields a comparison rule may name, in table order.
    TIMES: ClassVar[tuple[str, ...]] = ("min", "max", "mean", "median", "p95")
    # Fields reports of schema 1 lack (NaN or their default when read).
    LATER: ClassVar[tuple[str, ...]] = (
        "iqr", "q1", "q3", "ld15iqr", "hd15iqr", "ops", "iqr_outliers", "stddev_outliers", "outliers", "iterations",
    )  # fmt: skip

    @classmethod
    def of(cls, samples: Iterable[float]) -> Stats:
        computed = BenchmarkStats()
        for sample in samples:
            computed.update(float(sample))
        if not computed:
            raise ReportError("cannot summarise a benchmark without samples")
        values = computed.as_dict()
        return cls(
            rounds=int(values["rounds"]),
            min=values["min"],
            max=values["max"],
            mean=values["mean"],
            median=values["median"],
            stddev=float(values["stddev"]),
            p95=percentile(computed.sorted_data, 95),
            total=math.fsum(computed.data),
            iqr=values["iqr"],
            q1=values["q1"],
            q3=values["q3"],
            ld15iqr=values["ld15iqr"],
            hd15iqr=values["hd15iqr"],
            ops=float(values["ops"]),
            iqr_outliers=int(values["iqr_outliers"]),
            stddev_outliers=int(values["stddev_outliers"]),
            outliers=str(values["outliers"]),
        )

    def to_dict(self) -> dict[str, float | int | str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Stats:
        counts = {"rounds", "iqr_outliers", "stddev_outliers", "iterations"}
        try:
            values: dict[str, Any] = {}
            for f in fields(cls):
                if f.name not in data:
                    if f.name in cls.LATER:
                        continue  # a report of schema 1: the dataclass default
                    raise KeyError(f.name)
                raw = data[f.name]
                values[f.name] = int(raw) if f.name in counts else str(raw) if f.name == "outliers" else float(raw)
            return cls(**values)
        except (KeyError, TypeError, ValueError) as error:
            wanted = [f.name for f in fields(cls) if f.name not in cls.LATER]
            raise ReportError(f"benchmark stats {dict(data)!r} need numbers for {wanted!r}") from error


def percentile(ordered: list[float], percent: float) -> float:
    """Linear interpolation between closest ranks of already sorted samples."""
    position = (len(ordered) - 1) * percent / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def benchmark_name(phase: str, detail: str = "") -> str:
    return f"{phase}[{detail}]" if detail else phase


def group_of(name: str) -> str:
    """The phase of a benchmark name: ``reset[lua]`` -> ``reset``."""
    return name.split("[", 1)[0]


def as_timing(record: Record) -> PhaseTiming:
    """A ``PhaseTiming`` from itself or from its ``asdict`` form; unknown keys are ignored."""
    if isinstance(record, PhaseTiming):
        return record
    try:
        return PhaseTiming(
            phase=str(record["phase"]),
            seconds=float(record["seconds"]),
            started_at=float(record.get("started_at", 0.0)),
            label=str(record.get("label", "")),
            detail=str(record.get("detail", "")),
            extra={str(k): float(v) for k, v in (record.get("extra") or {}).items()},
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ReportError(
            f"timing record {record!r} is not a PhaseTiming: it needs 'phase' (str) and 'seconds' (number)"
        ) from error


def _order(name: str) -> tuple[int, str, str]:
    # Lifecycle order first (spawn before ready before reset...), then by name.
    phase = group_of(name)
    rank = PHASES.index(phase) if phase in PHASES else len(PHASES)
    return rank, phase, name


def group_records(records: Iterable[Record]) -> dict[str, list[PhaseTiming]]:
    """Records by benchmark name, in lifecycle order."""
    groups: dict[str, list[PhaseTiming]] = {}
    for record in map(as_timing, records):
        groups.setdefault(benchmark_name(record.phase, record.detail), []).append(record)
    return {name: groups[name] for name in sorted(groups, key=_order)}


def summarise(records: Iterable[Record]) -> dict[str, Stats]:
    """``Stats`` per benchmark name (``phase`` or ``phase[detail]``), in lifecycle order."""
    return {name: Stats.of(r.seconds for r in group) for name, group in group_records(records).items()}
