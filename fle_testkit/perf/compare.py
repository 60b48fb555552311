"""A report beside another: the change of every field; and the rules a verdict applies.

Rules are pytest-benchmark's ``--benchmark-compare-fail`` forms:
``median:10%`` is a limit of 10 % slower than the baseline's median,
``median:0.05`` (or ``0.05s``, ``50ms``) of 0.05 s slower. Whether a change
beyond the limit is a regression (and not run-to-run noise) is the verdict's
to say (``verdict.py``); this module only describes.

A benchmark on one side only is listed in ``Comparison.only_in_baseline`` /
``only_in_current``: a run filtered with ``-k`` measures fewer phases.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from ..errors import ConfigurationError
from .report import Report, differences
from .stats import Stats

FIELDS = Stats.TIMES  # min, max, mean, median, p95

_RULE = re.compile(r"^(?P<field>[A-Za-z0-9_]+):(?P<value>\d+(?:\.\d*)?|\.\d+)(?P<unit>%|s|ms)?$")
ACCEPTED_FORMS = (
    f"FIELD:N% (more than N percent slower), FIELD:N or FIELD:Ns (more than N seconds slower), "
    f"FIELD:Nms (milliseconds); FIELD is one of {', '.join(FIELDS)}; e.g. median:10%, p95:0.05"
)


@dataclass(frozen=True)
class PercentageRegressionCheck:
    """Fails when ``field`` is more than ``threshold`` percent above the baseline's."""

    field: str
    threshold: float  # percent

    def __str__(self) -> str:
        return f"{self.field}:{self.threshold:g}%"


@dataclass(frozen=True)
class DifferenceRegressionCheck:
    """Fails when ``field`` is more than ``threshold`` seconds above the baseline's."""

    field: str
    threshold: float  # seconds

    def __str__(self) -> str:
        return f"{self.field}:{self.threshold:g}s"


Rule = PercentageRegressionCheck | DifferenceRegressionCheck


def parse_rule(text: str, *, source: str = "--perf-compare-fail") -> Rule:
    """``median:10%`` -> PercentageRegressionCheck; ``median:0.05`` / ``0.05s`` / ``50ms`` -> DifferenceRegressionCheck.

    ``source`` names where the rule came from, for the error message.
    """
    match = _RULE.match(text.strip())
    if match is None:
        raise ConfigurationError(f"{source}: rule {text!r} is not understood. Accepted forms: {ACCEPTED_FORMS}")
    name, value, unit = match["field"], float(match["value"]), match["unit"]
    if name not in FIELDS:
        raise ConfigurationError(
            f"{source}: rule {text!r} names field {name!r}, which cannot be compared. Accepted forms: {ACCEPTED_FORMS}"
        )
    if unit == "%":
        return PercentageRegressionCheck(name, value)
    return DifferenceRegressionCheck(name, value / 1000 if unit == "ms" else value)


def parse_rules(texts: Iterable[str], *, source: str = "--perf-compare-fail") -> list[Rule]:
    return [parse_rule(text, source=source) for text in texts]


@dataclass(frozen=True)
class FieldChange:
    baseline: float
    current: float

    @property
    def seconds(self) -> float:
        return self.current - self.baseline

    @property
    def percent(self) -> float:
        """Relative change; inf when the baseline is 0 and this run is not."""
        if self.baseline == 0:
            return math.inf if self.current > 0 else 0.0
        return (self.current / self.baseline - 1) * 100


@dataclass(frozen=True)
class BenchmarkChange:
    name: str
    baseline: Stats
    current: Stats

    def change_of(self, name: str) -> FieldChange:
        return FieldChange(getattr(self.baseline, name), getattr(self.current, name))

    @property
    def fields(self) -> dict[str, FieldChange]:
        return {name: self.change_of(name) for name in FIELDS}


@dataclass(frozen=True)
class Comparison:
    """This run beside a baseline: changes of the benchmarks both have, one-sided names, unlike kinds."""

    current_name: str
    baseline_name: str
    changes: tuple[BenchmarkChange, ...]
    only_in_baseline: tuple[str, ...] = ()
    only_in_current: tuple[str, ...] = ()
    differences: tuple[str, ...] = ()  # how the runs differ in kind or machine (report.differences)

    NOT_COMPARED: ClassVar[str] = "Benchmarks not compared:"
    UNLIKE: ClassVar[str] = "The runs differ (not like with like):"

    def difference_lines(self) -> list[str]:
        return [self.UNLIKE, *(f"\t{line}" for line in self.differences)] if self.differences else []

    def missing_lines(self) -> list[str]:
        """One tab-indented line per benchmark on one side only, after a heading ([] if none)."""
        lines = [
            f"\t{name} ({self.baseline_name}) - in the baseline, not measured in {self.current_name}"
            for name in self.only_in_baseline
        ] + [
            f"\t{name} ({self.baseline_name}) - measured in {self.current_name}, not in the baseline"
            for name in self.only_in_current
        ]
        return [self.NOT_COMPARED, *lines] if lines else []


def compare(
    current: Report, baseline: Report, *, current_name: str | None = None, baseline_name: str | None = None
) -> Comparison:
    """Describe ``current`` beside ``baseline``; names default to the reports' own (their file stem)."""
    before = {b.name: b for b in baseline.benchmarks}
    now = {b.name: b for b in current.benchmarks}
    return Comparison(
        current_name=current_name or current.name,
        baseline_name=baseline_name or baseline.name,
        changes=tuple(BenchmarkChange(name, before[name].stats, now[name].stats) for name in now if name in before),
        only_in_baseline=tuple(name for name in before if name not in now),
        only_in_current=tuple(name for name in now if name not in before),
        differences=tuple(differences(current, baseline)),
    )
