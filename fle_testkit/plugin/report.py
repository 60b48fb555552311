"""The controller's side of a run: progress, merged timings, the summary, the perf report.

Registered by ``pytest_configure`` on the controller (or in a run without
xdist). Workers send their timings through xdist's ``workeroutput``; they are
merged here, so the run prints one table and saves one report.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .. import perf
from ..errors import TestkitError
from ..perf import render
from ..timings import PhaseTiming
from .runtime import WORKER_OUTPUT_KEY, ProgressTail, Runtime


class Controller:
    """Controller-side (or no-xdist) hooks: progress, merging, summary, report."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.merged: list[PhaseTiming] = []
        self.notes: list[str] = []
        self.missing_workers: list[str] = []
        self.workers = 0
        self.report_lines: list[str] = []
        self.tail: ProgressTail | None = None
        self.load_meter: perf.LoadMeter | None = None

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        settings = self.runtime.settings
        if settings.perf_report is not None or settings.perf_compare is not None or settings.perf_compare_fail:
            # Whether other work shared the machine: the verdict will not call a busier machine a regression.
            self.load_meter = perf.LoadMeter()
            self.load_meter.start()

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        if self.tail is None:
            path = Path(tempfile.gettempdir()) / f"fle-testkit-progress-{uuid.uuid4().hex[:12]}.log"
            reporter = self.runtime.config.pluginmanager.get_plugin("terminalreporter")
            self.tail = ProgressTail(path, _line_writer(reporter))
            self.tail.start()
        node.workerinput.update(self.runtime.worker_input(self.tail.path))

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT_KEY)
        worker = getattr(node, "workerinput", {}).get("workerid", "?")
        self.workers += 1
        if output is None:
            self.missing_workers.append(worker)
            return
        data = json.loads(output)
        self.merged.extend(PhaseTiming(**record) for record in data["timings"])
        self.notes.extend(data["notes"])

    def all_records(self) -> list[PhaseTiming]:
        return self.merged if self.tail is not None else self.runtime.records()

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.tail is not None:
            self.tail.stop()
        else:
            self.runtime.close_pool()
            self.notes.extend(self.runtime.notes)
        try:
            self._report_and_compare(session)
        except TestkitError as error:
            self.report_lines.append(f"fle-testkit: perf report failed: {error}")
            session.exitstatus = pytest.ExitCode.USAGE_ERROR

    def _report_and_compare(self, session: pytest.Session) -> None:
        settings = self.runtime.settings
        wants_compare = settings.perf_compare is not None or settings.perf_compare_fail
        load = self.load_meter.stop() if self.load_meter is not None else None
        if settings.perf_report is None and not wants_compare:
            return
        records = self.all_records()
        if not records:
            self.report_lines.append("fle-testkit: no lifecycle timings were measured: no perf report")
            return
        report = perf.Report.from_records(
            records,
            backend=self.runtime.choice.name,
            image=settings.factorio_image if self.runtime.choice.name == "docker" else None,
            workers=max(1, self.workers),
            missing_workers=self.missing_workers,
            suite=_suite(self.runtime.config),
            load=load,
            cwd=str(self.runtime.config.rootpath),
        )
        storage = perf.Storage(Path(self.runtime.config.rootpath) / ".fle" / "perf")
        # The baseline is read before this run is saved, so "latest" is never this run.
        spec = _compare_spec(settings.perf_compare)
        baselines: list[perf.Report] = []
        if wants_compare and spec is None:
            # The newest runs of this kind (suite, backend, image, workers). As pytest-benchmark
            # does, a first run has nothing to compare with and must still save its report.
            baselines = storage.runs_like(report, settings.perf_baseline_runs)
            if not baselines:
                kind = ", ".join(f"{key} {value}" for key, value in report.run.kind().items())
                self.report_lines.append(
                    f"fle-testkit: no saved perf report of this kind ({kind}) to compare with yet: nothing compared"
                )
        elif wants_compare:
            baselines = [storage.load(spec)]
        if settings.perf_report is not None:
            path = storage.save(report, None if settings.perf_report == "run" else settings.perf_report)
            self.report_lines.append(f"fle-testkit: perf report saved to {path}")
        if baselines:
            rules = list(settings.perf_compare_fail) or [perf.DISPLAY_RULE]
            judgement = perf.judge(report, baselines, rules)
            self.report_lines.extend(render.judgement_lines(judgement))
            if not settings.perf_compare_fail:
                self.report_lines.append(
                    f"(verdicts under {perf.DISPLAY_RULE}; without --perf-compare-fail nothing fails)"
                )
            elif judgement.failed:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        records = self.all_records()
        if records or self.missing_workers:
            terminalreporter.section("fle-testkit: lifecycle timings")
            for line in render.table_lines(perf.summarise(records), self.runtime.budgets):
                terminalreporter.write_line(line)
        for worker in self.missing_workers:
            terminalreporter.write_line(
                f"worker {worker} sent no timings (it crashed or was killed): its figures are missing"
            )
        for note in self.notes:
            terminalreporter.write_line(f"note: {note}")
        for line in self.report_lines:
            terminalreporter.write_line(line)


def _line_writer(reporter: Any) -> Callable[[str], None]:
    """``write_line`` that first ends a half-written row of xdist's progress letters.

    Under xdist the letters are written without the file name, so
    ``write_line`` does not know the row is open and a progress line would be
    glued to it (``..Ffle-testkit: worker gw1: ready at ...``).
    """
    if reporter is None:
        return lambda line: None

    def write(line: str) -> None:
        writer = getattr(reporter, "_tw", None)
        row_open: int = getattr(writer, "width_of_current_line", 0)
        if writer is not None and row_open:
            writer.line()
        reporter.write_line(line)

    return write


def _suite(config: pytest.Config) -> list[str]:
    """What pytest was asked to run: its arguments relative to the rootdir, and -k / -m expressions."""
    root = Path(config.rootpath)
    parts = []
    for arg in config.args:
        path, sep, rest = str(arg).partition("::")
        absolute = (Path(config.invocation_params.dir) / path).resolve()
        if absolute.is_relative_to(root):
            path = absolute.relative_to(root).as_posix() or "."
        parts.append(path + sep + rest)
    for flag, value in (("-k", config.option.keyword), ("-m", config.option.markexpr)):
        if value:
            parts.append(f"{flag} {value}")
    return parts


def _compare_spec(value: str | None) -> str | None:
    """``--perf-compare`` alone (or 'latest') means the newest saved run."""
    return None if value in (None, "latest") else value
