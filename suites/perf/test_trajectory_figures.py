"""What replaying the reference eval trajectories costs: wall time against the game time it covers.

FLE's verifier sleeps its holdouts in wall-clock time (a 60-second holdout is 6 s at FLE's
speed 10), so at a given speed the wall time is bounded below by game time / speed; the
figures show the trajectory's own speed and a raised one (the issue's goal on embedded:
wall <= 1/20 of game time).

    pytest suites/perf/test_trajectory_figures.py
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from fle_testkit.fle.replay import replay
from fle_testkit.fle.trajectory import Trajectory

REFERENCES = sorted((Path(__file__).parents[1] / "functional" / "trajectories").glob("*.toml"))
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
