from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fle_testkit.cli import main
from fle_testkit.perf.storage import Storage

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def storage(tmp_path: Path, make_report) -> Storage:
    """Two saved runs: 0001_base, then 0002_slow with a 20 % slower reset[save] median."""
    storage = Storage(tmp_path / "perf", machine="test-machine")
    storage.save(make_report({"reset[save]": [0.1, 0.1], "restart": [1.0] * 3}), name="base")
    storage.save(make_report({"reset[save]": [0.12, 0.12], "restart": [0.9] * 3}), name="slow")
    return storage


@pytest.fixture
def history(tmp_path: Path, make_report) -> Storage:
    """Four steady runs of one kind (reset[save] 100 ms +- 1 %), then 0005_slow: reset[save] 50 % slower."""
    storage = Storage(tmp_path / "history", machine="test-machine")
    for number, median in enumerate([0.100, 0.101, 0.099, 0.100], start=1):
        storage.save(make_report({"reset[save]": [median] * 3, "restart": [1.0] * 3}), name=f"steady{number}")
    storage.save(make_report({"reset[save]": [0.15] * 3, "restart": [0.9] * 3}), name="slow")
    return storage


def run(storage: Storage, *args: str) -> int:
    return main(["perf", *args, "--storage", str(storage.root), "--machine-id", storage.machine])


def test_list(storage: Storage, capsys) -> None:
    assert run(storage, "list") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == str(storage.directory)
    assert out[1].split()[0] == "0001_base" and "embedded" in out[1] and "2 benchmarks" in out[1]
    assert out[2].split()[0] == "0002_slow"


def test_list_with_nothing_saved(tmp_path: Path, capsys) -> None:
    assert main(["perf", "list", "--storage", str(tmp_path), "--machine-id", "m"]) == 0
    assert capsys.readouterr().out.startswith("no saved runs in ")


def test_report_latest_with_markdown_and_chart(storage: Storage, tmp_path: Path, capsys) -> None:
    pytest.importorskip("matplotlib")
    markdown, png = tmp_path / "report.md", tmp_path / "chart.png"
    assert run(storage, "report", "--markdown", str(markdown), "--chart", str(png)) == 0
    out = capsys.readouterr().out
    assert out.startswith("0002_slow: embedded, 2 workers")
    assert "reset[save]" in out and "120.000 ms" in out
    assert markdown.read_text().startswith("# fle-testkit perf report: 0002_slow")
    assert png.read_bytes()[:8] == PNG_MAGIC


def test_report_by_number_to_stdout_is_markdown_only(storage: Storage, capsys) -> None:
    assert run(storage, "report", "1", "--markdown", "-") == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("# fle-testkit perf report: 0001_base")  # nothing but Markdown
    assert "100.000 ms" in captured.out
    assert captured.err.startswith("0001_base: embedded, 2 workers")  # the table for people goes aside


def test_compare_to_stdout_is_markdown_only(storage: Storage, capsys) -> None:
    assert run(storage, "compare", "1", "2", "--markdown", "-") == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("# fle-testkit perf: 0002_slow against 0001_base")
    assert captured.err.startswith("0002_slow against 0001_base")


def test_compare_fails_on_a_regression_beyond_the_run_to_run_noise(history: Storage, capsys) -> None:
    assert run(history, "compare", "4", "5", "--fail", "median:10%") == 1
    out = capsys.readouterr().out
    assert out.startswith("0005_slow against 4 runs (0001_steady1 .. 0004_steady4); family-wise alpha 0.01")
    assert "Performance has regressed:\n\treset[save] - median:10%: 99.997 ms -> 150.000 ms (1.50x" in out
    assert "restart" in out and "\trestart -" not in out  # restart got faster


def test_compare_passes_within_the_rule(history: Storage, capsys) -> None:
    assert run(history, "compare", "4", "--fail", "median:60%") == 0  # CURRENT defaults to the latest
    out = capsys.readouterr().out
    assert "within limit" in out and "regressed" not in out


def test_compare_with_too_few_baseline_runs_is_inconclusive(storage: Storage, capsys) -> None:
    assert run(storage, "compare", "1", "2", "--fail", "median:10%") == 0
    out = capsys.readouterr().out
    assert "Inconclusive (2): not judged, neither passed nor failed:" in out
    assert "1 baseline run measured it; 3 needed" in out


def test_compare_with_a_bad_rule_is_a_usage_error(storage: Storage, capsys) -> None:
    assert run(storage, "compare", "1", "2", "--fail", "median10%") == 2
    err = capsys.readouterr().err
    assert err.startswith("fle-testkit: error: --fail: rule 'median10%' is not understood")


def test_unknown_run_is_an_error(storage: Storage, capsys) -> None:
    assert run(storage, "report", "7") == 2
    assert "no saved perf run number 7" in capsys.readouterr().err


def test_missing_command_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["perf"])
    assert exited.value.code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["perf", "--help"],
        ["perf", "report", "--help"],
        ["perf", "compare", "--help"],
        ["perf", "list", "--help"],
    ],
)
def test_help_everywhere(args: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("usage: fle-testkit")


def test_console_script_is_installed(history: Storage) -> None:
    script = Path(sys.executable).with_name("fle-testkit")
    done = subprocess.run(
        [
            str(script),
            "perf",
            "compare",
            "4",
            "5",
            "--fail",
            "median:10%",
            "--storage",
            str(history.root),
            "--machine-id",
            history.machine,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "Performance has regressed:" in done.stdout
