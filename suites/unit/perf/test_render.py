from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fle_testkit.perf.errors import PlotsUnavailable
from fle_testkit.perf.render import chart, format_seconds, markdown, table_lines
from fle_testkit.perf.stats import Stats

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_format_seconds() -> None:
    assert format_seconds(0.0123) == "12.300 ms"
    assert format_seconds(2.5) == "2.500 s"
    assert format_seconds(None) == "-"


def test_table_with_budgets() -> None:
    stats = {
        "reset[lua]": Stats.of([0.1, 0.2, 0.3]),
        "reset[save]": Stats.of([0.5, 0.7]),
        "restart": Stats.of([2.0]),
    }
    lines = table_lines(stats, budgets={"reset": 0.6, "reset[lua]": 0.25})
    assert lines[0].split() == ["benchmark", "count", "median", "p95", "max", "budget"]
    lua, save, restart = lines[1:]
    assert lua.split()[:2] == ["reset[lua]", "3"] and lua.endswith("250.000 ms over")  # own budget wins
    assert save.endswith("600.000 ms over")  # its phase's budget; max 0.7 exceeds it
    assert restart.split() == ["restart", "1", "2.000", "s", "2.000", "s", "2.000", "s", "-"]
    assert table_lines({}) == ["no timings recorded"]


def test_table_of_a_report_without_budgets(make_report) -> None:
    lines = table_lines(make_report({"reset": [0.1]}))
    assert lines[1].split()[-1] == "-"


def test_markdown_of_a_report(make_report) -> None:
    report = make_report(
        {"reset[lua]": [0.1, 0.2], "restart": [1.5]}, image="factorio:2.0", workers=3, missing_workers=["gw2"]
    )
    text = markdown(report)
    assert text.startswith("# fle-testkit perf report: this run\n")
    assert "| backend | embedded |" in text
    assert "| image | factorio:2.0 |" in text
    assert "| workers | 3 (no timings from gw2) |" in text
    assert "| commit | `abc12345` (main) |" in text
    assert "| benchmark | rounds | min | median | mean | p95 | max | stddev |" in text
    assert "| `reset[lua]` | 2 | 100.000 ms | 150.000 ms |" in text
    assert "| `restart` | 1 | 1.500 s |" in text


def test_judgement_shows_both_medians_the_ratio_its_interval_and_the_verdict(make_report) -> None:
    from fle_testkit.perf.render import judgement_lines, judgement_markdown
    from fle_testkit.perf.verdict import judge

    baselines = [
        make_report({"reset[save]": [m] * 3}).with_source(Path(f"000{i}_b.json"))
        for i, m in enumerate([0.100, 0.101, 0.099], start=1)
    ]
    judgement = judge(make_report({"reset[save]": [0.2] * 3, "restart": [1.0] * 3}), baselines, ["median:10%"])
    lines = judgement_lines(judgement)
    assert lines[0] == "this run against 3 runs (0001_b .. 0003_b); family-wise alpha 0.01"
    assert lines[1].split() == [
        "benchmark",
        "rule",
        "baseline",
        "this",
        "run",
        "ratio",
        "95%",
        "if",
        "unchanged",
        "verdict",
    ]
    row = next(line for line in lines if line.startswith("reset[save]")).split()
    assert row[:6] == ["reset[save]", "median:10%", "99.997", "ms", "200.000", "ms"]  # the geometric mean
    assert row[6] == "2.00x" and row[-1] == "REGRESSED"
    assert "Inconclusive (1): not judged, neither passed nor failed:" in lines
    text = judgement_markdown(judgement)
    assert "## Performance has regressed" in text and "## Inconclusive" in text


def test_chart_is_a_png(make_report, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    runs = [
        make_report({"reset[lua]": [0.1, 0.2], "reset[save]": [0.3, 0.5], "restart": [1.0, 1.4]}),
        make_report({"reset[lua]": [0.12, 0.2], "restart": [1.1, 1.2]}),
        make_report({"spawn": [1.0]}),
    ]
    path = chart(runs, tmp_path / "perf.png", labels=["0001", "0002", "0003"])
    assert path == tmp_path / "perf.png"
    assert path.read_bytes()[:8] == PNG_MAGIC


def test_chart_axes_are_logarithmic_dated_and_the_legend_is_beside_the_data(make_report) -> None:
    pytest.importorskip("matplotlib")
    from fle_testkit.perf.render import chart_figure

    runs = [make_report({"reset[lua]": [0.001, 0.002], "reset[save]": [0.9, 1.1], "restart": [1.0]})] * 2
    figure = chart_figure(runs, labels=["0001", "0002"])
    reset, restart = figure.axes
    assert reset.get_yscale() == "log" and restart.get_yscale() == "log"
    assert [tick.get_text() for tick in restart.get_xticklabels()] == ["0001\n2024-05-01", "0002\n2024-05-01"]
    legend = reset.get_legend()
    assert [text.get_text() for text in legend.get_texts()] == ["reset[lua]", "reset[save]"]
    anchor_x = legend.get_bbox_to_anchor().transformed(reset.transAxes.inverted()).x0
    assert anchor_x > 1.0  # right of the panel, over no data


def test_chart_without_matplotlib_says_what_to_install(make_report, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(PlotsUnavailable, match=r"pip install 'fle-testkit\[plots\]'"):
        chart([make_report({"reset": [0.1]})], tmp_path / "perf.png")
    assert not (tmp_path / "perf.png").exists()
