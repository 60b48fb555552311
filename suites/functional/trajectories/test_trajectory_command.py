"""``fle-testkit trajectory run`` as a user runs it: a trajectory that misses fails with its table
and keeps the game it left; ``trajectory rebaseline`` makes the file expect what the replay reached."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from fle_testkit.fle.trajectory import Trajectory

REFERENCE = Path(__file__).parent / "iron_ore_throughput.toml"


def run(*args: str, cwd: Path, command: str = "run") -> subprocess.CompletedProcess[str]:
    command_line = [
        sys.executable,
        "-m",
        "fle_testkit.cli",
        "trajectory",
        command,
        *args,
        "--pytest=--factorio-backend=embedded",
    ]
    return subprocess.run(command_line, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)


def test_a_miss_fails_with_its_table_and_rebaseline_expects_what_was_reached(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.toml"
    text = REFERENCE.read_text().replace("value = 45, abs = 6", "value = 200, abs = 6")
    wrong.write_text(text.replace('verification = "every-step"', 'verification = "every-step"\nspeed = 100'))
    missed = run(str(wrong), cwd=tmp_path)
    assert missed.returncode == 1, missed.stdout[-3000:]
    assert re.search(r"throughput +200 ± 6 \(\+35%\)", missed.stdout), missed.stdout[-3000:]
    failed = tmp_path / ".fle" / "trajectories" / "failed"
    assert list(failed.glob("wrong-*.zip")) and list(failed.glob("wrong-*.step1.json"))  # (the state after step 1)
    rebased = run(str(wrong), cwd=tmp_path, command="rebaseline")  # (run --rebaseline is the same)
    assert rebased.returncode == 0, rebased.stdout[-3000:]
    reached = re.search(r"rebaselined throughput 200 ± 6 \(\+35%\) -> ([0-9.]+) ± 6 \(\+35%\)", rebased.stdout)
    assert reached, rebased.stdout[-3000:]
    expected = Trajectory.load(wrong).expect.throughput
    assert expected is not None and (expected.value, expected.abs, expected.over) == (float(reached[1]), 6, 0.35)
