"""Importing logged FLE runs: from FLE's own SQLite schema (made by FLE's code) and from the
program files of its trajectory logger, through the ``fle-testkit trajectory`` command."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from fle_testkit.cli import main
from fle_testkit.fle.trajectory import Trajectory, TrajectoryError

pytest.importorskip("fle.commons.db_client", reason="FLE is not installed: pip install 'fle-testkit[fle]'")
pytest.importorskip("tomli_w", reason="the recorder writes TOML with tomli-w: pip install 'fle-testkit[fle]'")

from fle_testkit.fle.recorder import from_program_files, from_sqlite  # noqa: E402


def _database(path: Path, runs: list[tuple[int, int, str, list[tuple[str, float, float]]]]) -> Path:
    """FLE's programs table (FLE's create_default_sqlite_db), with rows as FLE's gym runner writes them."""
    from fle.commons.db_client import create_default_sqlite_db

    create_default_sqlite_db(str(path))
    with sqlite3.connect(path) as db:
        for version, process, task, steps in runs:
            for code, value, score in steps:
                db.execute(
                    "INSERT INTO programs (code, value, version, version_description, meta, instance, conversation_json)"
                    " VALUES (?, ?, ?, ?, ?, 0, '{}')",
                    (
                        code,
                        value,
                        version,
                        f"model:gpt-4o\ntype:{task}\nnum_agents:1",
                        json.dumps({"process_id": process, "production_score": score, "error_occurred": False}),
                    ),
                )
    return path


STEPS = [("print(1)", 0.0, 0.0), ("a = 2", 12.0, 80.0), ("print(a)", 30.0, 150.0)]


def test_a_database_run_expects_what_it_reached(tmp_path: Path) -> None:
    db = _database(
        tmp_path / "data.db", [(1, 0, "iron_plate_throughput", STEPS[:1]), (2, 0, "iron_ore_throughput", STEPS)]
    )
    trajectory = from_sqlite(db)  # the newest version
    assert trajectory.task == "iron_ore_throughput" and [s.code for s in trajectory.steps] == [
        "print(1)",
        "a = 2",
        "print(a)",
    ]
    assert trajectory.variant == "unresearched"  # FLE's runner resets to default research
    assert trajectory.expect.success is True  # 30 >= the task's quota of 16
    assert trajectory.expect.throughput is not None and trajectory.expect.throughput.value == 30
    assert trajectory.expect.score is not None and trajectory.expect.score.value == 150
    older = from_sqlite(db, version=1)
    assert older.task == "iron_plate_throughput" and older.expect.success is False


def test_a_version_with_several_processes_needs_one_named(tmp_path: Path) -> None:
    db = _database(
        tmp_path / "data.db", [(3, 0, "iron_ore_throughput", STEPS[:2]), (3, 1, "iron_ore_throughput", STEPS)]
    )
    with pytest.raises(TrajectoryError, match=r"several processes \[0, 1\]; name one"):
        from_sqlite(db)
    assert len(from_sqlite(db, process=1).steps) == 3
    with pytest.raises(TrajectoryError, match="no run of process 7"):
        from_sqlite(db, process=7)
    with pytest.raises(TrajectoryError, match="no programs of version 9"):
        from_sqlite(db, version=9)
    with pytest.raises(TrajectoryError, match="no such FLE database"):
        from_sqlite(tmp_path / "none.db")


def test_program_files_come_in_iteration_order_and_expect_nothing(tmp_path: Path) -> None:
    for iteration, code in ((10, "c = 3"), (2, "b = 2"), (1, "a = 1")):
        (tmp_path / f"agent0_iter{iteration}_program.py").write_text(code)
    (tmp_path / "agent1_iter1_program.py").write_text("other = 1")
    (tmp_path / "agent0_iter1_observation.txt").write_text("not a program")
    trajectory = from_program_files(tmp_path, "iron_ore_throughput")
    assert [s.code for s in trajectory.steps] == ["a = 1", "b = 2", "c = 3"]
    assert trajectory.expect.is_empty
    with pytest.raises(TrajectoryError, match="no agent3_iter<n>_program.py files"):
        from_program_files(tmp_path, "iron_ore_throughput", agent=3)


def test_the_command_writes_a_file_the_format_reads_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _database(tmp_path / "data.db", [(1, 0, "iron_ore_throughput", STEPS)])
    out = tmp_path / "run.toml"
    assert main(["trajectory", "import", "--db", str(db), "-o", str(out)]) == 0
    assert "3 steps, success True, throughput 30 ± 3" in capsys.readouterr().out
    loaded, imported = Trajectory.load(out), from_sqlite(db)
    assert (loaded.task, loaded.steps, loaded.expect, loaded.variant) == (
        imported.task,
        imported.steps,
        imported.expect,
        imported.variant,
    )
    assert main(["trajectory", "import", "--db", str(db), "-o", str(out)]) == 2  # never overwrites
    assert "exists" in capsys.readouterr().err
    assert main(["trajectory", "import", "--dir", str(tmp_path), "-o", str(tmp_path / "x.toml")]) == 2
    assert "--dir needs --task" in capsys.readouterr().err
    assert main(["trajectory", "show", str(out)]) == 0
    assert "iron_ore_throughput on fle-lab, unresearched" in capsys.readouterr().out
