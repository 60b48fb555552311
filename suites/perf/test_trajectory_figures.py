"""What replaying the reference eval trajectories costs: wall time against the game time it covers.

FLE's verifier sleeps its holdouts in wall-clock time (a 60-second holdout is 6 s at FLE's
speed 10), so at a given speed the wall time is bounded below by game time / speed; the
figures show the trajectory's own speed and a raised one (the issue's goal on embedded:
wall <= 1/20 of game time).

    pytest suites/perf/test_trajectory_figures.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from fle_testkit.fle.replay import replay
from fle_testkit.fle.trajectory import Trajectory

SUITE = Path(__file__).parents[1] / "functional" / "trajectories"
REFERENCES = sorted(SUITE.glob("*.toml"))
RAISED_SPEED = 100.0


@pytest.mark.parametrize("speed", [None, RAISED_SPEED], ids=["own-speed", "raised-speed"])
@pytest.mark.parametrize("path", REFERENCES, ids=[path.stem for path in REFERENCES])
def test_trajectory_wall_against_game_time(instance: Any, perf_figures: Any, path: Path, speed: float | None) -> None:
    trajectory = Trajectory.load(path)
    if speed is not None:
        trajectory = replace(trajectory, speed=speed)
    result = replay(trajectory, instance)
    label = f"{trajectory.name} at speed {trajectory.speed:g}"
    perf_figures.record(f"trajectory {label}: wall", result.wall)
    perf_figures.record(f"trajectory {label}: game time", result.game_seconds)
    perf_figures.record(f"trajectory {label}: wall / game time", 100 * result.wall / result.game_seconds, unit="%")
    assert result.steps and result.game_seconds > 0


def test_trajectory_suite_under_eight_workers(perf_figures: Any, tmp_path: Path) -> None:
    """The reference trajectories as the CI gate runs them, ``pytest -n 8``, on this machine's
    cores: each worker starts its own server, and the replays' holdouts overlap."""
    command = [sys.executable, "-m", "pytest", "-n", "8", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]
    began = time.perf_counter()
    run = subprocess.run([*command, str(SUITE)], cwd=tmp_path, capture_output=True, text=True, check=False)
    perf_figures.record(f"trajectory suite ({len(REFERENCES)} trajectories) -n 8: wall", time.perf_counter() - began)
    assert run.returncode == 0, f"{run.stdout[-3000:]}\n{run.stderr[-2000:]}"
