from __future__ import annotations

import dataclasses
import math

import pytest

from fle_testkit.perf.errors import ReportError
from fle_testkit.perf.stats import Stats, benchmark_name, summarise
from fle_testkit.timings import PhaseTiming


def test_stats_of_one_to_ten() -> None:
    stats = Stats.of([float(n) for n in (7, 3, 1, 10, 2, 9, 4, 8, 6, 5)])
    assert (stats.rounds, stats.min, stats.max, stats.total) == (10, 1.0, 10.0, 55.0)
    assert stats.mean == 5.5
    assert stats.median == 5.5
    assert stats.stddev == pytest.approx(math.sqrt(55 / 6))  # sample stddev: sum of squares 82.5 over n-1
    # Linear interpolation: position 0.95 * 9 = 8.55 between the 9th (9) and 10th (10) values.
    assert stats.p95 == pytest.approx(9.55)


def test_stats_of_one_sample() -> None:
    stats = Stats.of([0.25])
    assert (stats.rounds, stats.min, stats.max, stats.mean, stats.median, stats.stddev, stats.p95, stats.total) == (
        1, 0.25, 0.25, 0.25, 0.25, 0.0, 0.25, 0.25
    )  # fmt: skip
    assert (stats.q1, stats.q3, stats.iqr, stats.ops, stats.outliers) == (0.25, 0.25, 0.0, 4.0, "0;0")


def test_p95_of_two_samples_interpolates() -> None:
    assert Stats.of([1.0, 3.0]).p95 == pytest.approx(2.9)


def test_stats_without_samples_is_an_error() -> None:
    with pytest.raises(ReportError, match="without samples"):
        Stats.of([])


def test_stats_dict_round_trip() -> None:
    stats = Stats.of([0.1, 0.2, 0.4])
    assert Stats.from_dict(stats.to_dict()) == stats


def test_stats_from_incomplete_dict_names_the_fields() -> None:
    with pytest.raises(ReportError, match="p95"):
        Stats.from_dict({"rounds": 1, "min": 1.0})


def test_benchmark_name() -> None:
    assert benchmark_name("reset") == "reset"
    assert benchmark_name("reset", "lua") == "reset[lua]"


def test_summarise_groups_by_phase_and_detail_in_lifecycle_order() -> None:
    records = [
        PhaseTiming("reset", 0.3, 0.0, "worker gw0", "save"),
        PhaseTiming("ready", 1.0, 0.0, "worker gw0", "scenario"),
        PhaseTiming("reset", 0.1, 0.0, "worker gw0", "lua"),
        PhaseTiming("spawn", 2.0, 0.0, "worker gw1"),
        PhaseTiming("reset", 0.2, 0.0, "worker gw1", "lua"),
        PhaseTiming("custom", 0.5, 0.0),
    ]
    stats = summarise(records)
    assert list(stats) == ["spawn", "ready[scenario]", "reset[lua]", "reset[save]", "custom"]
    assert stats["reset[lua]"].rounds == 2
    assert stats["reset[lua]"].median == pytest.approx(0.15)
    assert stats["reset[save]"].max == 0.3


def test_summarise_takes_records_as_dicts_from_workers() -> None:
    records = [
        PhaseTiming("start", 1.5, 0.0, "worker gw2", "latest"),
        PhaseTiming("start", 2.5, 0.0, "worker gw3", "latest"),
    ]
    assert summarise(dataclasses.asdict(r) for r in records) == summarise(records)


def test_summarise_refuses_a_record_without_seconds() -> None:
    with pytest.raises(ReportError, match="'seconds'"):
        summarise([{"phase": "reset"}])
