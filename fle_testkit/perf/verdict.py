"""Whether a run regressed: beyond a rule's limit *and* beyond the run-to-run noise.

Why this method. On a shared CI machine most of the noise lies *between*
runs: the whole machine is slower for a while (other jobs, thermal limits,
a neighbour's disk), so every sample of one run shifts together. A test of
one run's samples against another run's (Mann-Whitney, a t-test on the
samples) sees thousands of samples, a tiny standard error, and calls that
drift significant: an A/A run fails. So the unit of evidence here is the run.

For each benchmark and each rule's field (the median, say), the baseline is
that field in each of the last K saved runs of the same kind (suite, backend,
image, workers). On a log scale (times are positive, noise multiplies, rules
speak of ratios) the K values estimate the run-to-run mean and spread; under
"no change" the current run's value is one more draw, so

    t = (ln current - mean(ln baseline)) / (s * sqrt(1 + 1/K))

follows Student's t (a prediction test: the spread s includes drift and each
run's own sampling noise). With K - 1 = 4 degrees of freedom alone, and a
correction for ~15 tests, the bar would sit at 7 spreads: nothing short of a
collapse could pass it. But drift is the machine's, shared by every phase of
a run, so the phases' spreads are alike: each benchmark's variance is shrunk
toward the mean variance of the comparison's benchmarks, a prior worth
``PRIOR_DF`` degrees of freedom (Smyth's moderated t, 2004, as limma uses for
many genes measured on few arrays), and t has K - 1 + ``PRIOR_DF`` of them.
A benchmark
*regressed* when its change is beyond the rule's limit (the ratio of the
current value to the baseline's geometric mean, or their difference in
seconds) *and* the one-sided p-value for "slower" survives Holm's step-down
correction at ``alpha`` over every test made in the comparison (~15 phases,
times the rules): the chance of one false alarm in a whole A/A comparison is
at most ``alpha``, not ``alpha`` per phase.

A run that other processes shared more than its baseline runs did
(``load.busier``) cannot tell a regression from a busier machine: what would
have regressed is inconclusive, and says why.

Fewer than ``min_runs`` baseline runs (the spread cannot be estimated) makes a
benchmark *inconclusive*: printed as such, never a pass or a fail in disguise.
The printed interval is the 95 % prediction interval of the ratio: where the
current value would fall, relative to the baseline, with no change at all.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from .compare import DifferenceRegressionCheck, Rule, parse_rule
from .load import busier
from .report import Report, differences

DEFAULT_ALPHA = 0.01  # family-wise: the chance of any false alarm in one comparison
DEFAULT_RUNS = 10  # baseline runs of the same kind, K (20 A/A trials: 0 false alarms at 10, 1 at 5)
MIN_RUNS = 3  # two degrees of freedom: fewer and the spread is a guess
# Rounds a run must have measured of a benchmark for its statistics to count (in this run and in
# each baseline run): one or two samples make a median that is just those samples, and a run of
# fewer rounds than its baselines varies more than they predict. Phases a suite hits rarely are
# repeated in suites/perf (test_reset_restart.py) to reach it.
MIN_ROUNDS = 3
# The least run-to-run spread assumed (1 % on a log scale): K identical values
# (a coarse clock, synthetic data) would otherwise make any change "certain".
MIN_LOG_SPREAD = 0.01
INTERVAL = 0.95
# How much the pooled run-to-run variance weighs against a benchmark's own, in
# degrees of freedom: as much as 9 runs of its own. Chosen, not estimated (limma
# estimates it from the data): with ~15 phases there is too little data for that.
PRIOR_DF = 8
DISPLAY_RULE = "median:10%"  # what a comparison without rules judges by, to show a verdict (nothing fails)

REGRESSED, NOT_SIGNIFICANT, WITHIN, FASTER, INCONCLUSIVE = (
    "regressed",
    "slower, within noise",
    "within limit",
    "faster",
    "inconclusive",
)


@dataclass(frozen=True)
class Judged:
    """One benchmark under one rule: the values compared, the ratio and its interval, the verdict."""

    benchmark: str
    rule: Rule
    baseline: float  # geometric mean of the field over the baseline runs, seconds
    current: float
    runs: int  # baseline runs that measured this benchmark
    ratio: float
    low: float  # 95 % prediction interval of the ratio under "no change"
    high: float
    p_value: float  # one-sided, "slower"; nan when inconclusive
    beyond_limit: bool
    verdict: str
    reason: str = ""


@dataclass(frozen=True)
class Judgement:
    """A run against its baseline runs: every benchmark judged, and how the runs differ."""

    current_name: str
    baseline_names: tuple[str, ...]
    judged: tuple[Judged, ...]
    alpha: float
    differences: tuple[str, ...] = ()  # how this run and the newest baseline run differ (report.differences)
    only_in_baseline: tuple[str, ...] = ()  # measured by the baseline runs, not by this run (-k, say)
    busier: str | None = None  # how much more other processes took of the machine than in the baseline runs

    @property
    def regressions(self) -> tuple[Judged, ...]:
        return tuple(j for j in self.judged if j.verdict == REGRESSED)

    @property
    def inconclusive(self) -> tuple[Judged, ...]:
        return tuple(j for j in self.judged if j.verdict == INCONCLUSIVE)

    @property
    def failed(self) -> bool:
        return bool(self.regressions)


def judge(
    current: Report,
    baselines: Sequence[Report],
    rules: Iterable[Rule | str],
    *,
    alpha: float = DEFAULT_ALPHA,
    min_runs: int = MIN_RUNS,
    min_rounds: int = MIN_ROUNDS,
) -> Judgement:
    """Judge ``current`` against ``baselines`` (oldest first) under ``rules`` (``median:10%``...).

    Baseline runs that measured a benchmark in fewer than ``min_rounds`` rounds do not count for it;
    a current run that did makes it inconclusive."""
    parsed = [parse_rule(rule) if isinstance(rule, str) else rule for rule in rules]
    pending: list[tuple[str, Rule, list[float], float]] = []
    too_few: dict[str, int] = {}
    for benchmark in current.benchmarks:
        if benchmark.stats.rounds < min_rounds:
            too_few[benchmark.name] = benchmark.stats.rounds
        for rule in parsed:
            history = [
                getattr(found.stats, rule.field)
                for report in baselines
                if (found := report.benchmark(benchmark.name)) is not None and found.stats.rounds >= min_rounds
            ]
            pending.append((benchmark.name, rule, history, getattr(benchmark.stats, rule.field)))
    pooled = _pooled_variance([history for name, _, history, _ in pending if name not in too_few], min_runs)
    raw = [
        _few_rounds(name, rule, history, value, too_few[name], min_rounds)
        if name in too_few
        else _test(name, rule, history, value, min_runs, pooled)
        for name, rule, history, value in pending
    ]
    judged = _holm(raw, alpha)
    machine = busier(current.run.load, [report.run.load for report in baselines])
    if machine is not None:
        judged = [_not_told_apart(test) if test.verdict == REGRESSED else test for test in judged]
    latest = baselines[-1] if baselines else None
    measured = set(current.names)
    before = dict.fromkeys(name for report in baselines for name in report.names if name not in measured)
    return Judgement(
        current_name=current.name,
        baseline_names=tuple(report.name for report in baselines),
        judged=tuple(judged),
        alpha=alpha,
        differences=tuple(differences(current, latest)) if latest is not None else (),
        only_in_baseline=tuple(before),
        busier=machine,
    )


def _not_told_apart(test: Judged) -> Judged:
    """A regression measured on a busier machine than its baseline runs': inconclusive, saying both."""
    reason = f"{test.ratio:.2f}x slower (p={test.p_value:.2g}), but on a busier machine than its baseline runs"
    return replace(test, verdict=INCONCLUSIVE, reason=reason)


