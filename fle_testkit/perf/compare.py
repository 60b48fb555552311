"""A report against a baseline: the change of every field, and the rules that fail.

Rules are pytest-benchmark's ``--benchmark-compare-fail`` forms:
``median:10%`` fails when the median is more than 10 % slower than the
baseline's, ``median:0.05`` (or ``0.05s``, ``50ms``) when it is more than
0.05 s slower. Only slowdowns fail; a faster run always passes.

A benchmark on one side only is listed in ``Comparison.only_in_baseline`` /
``only_in_current`` and in the rendered lines, never a failure: a run
filtered with ``-k`` measures fewer phases than its baseline.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from ..errors import ConfigurationError
from .report import Report, differences
from .stats import Stats

FIELDS = Stats.TIMES  # min, max, mean, median, p95
HEADING = "Performance has regressed:"

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

    def change(self, current: Stats, baseline: Stats) -> float:
        now, before = getattr(current, self.field), getattr(baseline, self.field)
        if before == 0:
            return math.inf if now > 0 else 0.0
        return (now / before - 1) * 100

    def describe(self, value: float) -> str:
        return f"{value:.3f}% > {self.threshold:.3f}%"

    def __str__(self) -> str:
        return f"{self.field}:{self.threshold:g}%"


@dataclass(frozen=True)
class DifferenceRegressionCheck:
    """Fails when ``field`` is more than ``threshold`` seconds above the baseline's."""

    field: str
    threshold: float  # seconds

    def change(self, current: Stats, baseline: Stats) -> float:
        return getattr(current, self.field) - getattr(baseline, self.field)

    def describe(self, value: float) -> str:
        return f"{value:.6f}s > {self.threshold:.6f}s"

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
class Regression:
    """A benchmark that failed a rule against the baseline."""

    benchmark: str
    baseline_name: str
    rule: Rule
    value: float  # the rule's measure of the change: percent or seconds
    baseline: float  # the field's value in the baseline, seconds
    current: float  # and in this run

    def line(self) -> str:
        """pytest-benchmark's words, then the field's values (baseline -> current), on one line::

        reset[save] (0003_abc) - Field 'median' has failed PercentageRegressionCheck: 23.000% > 10.000%
        (0.100000s -> 0.123000s)
        """
        return (
            f"{self.benchmark} ({self.baseline_name}) - Field {self.rule.field!r} has failed "
            f"{type(self.rule).__name__}: {self.rule.describe(self.value)} "
            f"({self.baseline:.6f}s -> {self.current:.6f}s)"
        )

    def __str__(self) -> str:
        return self.line()


def format_regressions(found: Sequence[Regression]) -> str:
    """pytest-benchmark's block: the heading, then one tab-indented line per regression ("" if none)."""
    if not found:
        return ""
    return "\n".join([HEADING, *("\t" + regression.line() for regression in found)])


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
    """This run against a baseline: changes of the benchmarks both have, rule failures, one-sided names."""

    current_name: str
    baseline_name: str
    changes: tuple[BenchmarkChange, ...]
    only_in_baseline: tuple[str, ...] = ()
    only_in_current: tuple[str, ...] = ()
    regressions: tuple[Regression, ...] = ()
    rules: tuple[Rule, ...] = ()
    differences: tuple[str, ...] = ()  # how the runs differ in kind or machine (report.differences)

    NOT_COMPARED: ClassVar[str] = "Benchmarks not compared:"
    UNLIKE: ClassVar[str] = "The runs differ (not like with like):"

    def difference_lines(self) -> list[str]:
        return [self.UNLIKE, *(f"\t{line}" for line in self.differences)] if self.differences else []

    @property
    def failed(self) -> bool:
        return bool(self.regressions)

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

    def lines(self) -> list[str]:
        """The regression block then the not-compared block, as printed at the end of a run."""
        block = format_regressions(self.regressions)
        return (block.split("\n") if block else []) + self.missing_lines()


def compare(
    current: Report,
    baseline: Report,
    rules: Iterable[Rule | str] = (),
    *,
    current_name: str | None = None,
    baseline_name: str | None = None,
) -> Comparison:
    """Compare ``current`` with ``baseline``; rules may be given parsed or as text (``"median:10%"``).

    Names default to the reports' own (their file stem, ``this run`` when unsaved).
    """
    parsed = tuple(parse_rule(rule) if isinstance(rule, str) else rule for rule in rules)
    current_name = current_name or current.name
    baseline_name = baseline_name or baseline.name
    before = {b.name: b for b in baseline.benchmarks}
    now = {b.name: b for b in current.benchmarks}
    changes = tuple(BenchmarkChange(name, before[name].stats, now[name].stats) for name in now if name in before)
    found = []
    for change in changes:
        for rule in parsed:
            value = rule.change(change.current, change.baseline)
            if value > rule.threshold:
                found.append(
                    Regression(
                        benchmark=change.name,
                        baseline_name=baseline_name,
                        rule=rule,
                        value=value,
                        baseline=getattr(change.baseline, rule.field),
                        current=getattr(change.current, rule.field),
                    )
                )
    return Comparison(
        current_name=current_name,
        baseline_name=baseline_name,
        changes=changes,
        only_in_baseline=tuple(name for name in before if name not in now),
        only_in_current=tuple(name for name in now if name not in before),
        regressions=tuple(found),
        rules=parsed,
        differences=tuple(differences(current, baseline)),
    )


def regressions(current: Report, baseline: Report, rules: Iterable[Rule | str]) -> list[Regression]:
    """The rule failures of ``current`` against ``baseline`` (see ``compare`` for everything else)."""
    return list(compare(current, baseline, rules).regressions)
