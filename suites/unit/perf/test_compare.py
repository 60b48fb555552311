from __future__ import annotations

import math

import pytest

from fle_testkit.errors import ConfigurationError
from fle_testkit.perf.compare import (
    HEADING,
    DifferenceRegressionCheck,
    PercentageRegressionCheck,
    compare,
    format_regressions,
    parse_rule,
    regressions,
)
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


def test_slower_median_fails_a_percentage_rule(make_report) -> None:
    baseline = _named(make_report({"reset[save]": [0.1, 0.1, 0.1]}), "0003_abc")
    current = make_report({"reset[save]": [0.12, 0.12, 0.12]})
    found = regressions(current, baseline, ["median:10%"])
    assert len(found) == 1
    assert found[0].value == pytest.approx(20.0)
    assert format_regressions(found) == (
        "Performance has regressed:\n"
        "\treset[save] (0003_abc) - Field 'median' has failed PercentageRegressionCheck: "
        "20.000% > 10.000% (0.100000s -> 0.120000s)"
    )
    assert format_regressions(found).splitlines()[0] == HEADING == "Performance has regressed:"


def test_faster_run_passes(make_report) -> None:
    baseline = make_report({"reset[save]": [0.1, 0.1]})
    current = make_report({"reset[save]": [0.05, 0.05]})
    assert regressions(current, baseline, ["median:10%", "p95:0.001", "max:0%"]) == []
    assert format_regressions([]) == ""


def test_difference_rule(make_report) -> None:
    baseline = _named(make_report({"restart": [1.0, 2.0]}), "0001_base")
    current = make_report({"restart": [1.0, 2.1]})
    assert regressions(current, baseline, ["max:0.2"]) == []
    (found,) = regressions(current, baseline, ["max:0.05"])
    assert found.line() == (
        "restart (0001_base) - Field 'max' has failed DifferenceRegressionCheck: "
        "0.100000s > 0.050000s (2.000000s -> 2.100000s)"
    )


def test_zero_baseline_counts_as_infinitely_slower(make_report) -> None:
    baseline = make_report({"reset": [0.0]})
    current = make_report({"reset": [0.01]})
    (found,) = regressions(current, baseline, ["median:10%"])
    assert math.isinf(found.value)


def test_missing_benchmarks_are_reported_not_failed(make_report) -> None:
    baseline = _named(make_report({"reset[lua]": [0.1], "reset[save]": [0.2]}), "0003_abc")
    current = make_report({"reset[lua]": [0.1], "start[latest]": [1.0]})
    comparison = compare(current, baseline, ["median:10%"])
    assert comparison.only_in_baseline == ("reset[save]",)
    assert comparison.only_in_current == ("start[latest]",)
    assert not comparison.failed
    assert [change.name for change in comparison.changes] == ["reset[lua]"]
    assert comparison.lines() == [
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
