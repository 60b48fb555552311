"""Performance reports: measure, store, compare, render (four concerns, one module each).

A pure library: nothing here imports pytest. The pytest plugin hands it the
``PhaseTiming`` records of every worker; the ``fle-testkit perf`` command reads
the stored reports without running tests.

- ``stats``: samples -> ``Stats``; records -> benchmarks by name (``reset[lua]``)
- ``report``: ``Report`` and its JSON, in pytest-benchmark's shape, ``"schema": 1``
- ``storage``: ``.fle/perf/<machine-id>/NNNN_<name>.json``, numbered runs
- ``load``: how much of the machine other processes took while a run ran
- ``compare``: the rules a comparison applies, such as ``median:10%``
- ``verdict``: a run against the last K runs of its kind: regressed only beyond a
  rule's limit and beyond the run-to-run noise
- ``render``: terminal table, Markdown, PNG chart (matplotlib, the ``plots`` extra)
"""

from __future__ import annotations

from .compare import parse_rule
from .errors import PlotsUnavailable, ReportError
from .load import Load, LoadMeter
from .report import Benchmark, CommitInfo, MachineInfo, Report, RunInfo
from .stats import Stats, benchmark_name, summarise
from .storage import Storage, StoredRun, machine_id
from .verdict import DISPLAY_RULE, Judged, Judgement, judge

__all__ = [
    "DISPLAY_RULE",
    "Benchmark",
    "CommitInfo",
    "MachineInfo",
    "Judged",
    "Judgement",
    "Load",
    "LoadMeter",
    "PlotsUnavailable",
    "Report",
    "ReportError",
    "RunInfo",
    "Stats",
    "Storage",
    "StoredRun",
    "benchmark_name",
    "judge",
    "machine_id",
    "parse_rule",
    "summarise",
]
