"""The pytest plugin: options, markers, per-worker wiring, budgets, the report.

Registered through the ``pytest11`` entry point (and by the repo's
conftest.py when it is not installed). Works with and without pytest-xdist:
each worker gets its own server and save directory; timings go to the
controller through xdist's ``workeroutput`` and are merged there.
"""

from __future__ import annotations

import json
import math
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from . import perf, timings
from .backends import select
from .errors import TestkitError
from .fixtures.runtime import RUNTIME_KEY, ProgressTail, Runtime, resolve_settings
from .fixtures.servers import (  # noqa: F401  (fixtures are registered by import)
    factorio_client,
    factorio_pool,
    factorio_saves,
    factorio_server,
    factorio_server_factory,
    game_session,
    researched_session,
    unresearched_session,
)
from .perf import render
from .settings import SETTINGS, parse_budgets
from .timings import PhaseTiming

WORKER_OUTPUT_KEY = "fle_testkit"
MARKERS = (
    "factorio(variant='researched'|'unresearched', inventory={name: count}, scenario='lab'|path, reset='lua'|'save'): "
    "the game a test gets from game_session: research variant, character inventory, scenario and reset mode",
    "latency_budget(reset=None, restart=None, bootstrap=None, start=None, save=None, stop=None): "
    "seconds each lifecycle phase may take during this test; over budget fails the test with the figure",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fle-testkit", "fle-testkit: Factorio servers per worker")
    for setting in SETTINGS:
        help_text = f"{setting.help} [ini {setting.ini}, env {setting.env}]".replace("%", "%%")  # argparse formats help
        kwargs: dict[str, Any] = {"dest": setting.dest, "help": help_text}
        if setting.multiple:
            kwargs["action"] = "append"
            kwargs["default"] = []
        elif setting.dest == "perf_report":
            kwargs.update(nargs="?", const="run", default=None)
        elif setting.dest == "perf_compare":
            kwargs.update(nargs="?", const="latest", default=None)
        else:
            kwargs["default"] = None
        if setting.choices:
            kwargs["choices"] = list(setting.choices)
        group.addoption(setting.option, **kwargs)
        parser.addini(setting.ini, setting.help, type="linelist" if setting.multiple else "string")


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    try:
        settings = resolve_settings(config)
        # Fail before any test runs on a bad budget or regression rule.
        parse_budgets(settings["latency_budget"])
        for rule in settings["perf_compare_fail"]:
            perf.parse_rule(rule, source="--perf-compare-fail")
    except TestkitError as error:
        raise pytest.UsageError(str(error)) from error
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        choice = select.Choice(workerinput["fle_testkit_backend"], workerinput["fle_testkit_reason"])
        progress = Path(workerinput["fle_testkit_progress"]) if workerinput.get("fle_testkit_progress") else None
        runtime = Runtime(config, settings, choice, workerinput.get("workerid"), progress)
    else:
        choice = select.choose(settings["factorio_backend"], settings["factorio_image"])
        runtime = Runtime(config, settings, choice, None)
    config.stash[RUNTIME_KEY] = runtime
    if workerinput is None:
        config.pluginmanager.register(_Controller(runtime), "fle_testkit_controller")


def pytest_report_header(config: pytest.Config) -> str:
    runtime = config.stash[RUNTIME_KEY]
    backend = runtime.choice.name
    detail = f"image {runtime.settings['factorio_image']}, " if backend == "docker" else ""
    return (
        f"fle-testkit: backend {backend} ({detail}{runtime.choice.reason}); saves {runtime.settings['factorio_saves']}"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    item.stash[_MARK] = timings.mark()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    runtime = item.config.stash[RUNTIME_KEY]
    if report.failed:
        attach_server_logs(report, runtime)
    if call.when != "call":
        return
    since = item.stash.get(_MARK, 0)
    measured = sorted((r for r in runtime.records() if r.seq > since), key=lambda r: r.seq)
    for record in measured:
        item.user_properties.append((f"fle_testkit.{_name(record)}_s", round(record.seconds, 6)))
    report.user_properties = list(item.user_properties)
    if report.passed:
        violations = over_budget(measured, budgets_for(item, runtime))
        if violations:
            report.outcome = "failed"
            report.longrepr = "Latency budget exceeded:\n" + "\n".join("  " + v for v in violations)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Check the marker before the test runs: a bad value found only after the
    # call would be raised inside pytest_runtest_makereport, an INTERNALERROR
    # that ends the whole run.
    budgets_for(item, item.config.stash[RUNTIME_KEY])


def attach_server_logs(report: pytest.TestReport, runtime: Runtime, lines: int = 30) -> None:
    """A failing test's report carries the last log lines of the worker's servers (containers too)."""
    if runtime.pool is None:
        return
    for server in runtime.pool.servers():
        where = server.process.describe() if server.process else "stopped"
        report.sections.append((f"fle-testkit: {server.label} log ({where})", "\n".join(server.logs(lines))))


def budgets_for(item: pytest.Item, runtime: Runtime) -> dict[str, float]:
    budgets = dict(runtime.budgets)
    for marker in reversed(list(item.iter_markers("latency_budget"))):
        if marker.args:
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.latency_budget takes keywords PHASE=SECONDS (e.g. reset=0.5); "
                f"got positional {list(marker.args)!r}"
            )
        for phase, seconds in marker.kwargs.items():
            if seconds is None:
                continue
            try:
                value = float(seconds)
            except (TypeError, ValueError):
                value = math.nan
            if not value >= 0:  # also false for NaN
                raise pytest.UsageError(
                    f"{item.nodeid}: @pytest.mark.latency_budget({phase}={seconds!r}): "
                    "a budget is a number of seconds >= 0 (e.g. reset=0.5)"
                )
            budgets[phase] = value
    return budgets


def over_budget(records: list[PhaseTiming], budgets: dict[str, float]) -> list[str]:
    lines = []
    for record in records:
        limit = budgets.get(_name(record), budgets.get(record.phase))
        if limit is not None and record.seconds > limit:
            lines.append(
                f"{_name(record)} took {_seconds(record.seconds)} s, over its budget of {_seconds(limit)} s "
                f"({record.label or 'server'})"
            )
    return lines


def _seconds(value: float) -> str:
    """0.000594, 0.25, 60: a fixed 3 decimals would print a 1 us budget as 0.000 s."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if text != "0" or value == 0 else f"{value:.1e}"


def _name(record: PhaseTiming) -> str:
    return f"{record.phase}[{record.detail}]" if record.detail else record.phase


_MARK = pytest.StashKey[int]()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    runtime = session.config.stash[RUNTIME_KEY]
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        runtime.close_pool()  # normally done by the fixture; harmless twice
        workeroutput[WORKER_OUTPUT_KEY] = json.dumps(runtime.worker_output())


class _Controller:
    """Controller-side (or no-xdist) hooks: progress, merging, summary, report."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.merged: list[PhaseTiming] = []
        self.notes: list[str] = []
        self.missing_workers: list[str] = []
        self.workers = 0
        self.report_lines: list[str] = []
        self.tail: ProgressTail | None = None

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        if self.tail is None:
            path = Path(tempfile.gettempdir()) / f"fle-testkit-progress-{uuid.uuid4().hex[:12]}.log"
            reporter = self.runtime.config.pluginmanager.get_plugin("terminalreporter")
            self.tail = ProgressTail(path, _line_writer(reporter))
            self.tail.start()
        node.workerinput["fle_testkit_backend"] = self.runtime.choice.name
        node.workerinput["fle_testkit_reason"] = self.runtime.choice.reason
        node.workerinput["fle_testkit_progress"] = str(self.tail.path)

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
        wants_compare = settings["perf_compare"] is not None or settings["perf_compare_fail"]
        if settings["perf_report"] is None and not wants_compare:
            return
        records = self.all_records()
        if not records:
            self.report_lines.append("fle-testkit: no lifecycle timings were measured: no perf report")
            return
        report = perf.Report.from_records(
            records,
            backend=self.runtime.choice.name,
            image=settings["factorio_image"] if self.runtime.choice.name == "docker" else None,
            workers=max(1, self.workers),
            missing_workers=self.missing_workers,
            cwd=str(self.runtime.config.rootpath),
        )
        storage = perf.Storage(Path(self.runtime.config.rootpath) / ".fle" / "perf")
        # The baseline is read before this run is saved, so "latest" is never this run.
        spec = _compare_spec(settings["perf_compare"])
        baseline = None
        if wants_compare and spec is None and storage.latest() is None:
            # As pytest-benchmark does: a first run has nothing to compare with, and
            # must still be able to save the report that later runs compare against.
            self.report_lines.append("fle-testkit: no saved perf report to compare with yet: nothing compared")
        elif wants_compare:
            baseline = storage.load(spec)
        if settings["perf_report"] is not None:
            path = storage.save(report, None if settings["perf_report"] == "run" else settings["perf_report"])
            self.report_lines.append(f"fle-testkit: perf report saved to {path}")
        if baseline is not None:
            rules = [perf.parse_rule(rule, source="--perf-compare-fail") for rule in settings["perf_compare_fail"]]
            comparison = perf.compare(report, baseline, rules)
            self.report_lines.extend(render.comparison_lines(comparison))  # ends with the regressions, if any
            if comparison.regressions:
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
        if getattr(writer, "width_of_current_line", 0):
            writer.line()
        reporter.write_line(line)

    return write


def _compare_spec(value: str | None) -> str | None:
    """``--perf-compare`` alone (or 'latest') means the newest saved run."""
    return None if value in (None, "latest") else value
