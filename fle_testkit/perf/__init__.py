"""Performance reports: measure, store, compare, render (four concerns, one module each).

A pure library: nothing here imports pytest. The pytest plugin hands it the
``PhaseTiming`` records of every worker; the ``fle-testkit perf`` command reads
the stored reports without running tests.

- ``stats``: samples -> ``Stats``; records -> benchmarks by name (``reset[lua]``)
- ``report``: ``Report`` and its JSON, in pytest-benchmark's shape, ``"schema": 1``
- ``storage``: ``.fle/perf/<machine-id>/NNNN_<name>.json``, numbered runs
- ``compare``: a report against a baseline, rules such as ``median:10%``
- ``render``: terminal table, Markdown, PNG chart (matplotlib, the ``plots`` extra)
"""

from __future__ import annotations

from .compare import Comparison, Regression, compare, format_regressions, parse_rule, regressions
from .errors import PlotsUnavailable, ReportError
from .report import Benchmark, CommitInfo, MachineInfo, Report, RunInfo
from .stats import Stats, benchmark_name, summarise
from .storage import Storage, StoredRun, machine_id

__all__ = [
    "Benchmark",
    "CommitInfo",
    "Comparison",
    "MachineInfo",
    "PlotsUnavailable",
    "Regression",
    "Report",
    "ReportError",
    "RunInfo",
    "Stats",
    "Storage",
    "StoredRun",
    "benchmark_name",
    "compare",
    "format_regressions",
    "machine_id",
    "parse_rule",
    "regressions",
    "summarise",
]
