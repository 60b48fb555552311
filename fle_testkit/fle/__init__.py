"""FLE's own test fixtures on fle-testkit's servers: ``pytest -p fle_testkit.fle``.

The fixtures have the names and the semantics of FLE 0.4.3's
``tests/conftest.py`` (``instance``, the reset between tests, ``namespace``,
``game``, ``configure_game``) plus ``unresearched_instance``, so FLE's test
files run unchanged with ``--noconftest`` on any backend. FLE is never
patched: what FLE hard-codes (its RCON password, the environment variables
some of its tests read) the plugin provides.

Opt-in (``-p``), not an entry point: the fixture names are FLE's and short
(``game``, ``instance``), and must not appear in every project that installs
fle-testkit.
"""

from .fixtures import (
    _fle_reset_between_tests,
    configure_game,
    fle_game,
    fle_server,
    game,
    instance,
    namespace,
    unresearched_instance,
)
from .hooks import pytest_configure

__all__ = [
    "_fle_reset_between_tests",
    "configure_game",
    "fle_game",
    "fle_server",
    "game",
    "instance",
    "namespace",
    "pytest_configure",
    "unresearched_instance",
]
