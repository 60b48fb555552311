"""FLE eval trajectories replayed to completion on the worker's FLE server, judged by FLE's own verifier.

Each ``*.toml`` here is one trajectory (``fle_testkit/fle/trajectory.py`` has the format): a test
replays it from the task's setup and fails with a table of steps and figures, expected against
measured, when it reaches less or more than it should.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fle_testkit.fle.replay import replay
from fle_testkit.fle.replay_tests import judge
from fle_testkit.fle.trajectory import Trajectory

HERE = Path(__file__).parent
FILES = sorted(HERE.glob("*.toml"))


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_trajectory_reaches_what_it_expects(instance: Any, fle_server: Any, path: Path) -> None:
    trajectory = Trajectory.load(path)
    if trajectory.expect.is_empty:
        pytest.fail(f"{path.name} expects nothing: a reference trajectory says what it must reach", pytrace=False)
    judge(replay(trajectory, instance, timings=fle_server.timings), fle_server)
