from __future__ import annotations

import pytest

from fle_testkit.errors import ConfigurationError
from fle_testkit.perf.compare import DifferenceRegressionCheck, PercentageRegressionCheck, compare, parse_rule
from fle_testkit.perf.report import Report


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("median:10%", PercentageRegressionCheck("median", 10.0)),
        ("p95:2.5%", PercentageRegressionCheck("p95", 2.5)),
        ("median:0.05", DifferenceRegressionCheck("median", 0.05)),
        ("max:1s", DifferenceRegressionCheck("max", 1.0)),
        ("mean:50ms", DifferenceRegressionCheck("mean", 0.05)),
        (" min:.5 ", DifferenceRegressionCheck("min", 0.5)),
    ],
)
def test_parse_rule(text: str, rule: object) -> None:
    assert parse_rule(text) == rule


@pytest.mark.parametrize("text", ["median", "median10%", "median:-5%", "median:ten%", "10%", "median:10%%", ""])
def test_parse_rule_refuses_bad_forms(text: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        parse_rule(text)
    message = str(raised.value)
    assert repr(text) in message and "--perf-compare-fail" in message
    assert "FIELD:N%" in message and "min, max, mean, median, p95" in message


def test_parse_rule_refuses_an_unknown_field() -> None:
    with pytest.raises(ConfigurationError, match="names field 'stddev', which cannot be compared"):
        parse_rule("stddev:10%", source="--fail")


def _named(report: Report, name: str) -> Report:
    from pathlib import Path

    return report.with_source(Path(f"/runs/{name}.json"))


def test_missing_benchmarks_are_reported_not_failed(make_report) -> None:
    baseline = _named(make_report({"reset[lua]": [0.1], "reset[save]": [0.2]}), "0003_abc")
    current = make_report({"reset[lua]": [0.1], "start[latest]": [1.0]})
    comparison = compare(current, baseline)
    assert comparison.only_in_baseline == ("reset[save]",)
    assert comparison.only_in_current == ("start[latest]",)
    assert [change.name for change in comparison.changes] == ["reset[lua]"]
    assert comparison.missing_lines() == [
        "Benchmarks not compared:",
        "\treset[save] (0003_abc) - in the baseline, not measured in this run",
        "\tstart[latest] (0003_abc) - measured in this run, not in the baseline",
    ]


def test_comparison_changes_every_field(make_report) -> None:
    baseline = make_report({"reset": [0.1, 0.2, 0.3]})
    current = make_report({"reset": [0.2, 0.4, 0.6]})
    (change,) = compare(current, baseline).changes
    assert set(change.fields) == {"min", "max", "mean", "median", "p95"}
    assert change.change_of("median").percent == pytest.approx(100.0)
    assert change.change_of("max").seconds == pytest.approx(0.3)


def test_runs_of_different_kinds_say_how_they_differ(make_report) -> None:
    from dataclasses import replace

    baseline = make_report({"reset[lua]": [0.001]}, workers=1, suite=["suites/unit/test_x.py"])
    current = make_report({"reset[lua]": [0.001]}, workers=8, suite=["suites/functional"])
    current = replace(current, machine_info=replace(current.machine_info, cpu_count=2))
    comparison = compare(current, baseline)
    assert comparison.differences == (
        "suite: suites/unit/test_x.py -> suites/functional",
        "workers: 1 -> 8",
        "machine cpu_count: 8 -> 2",
    )
    assert compare(current, current).differences == ()
    from fle_testkit.perf.render import comparison_lines, comparison_markdown

    assert comparison_lines(comparison)[1:3] == [
        "The runs differ (not like with like):",
        "\tsuite: suites/unit/test_x.py -> suites/functional",
    ]
    assert "- workers: 1 -> 8" in comparison_markdown(comparison)
