"""The perf verdict on synthetic runs: drift is not a regression, a real slowdown is, too few runs is neither."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest

from fle_testkit.perf.load import Load
from fle_testkit.perf.report import Report
from fle_testkit.perf.verdict import FASTER, INCONCLUSIVE, NOT_SIGNIFICANT, REGRESSED, WITHIN, judge

MakeReport = Callable[..., Report]


def runs(make_report: MakeReport, medians: list[float], name: str = "start[latest]") -> list[Report]:
    """One saved run per median (three samples around it, so the run's median is exactly it)."""
    return [make_report({name: [m * 0.9, m, m * 1.1]}) for m in medians]


def test_drift_between_runs_is_not_a_regression(make_report: MakeReport) -> None:
    # The machine's speed wanders by a third from run to run; this run is 25 % over the mean.
    baselines = runs(make_report, [0.30, 0.42, 0.28, 0.38, 0.33])
    current = runs(make_report, [0.42])[0]
    judged = judge(current, baselines, ["median:10%"]).judged[0]
    assert judged.beyond_limit and judged.verdict == NOT_SIGNIFICANT
    assert judged.low < 1 < judged.high  # no change would land as far


def test_a_slowdown_far_beyond_the_run_to_run_spread_is_a_regression(make_report: MakeReport) -> None:
    baselines = runs(make_report, [0.300, 0.306, 0.297, 0.303, 0.301])
    current = runs(make_report, [0.70])[0]  # a start made 0.4 s slower
    judgement = judge(current, baselines, ["median:10%"])
    (judged,) = judgement.judged
    assert judged.verdict == REGRESSED and judgement.failed
    assert judged.ratio == pytest.approx(0.70 / judged.baseline)
    assert judged.low > 1  # even the prediction interval's low end is slower


def test_too_few_baseline_runs_is_inconclusive_never_a_pass_or_a_fail(make_report: MakeReport) -> None:
    baselines = runs(make_report, [0.3, 0.3])
    judgement = judge(runs(make_report, [3.0])[0], baselines, ["median:10%"])
    (judged,) = judgement.judged
    assert judged.verdict == INCONCLUSIVE and not judgement.failed
    assert "2 baseline runs measured it; 3 needed" in judged.reason
    assert judgement.inconclusive == (judged,)


def test_a_benchmark_missing_from_older_runs_counts_only_the_runs_that_measured_it(make_report: MakeReport) -> None:
    baselines = [*runs(make_report, [0.3, 0.3, 0.3]), make_report({"restart": [1.0] * 3})]
    current = make_report({"start[latest]": [0.3] * 3, "restart": [1.0] * 3})
    verdicts = {j.benchmark: (j.runs, j.verdict) for j in judge(current, baselines, ["median:10%"]).judged}
    assert verdicts == {"start[latest]": (3, WITHIN), "restart": (1, INCONCLUSIVE)}


def test_faster_and_within_the_limit_pass(make_report: MakeReport) -> None:
    baselines = runs(make_report, [0.300, 0.306, 0.297, 0.303, 0.301])
    faster = judge(runs(make_report, [0.1])[0], baselines, ["median:10%"]).judged[0]
    slightly = judge(runs(make_report, [0.315])[0], baselines, ["median:10%"]).judged[0]
    assert (faster.verdict, slightly.verdict) == (FASTER, WITHIN)


def test_an_absolute_limit_is_a_difference_in_seconds(make_report: MakeReport) -> None:
    baselines = runs(make_report, [0.300, 0.306, 0.297, 0.303, 0.301])
    current = runs(make_report, [0.34])[0]  # +40 ms, clearly out of the noise
    assert judge(current, baselines, ["median:0.05"]).judged[0].verdict == WITHIN
    assert judge(current, baselines, ["median:30ms"]).judged[0].verdict == REGRESSED


def test_testing_many_phases_at_once_raises_the_bar_for_each(make_report: MakeReport) -> None:
    history = [0.300, 0.330, 0.285, 0.315, 0.300]
    slower = 0.39  # significant alone, not among many
    names = [f"reset[p{i}]" for i in range(15)]
    baselines = [make_report({name: [m] * 3 for name in names}) for m in history]
    alone = judge(make_report({names[0]: [slower] * 3}), baselines, ["median:10%"]).judged[0]
    current = make_report({name: [slower if name == names[0] else 0.3] * 3 for name in names})
    among = next(j for j in judge(current, baselines, ["median:10%"]).judged if j.benchmark == names[0])
    assert alone.verdict == REGRESSED
    assert among.verdict == NOT_SIGNIFICANT
    assert among.p_value == pytest.approx(alone.p_value)


def test_a_and_a_runs_raise_few_false_alarms(make_report: MakeReport) -> None:
    """Runs drawn alike (run-to-run noise of 30 %, 15 phases, 5 baseline runs): the family-wise
    false-alarm rate stays near alpha (1 %), where a per-phase test would alarm in ~15 % of comparisons."""
    generator = random.Random(20261205)
    phases = [f"phase{i}" for i in range(15)]
    alarms, comparisons = 0, 300

    def draw() -> Report:
        return make_report({p: [0.3 * math.exp(generator.gauss(0, 0.3))] * 3 for p in phases})

    for _ in range(comparisons):
        baselines = [draw() for _ in range(5)]
        alarms += judge(draw(), baselines, ["median:10%"]).failed
    assert alarms / comparisons <= 0.03


def test_a_zero_time_is_inconclusive_not_infinitely_slower(make_report: MakeReport) -> None:
    baselines = [make_report({"reset": [0.0] * 3}) for _ in range(3)]
    judged = judge(make_report({"reset": [0.01] * 3}), baselines, ["median:10%"]).judged[0]
    assert judged.verdict == INCONCLUSIVE and "zero time" in judged.reason


def test_runs_that_differ_say_how_and_what_this_run_did_not_measure(make_report: MakeReport) -> None:
    from dataclasses import replace

    from fle_testkit.perf.render import judgement_lines, judgement_markdown

    baselines = [
        make_report({"reset[lua]": [0.001] * 3, "reset[save]": [0.3] * 3}, workers=1, suite=["suites/unit/test_x.py"])
        for _ in range(3)
    ]
    current = make_report(
        {"reset[lua]": [0.001] * 3, "start[latest]": [1.0] * 3}, workers=8, suite=["suites/functional"]
    )
    current = replace(current, machine_info=replace(current.machine_info, cpu_count=2))
    judgement = judge(current, baselines, ["median:10%"])
    assert judgement.differences == (
        "suite: suites/unit/test_x.py -> suites/functional",
        "workers: 1 -> 8",
        "machine cpu_count: 8 -> 2",
    )
    assert judgement.only_in_baseline == ("reset[save]",)
    assert [(j.benchmark, j.verdict) for j in judgement.judged] == [
        ("start[latest]", INCONCLUSIVE),
        ("reset[lua]", WITHIN),
    ]
    lines = judgement_lines(judgement)
    assert lines[1:3] == [
        "The runs differ (not like with like):",
        "\tsuite: suites/unit/test_x.py -> suites/functional",
    ]
    assert lines[-2:] == ["In the baseline runs, not measured in this run:", "\treset[save]"]
    text = judgement_markdown(judgement)
    assert "- workers: 1 -> 8" in text and "- `reset[save]`" in text
    assert judge(current, [current] * 3, ["median:10%"]).differences == ()


def test_too_few_rounds_in_this_run_is_inconclusive_and_thin_baseline_runs_do_not_count(
    make_report: MakeReport,
) -> None:
    baselines = [*runs(make_report, [0.300, 0.306, 0.297]), make_report({"start[latest]": [9.0]})]  # 1 round
    current = make_report({"start[latest]": [3.0, 3.0]})
    (judged,) = judge(current, baselines, ["median:10%"]).judged
    assert judged.verdict == INCONCLUSIVE and "2 rounds in this run; 3 needed" in judged.reason
    (enough,) = judge(make_report({"start[latest]": [3.0] * 3}), baselines, ["median:10%"]).judged
    assert enough.verdict == REGRESSED and enough.runs == 3  # the 1-round baseline run is left out
    assert enough.baseline == pytest.approx(0.301, rel=0.01)


def test_the_plugins_default_baseline_is_the_verdicts() -> None:
    """settings may not import perf (one layer), so the default is written twice: they must agree."""
    from fle_testkit.perf.verdict import DEFAULT_RUNS
    from fle_testkit.settings import BY_NAME

    assert BY_NAME["perf_baseline_runs"].default == DEFAULT_RUNS


def quiet(others: float = 0.1) -> Load:
    return Load(foreign_cpus=others, own_cpus=1.5, seconds=60.0, cpu_count=2)


def test_a_slowdown_on_a_busier_machine_than_the_baseline_runs_is_inconclusive(make_report: MakeReport) -> None:
    medians = [0.300, 0.306, 0.297, 0.303, 0.301]
    baselines = [
        make_report({"restart": [m] * 3}, load=quiet(others))
        for m, others in zip(medians, (0, 0.1, 0.3, 0, 0), strict=True)
    ]
    shared = make_report({"restart": [0.70] * 3}, load=quiet(0.6))  # others took 0.3 of the 2 CPUs more
    judgement = judge(shared, baselines, ["median:10%"])
    (judged,) = judgement.judged
    assert judged.verdict == INCONCLUSIVE and not judgement.failed
    assert "2.32x slower" in judged.reason and "busier machine" in judged.reason
    assert judgement.busier == "other processes used 0.60 of 2 CPUs during this run (at most 0.30 in the baseline runs)"


@pytest.mark.parametrize(
    ("others_now", "others_before"),
    [(0.5, 0.3), (None, 0.0), (2.0, None)],
    ids=["within a tenth of the machine", "this run unmeasured", "baseline runs unmeasured"],
)
def test_a_slowdown_is_still_a_regression_unless_the_machine_was_known_to_be_busier(
    make_report: MakeReport, others_now: float | None, others_before: float | None
) -> None:
    medians = [0.300, 0.306, 0.297, 0.303, 0.301]
    before = None if others_before is None else quiet(others_before)
    baselines = [make_report({"restart": [m] * 3}, load=before) for m in medians]
    current = make_report({"restart": [0.70] * 3}, load=None if others_now is None else quiet(others_now))
    judgement = judge(current, baselines, ["median:10%"])
    assert judgement.judged[0].verdict == REGRESSED and judgement.busier is None
