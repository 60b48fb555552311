from __future__ import annotations

import json
from pathlib import Path

import pytest

from fle_testkit.perf.errors import ReportError
from fle_testkit.perf.load import Load
from fle_testkit.perf.report import SCHEMA, CommitInfo, MachineInfo, Report


def test_report_shape(make_report) -> None:
    report = make_report(
        {"reset[lua]": [0.1, 0.2, 0.3], "reset[save]": [0.5], "restart": [1.0, 2.0]},
        image="factoriotools/factorio:2.0.55",
        workers=4,
        missing_workers=["gw3"],
    )
    data = json.loads(report.to_json())
    assert data["schema"] == SCHEMA == 2
    assert set(data) == {
        "schema", "version", "machine_info", "commit_info", "datetime", "fle_testkit", "benchmarks", "summary"
    }  # fmt: skip
    assert data["machine_info"]["cpu"] == {"count": 8}
    assert data["commit_info"] == {
        "id": "abc1234567890def",
        "branch": "main",
        "dirty": False,
        "time": "2024-05-01T12:00:00+00:00",
    }
    assert data["datetime"] == "2024-05-01T12:30:00+00:00"
    assert data["fle_testkit"]["backend"] == "embedded"
    assert data["fle_testkit"]["image"] == "factoriotools/factorio:2.0.55"
    assert data["fle_testkit"]["workers"] == 4
    assert data["fle_testkit"]["missing_workers"] == ["gw3"]
    assert data["fle_testkit"]["version"]
    assert [b["name"] for b in data["benchmarks"]] == ["restart", "reset[lua]", "reset[save]"]  # lifecycle order
    first = data["benchmarks"][1]
    assert first["name"] == "reset[lua]" and first["group"] == "reset" and first["unit"] == "s"
    assert first["stats"]["rounds"] == 3 and first["stats"]["median"] == 0.2
    assert set(first["stats"]) >= {"min", "max", "mean", "median", "stddev", "rounds", "p95"}
    # Every field pytest-benchmark's compare, list and histogram read.
    assert set(first["stats"]) >= {"iqr", "q1", "q3", "ld15iqr", "hd15iqr", "ops", "outliers", "iterations"}
    assert {"fullname", "params", "param", "options"} <= set(first)
    assert first["extra_info"] == {"labels": {"worker gw0": 3}}


def test_summary_is_per_phase_with_units_in_keys(make_report) -> None:
    report = make_report({"reset[lua]": [0.1, 0.2], "reset[save]": [0.6], "restart": [1.0]})
    summary = report.summary
    assert summary["reset_s_median"] == 0.2  # over reset[lua] and reset[save]: 0.1, 0.2, 0.6
    assert summary["reset_s_max"] == 0.6
    assert summary["reset_rounds"] == 3
    assert summary["restart_s_p95"] == 1.0
    assert all(key.endswith("_rounds") or "_s_" in key for key in summary)


def test_json_round_trip(make_report, tmp_path: Path) -> None:
    load = Load(foreign_cpus=0.25, own_cpus=1.5, seconds=42.0, cpu_count=2)
    report = make_report({"reset[lua]": [0.1, 0.2], "start[latest]": [3.0]}, missing_workers=["gw1"], load=load)
    path = tmp_path / "0001_run.json"
    path.write_text(report.to_json())
    loaded = Report.load(path)
    assert loaded == report and loaded.run.load == load
    assert loaded.source == path and loaded.name == "0001_run"
    assert report.name == "this run"


def test_report_without_commit_info_round_trips(make_report, tmp_path: Path) -> None:
    report = Report.from_records([], backend="docker", commit_info=CommitInfo(), machine_info=MachineInfo())
    assert report.benchmarks == () and report.summary == {}
    assert Report.from_dict(json.loads(report.to_json())) == report


def test_commit_info_without_git_repository(tmp_path: Path) -> None:
    # tmp_path is no repository (or git is missing): every field None, no error.
    assert CommitInfo.from_git(tmp_path) == CommitInfo()


def test_newer_schema_is_refused_clearly(make_report, tmp_path: Path) -> None:
    data = make_report({"reset": [0.1]}).to_dict()
    data["schema"] = 3
    path = tmp_path / "0001_future.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ReportError) as raised:
        Report.load(path)
    message = str(raised.value)
    assert "0001_future.json" in message and "schema 3" in message and "reads schema 2" in message
    assert "pip install -U fle-testkit" in message


def test_file_without_schema_is_not_a_report(tmp_path: Path) -> None:
    path = tmp_path / "benchmark.json"
    path.write_text(json.dumps({"machine_info": {}, "benchmarks": []}))
    with pytest.raises(ReportError, match="no 'schema' key"):
        Report.load(path)


