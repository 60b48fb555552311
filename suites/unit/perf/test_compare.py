from __future__ import annotations

import pytest

from fle_testkit.errors import ConfigurationError
from fle_testkit.perf.compare import DifferenceRegressionCheck, PercentageRegressionCheck, parse_rule


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