def _few_rounds(name: str, rule: Rule, history: list[float], current: float, rounds: int, needed: int) -> Judged:
    reason = f"{rounds} round{'s' if rounds != 1 else ''} in this run; {needed} needed (repeat it in suites/perf)"
    return _inconclusive(name, rule, history, current, reason)


def _inconclusive(name: str, rule: Rule, history: list[float], current: float, reason: str) -> Judged:
    positive = [value for value in history if value > 0]
    baseline = math.exp(statistics.fmean(map(math.log, positive))) if positive else math.nan
    ratio = current / baseline if baseline and baseline > 0 else math.nan
    nan = math.nan
    return Judged(name, rule, baseline, current, len(history), ratio, nan, nan, nan, False, INCONCLUSIVE, reason)


def _log_variance(history: list[float]) -> float:
    return max(statistics.variance([math.log(value) for value in history]), MIN_LOG_SPREAD**2)


def _pooled_variance(histories: list[list[float]], min_runs: int) -> float | None:
    """The mean run-to-run variance (log scale) of the benchmarks that can be judged; None if none."""
    usable = [_log_variance(h) for h in histories if len(h) >= min_runs and all(value > 0 for value in h)]
    return statistics.fmean(usable) if usable else None


def _test(name: str, rule: Rule, history: list[float], current: float, min_runs: int, pooled: float | None) -> Judged:
    runs = len(history)
    positive = [value for value in history if value > 0]
    if runs < min_runs or len(positive) < runs or current <= 0:
        reason = (
            f"{runs} baseline run{'s' if runs != 1 else ''} measured it; {min_runs} needed to know the run-to-run spread"
            if runs < min_runs
            else "a zero time cannot be compared as a ratio"
        )
        return _inconclusive(name, rule, history, current, reason)
    centre = statistics.fmean(math.log(value) for value in history)
    own = runs - 1
    prior = PRIOR_DF if pooled is not None else 0
    variance = (own * _log_variance(history) + prior * (pooled or 0.0)) / (own + prior)
    scale = math.sqrt(variance * (1 + 1 / runs))
    shift = math.log(current) - centre
    degrees = own + prior
    # Imported here: scipy.stats takes ~0.6 s to import, and every xdist worker imports this
    # module with the plugin while only the process that judges a run needs it.
    from scipy.stats import t as student_t

    p_value = float(student_t.sf(shift / scale, degrees))
    half = float(student_t.ppf(0.5 + INTERVAL / 2, degrees)) * scale
    baseline = math.exp(centre)
    ratio = math.exp(shift)
    if isinstance(rule, DifferenceRegressionCheck):
        beyond = current - baseline > rule.threshold
    else:
        beyond = (ratio - 1) * 100 > rule.threshold
    low, high = ratio / math.exp(half), ratio * math.exp(half)
    return Judged(name, rule, baseline, current, runs, ratio, low, high, p_value, beyond, verdict="")


def _holm(tests: list[Judged], alpha: float) -> list[Judged]:
    """Verdicts with Holm's step-down over the conclusive tests (family-wise error at ``alpha``)."""
    conclusive = sorted((t for t in tests if t.verdict != INCONCLUSIVE), key=lambda t: t.p_value)
    significant: set[int] = set()
    for rank, test in enumerate(conclusive):
        if test.p_value > alpha / (len(conclusive) - rank):
            break  # this one and every larger p-value are not significant
        significant.add(id(test))
    judged = []
    for test in tests:
        if test.verdict == INCONCLUSIVE:
            judged.append(test)
            continue
        if test.beyond_limit and id(test) in significant:
            verdict = REGRESSED
        elif test.beyond_limit:
            verdict = NOT_SIGNIFICANT
        elif test.ratio < 1:
            verdict = FASTER
        else:
            verdict = WITHIN
        judged.append(replace(test, verdict=verdict))
    return judged
