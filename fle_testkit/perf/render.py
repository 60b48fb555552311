"""Reports for people: a terminal table, Markdown, and a PNG chart across runs.

Everything returns text (lines or a string) or writes one file; nothing
prints. Times below a second are shown in milliseconds.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import PlotsUnavailable
from .report import Report
from .stats import Stats, group_of
from .verdict import REGRESSED, Judgement

DEFAULT_CHART_PHASES = ("reset", "restart")


def format_seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if not math.isfinite(value):
        return str(value)
    return f"{value * 1000:.3f} ms" if abs(value) < 1 else f"{value:.3f} s"


def _stats_of(source: Report | Mapping[str, Stats]) -> dict[str, Stats]:
    if isinstance(source, Report):
        return {b.name: b.stats for b in source.benchmarks}
    return dict(source)


def budget_for(name: str, budgets: Mapping[str, float] | None) -> float | None:
    """A benchmark's budget: its own name's (``reset[lua]``) or else its phase's (``reset``)."""
    if not budgets:
        return None
    return budgets.get(name, budgets.get(group_of(name)))


def _columns(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=False))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def table_lines(source: Report | Mapping[str, Stats], budgets: Mapping[str, float] | None = None) -> list[str]:
    """One row per benchmark: count, median, p95, max, and the budget (``over`` when the max exceeds it).

    ``source`` is a report or ``summarise(records)``; ``budgets`` maps a
    phase (``reset``) or a benchmark name (``reset[lua]``) to seconds.
    """
    stats = _stats_of(source)
    if not stats:
        return ["no timings recorded"]
    rows = [["benchmark", "count", "median", "p95", "max", "budget"]]
    for name, s in stats.items():
        budget = budget_for(name, budgets)
        cell = "-" if budget is None else format_seconds(budget) + (" over" if s.max > budget else "")
        rows.append([name, str(s.rounds), format_seconds(s.median), format_seconds(s.p95), format_seconds(s.max), cell])
    return _columns(rows, right={1, 2, 3, 4})


