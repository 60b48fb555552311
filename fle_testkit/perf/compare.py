"""The rules a comparison applies, in pytest-benchmark's ``--benchmark-compare-fail`` forms.

``median:10%`` is a limit of 10 % slower than the baseline's median,
``median:0.05`` (or ``0.05s``, ``50ms``) of 0.05 s slower. Whether a change
beyond the limit is a regression (and not run-to-run noise) is the verdict's
to say (``verdict.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import ConfigurationError
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