def test_unreadable_reports(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ReportError, match="is not JSON"):
        Report.load(tmp_path / "bad.json")
    with pytest.raises(ReportError, match="cannot read"):
        Report.load(tmp_path / "absent.json")
    (tmp_path / "partial.json").write_text(json.dumps({"schema": 1, "fle_testkit": {"backend": "embedded"}}))
    with pytest.raises(ReportError, match="'benchmarks'"):
        Report.load(tmp_path / "partial.json")


def test_a_schema_1_report_is_still_read(make_report, tmp_path: Path) -> None:
    data = make_report({"reset": [0.1, 0.3]}).to_dict()
    data["schema"] = 1
    for benchmark in data["benchmarks"]:
        benchmark["extra"] = benchmark.pop("extra_info")
        for key in ("iqr", "q1", "q3", "ld15iqr", "hd15iqr", "ops", "iqr_outliers", "stddev_outliers", "outliers"):
            del benchmark["stats"][key]
    path = tmp_path / "0001_old.json"
    path.write_text(json.dumps(data))
    (benchmark,) = Report.load(path).benchmarks
    assert benchmark.stats.median == pytest.approx(0.2)
    assert benchmark.extra == {"labels": {"worker gw0": 2}}


def test_pytest_benchmark_compares_and_lists_saved_runs(make_report, tmp_path: Path) -> None:
    import subprocess
    import sys

    from fle_testkit.perf.storage import Storage

    storage = Storage(tmp_path / "perf")
    storage.save(make_report({"reset[lua]": [0.001, 0.002], "restart": [0.4]}), name="first")
    storage.save(make_report({"reset[lua]": [0.003, 0.002], "restart": [0.5]}), name="second")
    script = str(Path(sys.executable).with_name("pytest-benchmark"))

    def run(command: str) -> str:
        done = subprocess.run(
            [script, "--storage", f"file://{storage.root}", command], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    compared = run("compare")
    assert "reset[lua] (0001_first)" in compared and "restart (0002_second)" in compared
    assert "0002_second.json" in run("list")


def test_pytest_benchmark_draws_histograms_of_saved_runs(make_report, tmp_path: Path) -> None:
    """``compare --histogram`` (pygal, the ``plots`` extra) reads the quartiles and outlier fences."""
    import subprocess
    import sys

    pytest.importorskip("pygal", reason="the histogram needs pygal: pip install 'fle-testkit[plots]'")
    from fle_testkit.perf.storage import Storage

    storage = Storage(tmp_path / "perf")
    storage.save(make_report({"reset[lua]": [0.001, 0.002, 0.0015], "restart": [0.4, 0.45]}), name="first")
    storage.save(make_report({"reset[lua]": [0.003, 0.002, 0.0025], "restart": [0.5, 0.42]}), name="second")
    script = str(Path(sys.executable).with_name("pytest-benchmark"))
    prefix = tmp_path / "charts" / "runs"
    prefix.parent.mkdir()
    done = subprocess.run(
        [script, "--storage", f"file://{storage.root}", "compare", f"--histogram={prefix}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    charts = sorted(prefix.parent.glob("*.svg"))
    assert charts, done.stdout
    drawn = "".join(chart.read_text() for chart in charts)
    assert "reset[lua]" in drawn and "restart" in drawn


def test_a_trajectorys_game_time_resets_and_restarts_reach_its_extra_info(make_report) -> None:
    """A trajectory record carries figures beside its wall time; the report sums them and gives the wall
    time per game second, and they survive the records' JSON form (how workers hand them over)."""
    from dataclasses import asdict

    from fle_testkit.timings import Timings

    timings = Timings(label="worker gw0")
    timings.add("trajectory", 6.0, 1_700_000_000.0, "iron", {"game_s": 120.0, "resets": 0, "restarts": 1})
    timings.add("trajectory", 4.0, 1_700_000_010.0, "iron", {"game_s": 80.0, "resets": 1, "restarts": 0})
    timings.add("reset", 0.1, 1_700_000_020.0, "lua")
    records = [asdict(record) for record in timings.records]
    report = make_report(records)
    trajectory = report.benchmark("trajectory[iron]")
    assert trajectory is not None
    assert trajectory.extra == {
        "labels": {"worker gw0": 2},
        "game_s": 200.0,
        "resets": 1.0,
        "restarts": 1.0,
        "wall_per_game_s": 10.0 / 200.0,
    }
    reset = report.benchmark("reset[lua]")
    assert reset is not None and reset.extra == {"labels": {"worker gw0": 1}}  # (no figures: none added)
