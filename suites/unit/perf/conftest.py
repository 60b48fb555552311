"""Reports built from known samples, with fixed machine, commit and date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from fle_testkit.perf.report import CommitInfo, MachineInfo, Report
from fle_testkit.timings import PhaseTiming

MACHINE = MachineInfo(
    node="box",
    processor="x86_64",
    machine="x86_64",
    system="Linux",
    release="6.1",
    python_implementation="CPython",
    python_version="3.11.7",
    cpu_count=8,
)
COMMIT = CommitInfo(id="abc1234567890def", branch="main", dirty=False, time="2024-05-01T12:00:00+00:00")
WHEN = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)


def records_of(samples: dict[str, list[float]], label: str = "worker gw0") -> list[PhaseTiming]:
    """``{"reset[lua]": [0.1, 0.2]}`` -> PhaseTiming records (phase and detail from the name)."""
    records = []
    for name, values in samples.items():
        phase, _, detail = name.partition("[")
        detail = detail.rstrip("]")
        records += [PhaseTiming(phase, value, 1_700_000_000.0 + i, label, detail) for i, value in enumerate(values)]
    return records


@pytest.fixture
def make_report() -> Callable[..., Report]:
    def make(samples: dict[str, list[float]] | list[Any], **run: object) -> Report:
        """From ``{"reset[lua]": [0.1]}`` samples, or from records as they are."""
        run = {"backend": "embedded", "workers": 2, **run}
        records = records_of(samples) if isinstance(samples, dict) else samples
        return Report.from_records(records, machine_info=MACHINE, commit_info=COMMIT, when=WHEN, **run)

    return make
