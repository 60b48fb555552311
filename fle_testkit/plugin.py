"""The pytest plugin: options, markers, per-worker wiring, budgets, the report.

Registered through the ``pytest11`` entry point (and by the repo's
conftest.py when it is not installed). Works with and without pytest-xdist:
each worker gets its own server and save directory; timings go to the
controller through xdist's ``workeroutput`` and are merged there.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

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
        parse_budgets(settings["latency_budget"])  # fail early on a bad budget
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
    return f"fle-testkit: backend {backend} ({detail}{runtime.choice.reason}); saves {runtime.settings['factorio_saves']}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    runtime = item.config.stash[RUNTIME_KEY]
    item.stash[_MARK] = len(runtime.records())
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    if call.when != "call":
        return
    report: pytest.TestReport = outcome.get_result()
    runtime = item.config.stash[RUNTIME_KEY]
    measured = runtime.records()[item.stash.get(_MARK, 0) :]
    for record in measured:
        item.user_properties.append((f"fle_testkit.{_name(record)}_s", round(record.seconds, 6)))
    report.user_properties = list(item.user_properties)
    if report.passed:
        violations = over_budget(measured, budgets_for(item, runtime))
        if violations:
            report.outcome = "failed"
            report.longrepr = "Latency budget exceeded:\n" + "\n".join("  " + v for v in violations)


def budgets_for(item: pytest.Item, runtime: Runtime) -> dict[str, float]:
    budgets = dict(runtime.budgets)
    for marker in reversed(list(item.iter_markers("latency_budget"))):
        budgets.update({phase: float(seconds) for phase, seconds in marker.kwargs.items() if seconds is not None})
    return budgets


def over_budget(records: list[PhaseTiming], budgets: dict[str, float]) -> list[str]:
    lines = []
    for record in records:
        limit = budgets.get(_name(record), budgets.get(record.phase))
        if limit is not None and record.seconds > limit:
            lines.append(
                f"{_name(record)} took {record.seconds:.3f} s, over its budget of {limit:.3f} s "
                f"({record.label or 'server'})"
            )
    return lines


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
        self.tail: ProgressTail | None = None

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        if self.tail is None:
            path = Path(self.runtime.config.rootpath) / ".fle" / "run" / f"progress-{uuid.uuid4().hex[:8]}.log"
            reporter = self.runtime.config.pluginmanager.get_plugin("terminalreporter")
            self.tail = ProgressTail(path, reporter.write_line if reporter else (lambda line: None))
            self.tail.start()
        node.workerinput["fle_testkit_backend"] = self.runtime.choice.name
        node.workerinput["fle_testkit_reason"] = self.runtime.choice.reason
        node.workerinput["fle_testkit_progress"] = str(self.tail.path)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT_KEY)
        worker = getattr(node, "workerinput", {}).get("workerid", "?")
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

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        records = self.all_records()
        if not records and not self.missing_workers:
            return
        terminalreporter.section("fle-testkit: lifecycle timings")
        budgets = self.runtime.budgets
        terminalreporter.write_line(f"{'phase':<26} {'count':>5} {'median':>9} {'p95':>9} {'max':>9} {'budget':>9}")
        for name, samples in _group(records).items():
            ordered = sorted(samples)
            median = ordered[len(ordered) // 2] if len(ordered) % 2 else sum(ordered[len(ordered) // 2 - 1 : len(ordered) // 2 + 1]) / 2
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            budget = budgets.get(name, budgets.get(name.split("[")[0]))
            budget_text = f"{budget:.3f}s" if budget is not None else "-"
            terminalreporter.write_line(
                f"{name:<26} {len(ordered):>5} {median:>8.3f}s {p95:>8.3f}s {ordered[-1]:>8.3f}s {budget_text:>9}"
            )
        for worker in self.missing_workers:
            terminalreporter.write_line(f"worker {worker} sent no timings (it crashed or was killed): its figures are missing")
        for note in self.notes:
            terminalreporter.write_line(f"note: {note}")


def _group(records: list[PhaseTiming]) -> dict[str, list[float]]:
    groups: dict[str, list[float]] = {}
    for record in records:
        groups.setdefault(_name(record), []).append(record.seconds)
    return dict(sorted(groups.items()))
