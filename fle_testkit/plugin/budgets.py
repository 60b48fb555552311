"""Latency budgets: the limits a test runs under and the phases that broke them.

A budget comes from ``--latency-budget`` (the run's default) and the
``latency_budget`` marker (per test, the closest marker wins).
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from ..timings import PhaseTiming, unknown_phase


def budgets_for(item: pytest.Item, defaults: dict[str, float]) -> dict[str, float]:
    """The run's default budgets overridden by the test's ``latency_budget`` markers."""
    budgets = dict(defaults)
    for marker in reversed(list(item.iter_markers("latency_budget"))):
        if marker.args:
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.latency_budget takes keywords PHASE=SECONDS (e.g. reset=0.5); "
                f"got positional {list(marker.args)!r}"
            )
        for phase, seconds in marker.kwargs.items():
            problem = unknown_phase(phase)
            if problem is not None:  # a misspelt budget would silently never apply
                raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.latency_budget: {problem}")
            if seconds is None:
                continue
            try:
                value = float(seconds)
            except (TypeError, ValueError):
                value = math.nan
            if not value >= 0:  # also false for NaN
                raise pytest.UsageError(
                    f"{item.nodeid}: @pytest.mark.latency_budget({phase}={seconds!r}): "
                    "a budget is a number of seconds >= 0 (e.g. reset=0.5)"
                )
            budgets[phase] = value
    return budgets


def over_budget(records: list[PhaseTiming], budgets: dict[str, float]) -> list[str]:
    """One line per measured phase that took longer than its budget."""
    lines = []
    for record in records:
        limit = budgets.get(phase_name(record), budgets.get(record.phase))
        if limit is not None and record.seconds > limit:
            lines.append(
                f"{phase_name(record)} took {format_seconds(record.seconds)} s, "
                f"over its budget of {format_seconds(limit)} s ({record.label or 'server'})"
            )
    return lines


def budget_failure(violations: list[str]) -> Any:
    """A test's failure for phases over budget, with the first figure in the message.

    An exception's representation (not a string), so the short summary shows
    the figure (``FAILED ... - AssertionError: Latency budget exceeded: reset[lua]
    took ...``) and xdist carries it from the worker intact.
    """
    message = "Latency budget exceeded: " + "\n  ".join(violations)
    try:
        raise AssertionError(message)
    except AssertionError as error:
        return pytest.ExceptionInfo.from_exception(error).getrepr(style="value")


def format_seconds(value: float) -> str:
    """0.000594, 0.25, 60: a fixed 3 decimals would print a 1 us budget as 0.000 s."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if text != "0" or value == 0 else f"{value:.1e}"


def phase_name(record: PhaseTiming) -> str:
    """``reset[lua]``: a budget may name the phase alone or with its detail."""
    return f"{record.phase}[{record.detail}]" if record.detail else record.phase
