"""Benchmarks measure and report; they assert nothing about speed.

Each benchmark records its samples with ``perf_figures.record``; the figures
are printed as a table at the end of the run (statistics from fle_testkit.perf).
Lifecycle timings of the plugin's own servers also go to ``--perf-report``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from fle_testkit.perf.stats import Stats


@dataclass
class Figure:
    name: str
    unit: str
    samples: list[float] = field(default_factory=list)

    def summary(self) -> tuple[float, float, float, float]:
        stats = Stats.of(self.samples)
        return stats.median, stats.p95, stats.min, stats.max


class PerfFigures:
    def __init__(self) -> None:
        self.figures: dict[str, Figure] = {}

    def record(self, name: str, value: float, unit: str = "s") -> None:
        self.figures.setdefault(name, Figure(name, unit)).samples.append(value)


_FIGURES = PerfFigures()


@pytest.fixture(scope="session")
def perf_figures() -> PerfFigures:
    return _FIGURES


def pytest_terminal_summary(terminalreporter) -> None:
    if not _FIGURES.figures:
        return
    terminalreporter.section("benchmark figures")
    width = max(len("figure"), *(len(name) for name in _FIGURES.figures))
    header = f"{'figure':<{width}} {'n':>5} {'median':>11} {'p95':>11} {'min':>11} {'max':>11}"
    terminalreporter.write_line(header)
    for figure in _FIGURES.figures.values():
        median, p95, low, high = figure.summary()
        cells = " ".join(f"{_fmt(v, figure.unit):>11}" for v in (median, p95, low, high))
        terminalreporter.write_line(f"{figure.name:<{width}} {len(figure.samples):>5} {cells}")


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:.3f} ms" if value < 1 else f"{value:.3f} s"
    text = f"{value:,.1f}" if abs(value) < 100 and not float(value).is_integer() else f"{value:,.0f}"
    return f"{text} {unit}".rstrip()
