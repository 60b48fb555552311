"""The test ``fle-testkit trajectory run`` hands to pytest: each named trajectory replayed on a
worker's FLE server (any backend, every pytest option), with ``--rebaseline`` writing what it
reached back into the file. Not collected by itself: the command names this file and the
trajectories (``FLE_TESTKIT_TRAJECTORIES``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from .replay import Replay, keep_failed_save, rebaseline, replay
from .trajectory import Trajectory

TRAJECTORIES_VARIABLE = "FLE_TESTKIT_TRAJECTORIES"
REBASELINE_VARIABLE = "FLE_TESTKIT_REBASELINE"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The files named when pytest collects (read then, not when this module was first imported)."""
    if "path" in metafunc.fixturenames:
        named = [Path(p) for p in os.environ.get(TRAJECTORIES_VARIABLE, "").split(os.pathsep) if p]
        metafunc.parametrize("path", named, ids=[p.stem for p in named])


def test_replay(instance: Any, fle_server: Any, path: Path) -> None:
    trajectory = Trajectory.load(path)
    result = replay(trajectory, instance, timings=fle_server.timings)
    print(f"\n{result.table()}")
    if os.environ.get(REBASELINE_VARIABLE):
        for change in rebaseline(trajectory, result, path):
            print(f"  rebaselined {change}")
        return
    if trajectory.expect.is_empty:
        pytest.fail(f"{path.name} expects nothing yet: rebaseline it (--rebaseline)", pytrace=False)
    judge(result, fle_server)


def judge(result: Replay, fle_server: Any) -> None:
    """Fail with the table of steps and figures, and keep the game, when the replay missed what it expects."""
    if result.mismatches():
        kept = keep_failed_save(fle_server, result)
        pytest.fail(f"{result.table()}\n  the game it left, and its state after each step: {kept}", pytrace=False)