def _md_cell(text: object) -> str:
    return str(text).replace("|", "\\|")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[object]], right_from: int = 1) -> list[str]:
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---" if i < right_from else "---:" for i in range(len(header))) + "|")
    lines += ["| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in rows]
    return lines


def _commit_text(report: Report) -> str:
    commit = report.commit_info
    if not commit.id:
        return "unknown (no git)"
    notes = [n for n in (commit.branch, "dirty" if commit.dirty else None) if n]
    return f"`{commit.short_id}`" + (f" ({', '.join(notes)})" if notes else "")


def markdown(report: Report, *, title: str | None = None) -> str:
    """A run as Markdown: what was measured where, then one row per benchmark."""
    machine, run = report.machine_info, report.run
    workers = str(run.workers)
    if run.missing_workers:
        workers += f" (no timings from {', '.join(run.missing_workers)})"
    cpus = f", {machine.cpu_count} CPUs" if machine.cpu_count else ""
    lines = [
        f"# {title or 'fle-testkit perf report: ' + report.name}",
        "",
        *_md_table(
            ["", ""],
            [
                ["date", report.datetime],
                ["commit", _commit_text(report)],
                ["backend", run.backend],
                ["image", run.image or "-"],
                ["workers", workers],
                [
                    "machine",
                    f"{machine.system} {machine.machine}, {machine.python_implementation} "
                    f"{machine.python_version}{cpus}",
                ],
                ["fle-testkit", run.version],
            ],
            right_from=2,
        ),
        "",
    ]
    if report.benchmarks:
        rows = [
            [
                f"`{b.name}`",
                b.stats.rounds,
                *(format_seconds(getattr(b.stats, f)) for f in ("min", "median", "mean", "p95", "max", "stddev")),
            ]
            for b in report.benchmarks
        ]
        lines += _md_table(["benchmark", "rounds", "min", "median", "mean", "p95", "max", "stddev"], rows)
    else:
        lines.append("No timings recorded.")
    return "\n".join(lines) + "\n"


REGRESSED_HEADING = "Performance has regressed:"
BUSIER_HEADING = "The machine was busier:"
BUSIER_ADVICE = "a slower phase cannot be told from a busier machine, so none is called a regression (run it again)"
NOT_MEASURED = "In the baseline runs, not measured in this run:"


def _ratio(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:.2f}x"


def _judged_rows(judgement: Judgement) -> list[list[str]]:
    rows = []
    for judged in judgement.judged:
        interval = "-" if not math.isfinite(judged.low) else f"{judged.low:.2f}-{judged.high:.2f}"
        verdict = judged.verdict.upper() if judged.verdict == REGRESSED else judged.verdict
        rows.append(
            [
                judged.benchmark,
                str(judged.rule),
                format_seconds(judged.baseline),
                format_seconds(judged.current),
                _ratio(judged.ratio),
                interval,
                verdict,
            ]
        )
    return rows


JUDGED_HEADER = ["benchmark", "rule", "baseline", "this run", "ratio", "95% if unchanged", "verdict"]


def judgement_title(judgement: Judgement) -> str:
    names = judgement.baseline_names
    runs = f"{names[0]}" if len(names) == 1 else f"{len(names)} runs ({names[0]} .. {names[-1]})"
    return f"{judgement.current_name} against {runs}; family-wise alpha {judgement.alpha:g}"


def judgement_lines(judgement: Judgement) -> list[str]:
    """The verdict per benchmark and rule: baseline (geometric mean of the runs), this run, the
    ratio, where it would fall with no change, the verdict; then regressions and inconclusive ones."""
    lines = [judgement_title(judgement)]
    if judgement.differences:
        lines += ["The runs differ (not like with like):", *(f"\t{line}" for line in judgement.differences)]
    if judgement.busier:
        lines.append(f"{BUSIER_HEADING} {judgement.busier}; {BUSIER_ADVICE}")
    lines += _columns([JUDGED_HEADER, *_judged_rows(judgement)], right={2, 3, 4, 5}) if judgement.judged else []
    if judgement.regressions:
        lines.append(REGRESSED_HEADING)
        lines += [
            f"\t{j.benchmark} - {j.rule}: {format_seconds(j.baseline)} -> {format_seconds(j.current)} "
            f"({_ratio(j.ratio)}, p={j.p_value:.2g})"
            for j in judgement.regressions
        ]
    if judgement.inconclusive:
        lines.append(f"Inconclusive ({len(judgement.inconclusive)}): not judged, neither passed nor failed:")
        lines += [f"\t{j.benchmark} - {j.reason}" for j in judgement.inconclusive]
    if judgement.only_in_baseline:
        lines.append(NOT_MEASURED)
        lines += [f"\t{name}" for name in judgement.only_in_baseline]
    return lines


def judgement_markdown(judgement: Judgement) -> str:
    """The verdict as Markdown, for a CI job's summary."""
    lines = [f"# fle-testkit perf: {judgement_title(judgement)}", ""]
    if judgement.differences:
        lines += ["**The runs differ (not like with like):**", ""]
        lines += [f"- {line}" for line in judgement.differences] + [""]
    if judgement.busier:
        lines += [f"**{BUSIER_HEADING}** {judgement.busier}; {BUSIER_ADVICE}", ""]
    rows = [[f"`{row[0]}`", *row[1:]] for row in _judged_rows(judgement)]
    lines += _md_table(JUDGED_HEADER, rows, right_from=2) if rows else ["Nothing to judge."]
    lines.append("")
    if judgement.regressions:
        lines += ["## " + REGRESSED_HEADING.rstrip(":"), ""]
        lines += [f"- `{j.benchmark}` ({j.rule}): {_ratio(j.ratio)}, p={j.p_value:.2g}" for j in judgement.regressions]
    else:
        lines.append(
            "No regression."
            if not judgement.inconclusive or len(judgement.inconclusive) < len(judgement.judged)
            else "Inconclusive."
        )
    lines.append("")
    if judgement.inconclusive:
        lines += ["## Inconclusive", ""] + [f"- `{j.benchmark}`: {j.reason}" for j in judgement.inconclusive] + [""]
    if judgement.only_in_baseline:
        lines += ["## " + NOT_MEASURED.rstrip(":"), ""] + [f"- `{name}`" for name in judgement.only_in_baseline] + [""]
    return "\n".join(lines)


def _matplotlib_figure():  # -> matplotlib.figure.Figure class
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise PlotsUnavailable(
            "perf charts need matplotlib, which is not installed: pip install 'fle-testkit[plots]'"
        ) from error
    return Figure


def chart(
    reports: Sequence[Report],
    path: str | os.PathLike[str],
    *,
    phases: Sequence[str] = DEFAULT_CHART_PHASES,
    labels: Sequence[str] | None = None,
) -> Path:
    """A PNG of ``phases`` across runs (see ``chart_figure``)."""
    figure = chart_figure(reports, phases=phases, labels=labels)
    path = Path(path)
    figure.savefig(path, format="png", dpi=100)
    return path


def chart_figure(
    reports: Sequence[Report], *, phases: Sequence[str] = DEFAULT_CHART_PHASES, labels: Sequence[str] | None = None
) -> Any:  # matplotlib.figure.Figure
    """Per phase, per benchmark: the median with a whisker up to the p95, across runs.

    One panel per phase, one series per benchmark (``reset[lua]``,
    ``reset[save]``), runs along the x axis in the order given, labelled by
    ``labels`` or the reports' names, with each run's date under it. The y
    axis is logarithmic: a phase's benchmarks differ by orders of magnitude
    (``reset[lua]`` takes a millisecond, ``reset[save]`` a second). The legend
    sits beside the panel, never over the data. Uses matplotlib's object API
    without pyplot, so no global backend is chosen or changed.
    """
    Figure = _matplotlib_figure()
    from matplotlib.ticker import FuncFormatter, NullFormatter

    labels = list(labels) if labels is not None else [report.name for report in reports]
    dated = [
        f"{label}\n{report.datetime[:10]}" if report.datetime else label
        for label, report in zip(labels, reports, strict=True)
    ]
    figure = Figure(figsize=(max(7.0, 2.5 + 0.7 * len(reports)), 3.2 * len(phases)), layout="constrained")
    axes_list = figure.subplots(len(phases), 1, sharex=True, squeeze=False)[:, 0]
    for axes, phase in zip(axes_list, phases, strict=True):
        names = sorted({b.name for r in reports for b in r.benchmarks if b.group == phase})
        for index, name in enumerate(names):
            offset = (index - (len(names) - 1) / 2) * 0.08  # keep whiskers of series apart
            xs, medians, ups = [], [], []
            for x, report in enumerate(reports):
                found = report.benchmark(name)
                if found is not None:
                    xs.append(x + offset)
                    medians.append(found.stats.median)
                    ups.append(found.stats.p95 - found.stats.median)
            axes.errorbar(xs, medians, yerr=[[0.0] * len(ups), ups], marker="o", capsize=3, label=name)
        axes.set_title(f"{phase}: median, whisker to p95")
        if names:
            axes.set_yscale("log")
            seconds = FuncFormatter(lambda value, _: format_seconds(value))
            axes.yaxis.set_major_formatter(seconds)
            low, high = axes.get_ylim()
            if high < 10 * low:  # within a decade there are only minor ticks: label those
                axes.yaxis.set_minor_formatter(seconds)
            else:
                axes.yaxis.set_minor_formatter(NullFormatter())
            axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
        else:
            axes.text(0.5, 0.5, f"no {phase} timings in these runs", ha="center", va="center", transform=axes.transAxes)
        axes.grid(True, axis="y", which="both", alpha=0.3)
    last = axes_list[-1]
    last.set_xticks(range(len(reports)), dated, rotation=30, ha="right", fontsize="small")
    if reports:
        last.set_xlim(-0.5, len(reports) - 0.5)
    return figure
