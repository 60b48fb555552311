"""``fle-testkit perf``: list, show and compare saved runs without running tests.

Exit codes: 0 done, 1 a ``--fail`` rule found a regression, 2 a wrong
argument or an unreadable report (argparse's usage errors are 2 as well).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from .compare import parse_rules
from .errors import ReportError
from .render import chart, judgement_lines, judgement_markdown, markdown, table_lines
from .report import Report
from .storage import DEFAULT_ROOT, Storage
from .verdict import DEFAULT_RUNS, DISPLAY_RULE, judge

RUN_HELP = "a run number (3), latest or latest~N (the Nth before it), a saved run's name (0003_abc12345), or a report file's path"


def register(groups: argparse._SubParsersAction) -> None:
    """Add the ``perf`` group to the ``fle-testkit`` command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--storage",
        type=Path,
        default=DEFAULT_ROOT,
        metavar="DIR",
        help=f"where runs are saved (default: {DEFAULT_ROOT})",
    )
    common.add_argument(
        "--machine-id",
        metavar="ID",
        help="read the runs of this machine id (default: this machine's, e.g. Linux-CPython-3.11-64bit)",
    )
    perf = groups.add_parser(
        "perf",
        help="saved performance reports: list, report, compare",
        description="Read the reports that test runs saved under .fle/perf/<machine-id>/.",
    )
    commands = perf.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", parents=[common], help="list the saved runs of this machine")
    listing.set_defaults(handler=list_runs)

    report = commands.add_parser(
        "report",
        parents=[common],
        help="show a run as a table; write Markdown or a chart",
        description="Print a run's benchmarks; optionally write them as Markdown and chart the saved runs.",
    )
    report.add_argument("run", nargs="?", metavar="RUN", help=RUN_HELP + " (default: the latest)")
    report.add_argument("--markdown", metavar="FILE", help="write the report as Markdown ('-': standard output)")
    report.add_argument(
        "--chart",
        metavar="FILE.png",
        type=Path,
        help="write a PNG of reset and restart times across the saved runs up to RUN (needs fle-testkit[plots])",
    )
    report.add_argument("--chart-runs", type=int, default=20, metavar="N", help="chart at most N runs (default: 20)")
    report.set_defaults(handler=show_report)

    comparison = commands.add_parser(
        "compare",
        parents=[common],
        help="judge a run against its baseline runs; exit 1 on a regression",
        description=(
            "Judge CURRENT against BASELINE and the runs of its kind before it (--runs in all): a benchmark "
            "regressed when it is slower beyond a --fail rule's limit and beyond the run-to-run noise of "
            "those runs. With --fail, exit 1 on a regression; too few runs to judge is inconclusive (exit 0)."
        ),
    )
    comparison.add_argument("baseline", metavar="BASELINE", help=RUN_HELP + " (the newest baseline run)")
    comparison.add_argument("current", nargs="?", metavar="CURRENT", help=RUN_HELP + " (default: the latest)")
    comparison.add_argument(
        "--fail",
        action="append",
        default=[],
        metavar="RULE",
        help="fail on a slowdown: FIELD:N%% or FIELD:N (seconds), FIELD one of min, max, mean, median, p95; "
        "repeatable (e.g. --fail median:10%% --fail p95:0.5)",
    )
    comparison.add_argument(
        "--runs",
        type=int,
        default=DEFAULT_RUNS,
        metavar="K",
        help=f"baseline runs: BASELINE and the runs of its kind before it, K in all (default: {DEFAULT_RUNS})",
    )
    comparison.add_argument(
        "--markdown", metavar="FILE", help="write the comparison as Markdown ('-': standard output)"
    )
    comparison.set_defaults(handler=compare_runs)


def _storage(args: argparse.Namespace) -> Storage:
    return Storage(args.storage, args.machine_id)


def _write(target: str, text: str, human: TextIO) -> None:
    if target == "-":
        sys.stdout.write(text)
    else:
        Path(target).write_text(text, encoding="utf-8")
        print(f"wrote {target}", file=human)


def list_runs(args: argparse.Namespace) -> int:
    storage = _storage(args)
    runs = storage.list_runs()
    if not runs:
        others = [m for m in storage.machines() if m != storage.machine]
        elsewhere = f" (other machine ids: {', '.join(others)})" if others else ""
        print(f"no saved runs in {storage.directory}{elsewhere}")
        return 0
    print(storage.directory)
    for run in runs:
        try:
            report = Report.load(run.path)
        except ReportError as error:
            print(f"  {run.label}  unreadable: {error}")
            continue
        print(
            f"  {run.label}  {report.datetime}  {report.run.backend}  {report.run.workers} workers"
            f"  {len(report.benchmarks)} benchmarks"
        )
    return 0


def _human(args: argparse.Namespace) -> TextIO:
    """Where the text for people goes: standard error when standard output carries the Markdown."""
    return sys.stderr if args.markdown == "-" else sys.stdout


def show_report(args: argparse.Namespace) -> int:
    storage = _storage(args)
    path = storage.resolve(args.run)
    report = Report.load(path)
    human = _human(args)
    print(f"{report.name}: {report.run.backend}, {report.run.workers} workers, {report.datetime}", file=human)
    for line in table_lines(report):
        print(line, file=human)
    if args.markdown:
        _write(args.markdown, markdown(report), human)
    if args.chart:
        reports = _chart_runs(storage, report, args.chart_runs)
        chart(reports, args.chart)
        print(f"wrote {args.chart}", file=human)
    return 0


def _chart_runs(storage: Storage, chosen: Report, limit: int) -> list[Report]:
    """The saved runs up to ``chosen`` (itself last, saved or not), at most ``limit``."""
    runs = storage.list_runs()
    chosen_path = chosen.source.resolve() if chosen.source else None
    position = next((i for i, run in enumerate(runs) if run.path.resolve() == chosen_path), None)
    earlier = runs[:position] if position is not None else runs
    earlier = earlier[len(earlier) - (limit - 1) :] if 0 < limit - 1 < len(earlier) else earlier if limit > 1 else []
    reports = []
    for run in earlier:
        try:
            reports.append(Report.load(run.path))
        except ReportError as error:
            print(f"skipped {run.label} in the chart: {error}", file=sys.stderr)
    return reports + [chosen]


def compare_runs(args: argparse.Namespace) -> int:
    rules = parse_rules(args.fail, source="--fail")
    storage = _storage(args)
    baseline_path = storage.resolve(args.baseline)
    baseline = Report.load(baseline_path)
    current = Report.load(storage.resolve(args.current))
    baselines = storage.runs_like(baseline, max(1, args.runs), up_to=baseline_path) or [baseline]
    judgement = judge(current, baselines, rules or [DISPLAY_RULE])
    human = _human(args)
    for line in judgement_lines(judgement):
        print(line, file=human)
    if not rules:
        print(f"(verdicts under {DISPLAY_RULE}; without --fail nothing fails)", file=human)
    if args.markdown:
        _write(args.markdown, judgement_markdown(judgement), human)
    return 1 if rules and judgement.failed else 0
