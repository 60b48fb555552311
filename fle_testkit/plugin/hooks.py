"""The pytest hooks: options, markers, per-process wiring, budgets per test, worker output.

Works with and without pytest-xdist: each worker gets its own server and save
directory; the controller's side of the run lives in ``report.py``.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from .. import perf, timings
from ..errors import ConfigurationError, TestkitError
from ..pool import ServerPool
from ..settings import SETTINGS, Settings, parse_budgets
from .budgets import budget_failure, budgets_for, over_budget, phase_name
from .report import Controller
from .runtime import RUNTIME_KEY, WORKER_OUTPUT_KEY, Runtime

MARKERS = (
    "factorio(variant='researched'|'unresearched', inventory={name: count}, scenario='lab'|path, reset='lua'|'save'): "
    "the game a test gets from factorio_session: research variant, character inventory, scenario and reset mode",
    "latency_budget(reset=None, restart=None, bootstrap=None, start=None, save=None, stop=None, recover=None, ...): "
    "seconds each lifecycle phase may take during this test; over budget fails the test with the figure",
)
_MARK = pytest.StashKey[int]()  # the timings sequence number when a test's protocol began
_HANGS_SEEN = pytest.StashKey[int]()  # the sequence number of the last hang a test was told of


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
        if setting.multiple:
            parser.addini(setting.ini, setting.help, type="linelist")
        else:
            parser.addini(setting.ini, setting.help, type="string")


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    try:
        settings = Settings.resolve(config.getoption, config.getini)
        # Fail before any test runs on a bad budget or regression rule.
        parse_budgets(settings.latency_budget)
        for rule in settings.perf_compare_fail:
            perf.parse_rule(rule, source="--perf-compare-fail")
        _check_not_a_test_path(config, "--perf-report", settings.perf_report)
        _check_not_a_test_path(config, "--perf-compare", settings.perf_compare)
        runtime = Runtime.for_config(config, settings)
    except TestkitError as error:
        raise pytest.UsageError(str(error)) from error
    config.stash[RUNTIME_KEY] = runtime
    if getattr(config, "workerinput", None) is None:  # the controller, or a run without xdist
        config.pluginmanager.register(Controller(runtime), "fle_testkit_controller")


def _check_not_a_test_path(config: pytest.Config, option: str, value: str | None) -> None:
    """``pytest --perf-compare suites/functional`` gives the path to the option, not to pytest.

    The option's value is optional, so argparse takes the next word: the run
    would silently test the wrong thing. A value that names a test directory or
    file (and not a saved report, which is JSON) is that mistake.
    """
    if value is None:
        return
    path = Path(config.invocation_params.dir) / value
    if path.is_dir() or (path.suffix == ".py" and path.is_file()):
        raise ConfigurationError(
            f"{option} took {value!r}, a test path, as its value (the value is optional). "
            f"Fix: {option}=VALUE, or put the test paths before {option}"
        )


def pytest_report_header(config: pytest.Config) -> str:
    runtime = config.stash[RUNTIME_KEY]
    backend = runtime.choice.name
    detail = f"image {runtime.settings.factorio_image}, " if backend == "docker" else ""
    return f"fle-testkit: backend {backend} ({detail}{runtime.choice.reason}); saves {runtime.settings.factorio_saves}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    item.stash[_MARK] = timings.mark()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    runtime = item.config.stash[RUNTIME_KEY]
    if runtime.pool is not None and call.when in ("setup", "call"):
        fail_on_hangs(item, report, runtime.pool)
    if report.failed:
        say_how_servers_ended(report, runtime)
        attach_server_logs(report, runtime)
    if call.when != "call":
        return report
    since = item.stash.get(_MARK, 0)
    measured = sorted((r for r in runtime.records() if r.seq > since), key=lambda r: r.seq)
    for record in measured:
        item.user_properties.append((f"fle_testkit.{phase_name(record)}_s", round(record.seconds, 6)))
    report.user_properties = list(item.user_properties)
    if report.passed:
        violations = over_budget(measured, budgets_for(item, runtime.budgets))
        if violations:
            report.outcome = "failed"
            report.longrepr = budget_failure(violations)
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Check the marker before the test runs: a bad value found only after the
    # call would be raised inside pytest_runtest_makereport, an INTERNALERROR
    # that ends the whole run.
    budgets_for(item, item.config.stash[RUNTIME_KEY].budgets)


def fail_on_hangs(item: pytest.Item, report: pytest.TestReport, pool: ServerPool) -> None:
    """A test during which a server hung fails, saying so; the server is recovered before the next test.

    Recovery happens here, inside the test's report, so that its ``recover``
    timing counts toward this test's budgets.
    """
    hangs = pool.hangs_since(item.stash.get(_HANGS_SEEN, item.stash.get(_MARK, 0)))
    if not hangs:
        return
    item.stash[_HANGS_SEEN] = hangs[-1].seq
    pool.recover(hangs)
    own_error = report.longreprtext if report.failed else ""
    report.outcome = "failed"
    report.longrepr = "\n\n".join(hang.message() for hang in hangs) + (
        f"\n\nThe test's own error, a consequence:\n{own_error}" if own_error else ""
    )


def say_how_servers_ended(report: pytest.TestReport, runtime: Runtime) -> None:
    """A failure on a server that died says how it ended ("exited with signal 9"), not only "connection refused"."""
    if runtime.pool is None:
        return
    ended = [
        f"{server.label}'s server {status}" for server in runtime.pool.servers() if (status := server.exit_status())
    ]
    if ended:
        report.longrepr = report.longreprtext + "\n\nfle-testkit: " + "; ".join(ended)


def attach_server_logs(report: pytest.TestReport, runtime: Runtime, lines: int = 30) -> None:
    """A failing test's report carries the last log lines of the worker's servers (containers too)."""
    if runtime.pool is None:
        return
    for server in runtime.pool.servers():
        where = server.process.describe() if server.process else "stopped"
        if status := server.exit_status():
            where += f", {status}"
        report.sections.append((f"fle-testkit: {server.label} log ({where})", "\n".join(server.logs(lines))))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    runtime = session.config.stash[RUNTIME_KEY]
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        runtime.close_pool()  # normally done by the fixture; harmless twice
        workeroutput[WORKER_OUTPUT_KEY] = json.dumps(runtime.worker_output())
