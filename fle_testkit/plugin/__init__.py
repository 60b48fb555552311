"""The pytest plugin: options, markers, per-worker wiring, budgets, the report.

Registered through the ``pytest11`` entry point (and by the repo's
conftest.py when it is not installed). pytest collects hooks and fixtures
from this module's namespace, so it re-exports them from the modules that
hold them: ``hooks`` (options, configure, per-test wrappers), ``runtime``
(what one pytest process holds, and ``factorio_pool``), ``budgets``,
``report`` (the controller: merged timings, summary, perf report) and the
fixtures of ``fle_testkit.fixtures`` (with the deprecated old names).
"""

from ..fixtures.deprecated import game_session, researched_session, unresearched_session
from ..fixtures.servers import (
    factorio_client,
    factorio_saves,
    factorio_server,
    factorio_server_factory,
    factorio_session,
    factorio_session_researched,
    factorio_session_unresearched,
)
from .hooks import (
    pytest_addoption,
    pytest_configure,
    pytest_report_header,
    pytest_runtest_makereport,
    pytest_runtest_protocol,
    pytest_runtest_setup,
    pytest_sessionfinish,
)
from .runtime import factorio_pool

__all__ = [
    "factorio_client",
    "factorio_pool",
    "factorio_saves",
    "factorio_server",
    "factorio_server_factory",
    "factorio_session",
    "factorio_session_researched",
    "factorio_session_unresearched",
    "game_session",
    "pytest_addoption",
    "pytest_configure",
    "pytest_report_header",
    "pytest_runtest_makereport",
    "pytest_runtest_protocol",
    "pytest_runtest_setup",
    "pytest_sessionfinish",
    "researched_session",
    "unresearched_session",
]
