"""Importing logged FLE runs: from FLE's own SQLite schema (made by FLE's code) and from the
program files of its trajectory logger, through the ``fle-testkit trajectory`` command."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fle_testkit.cli import main
from fle_testkit.fle.trajectory import Trajectory, TrajectoryError

pytest.importorskip("fle.commons.db_client", reason="FLE is not installed: pip install 'fle-testkit[fle]'")
pytest.importorskip("tomli_w", reason="the recorder writes TOML with tomli-w: pip install 'fle-testkit[fle]'")

from fle_testkit.fle.recorder import from_postgres, from_program_files, from_sqlite  # noqa: E402


def _achievements(number: int) -> str:
    """A step's achievements as FLE's environment writes them: items by hand and by machines."""
    return json.dumps({"static": {"iron-ore": 5.0}, "dynamic": {"iron-plate": 10.0 * number}})


def _database(path: Path, runs: list[tuple[int, int, str, list[tuple[str, float, float]]]]) -> Path:
    """FLE's programs table (FLE's create_default_sqlite_db), with rows as FLE's gym runner writes them."""
    from fle.commons.db_client import create_default_sqlite_db

    create_default_sqlite_db(str(path))
    with sqlite3.connect(path) as db:
        for version, process, task, steps in runs:
            for number, (code, value, score) in enumerate(steps):
                db.execute(
                    "INSERT INTO programs (code, value, version, version_description, meta, achievements_json,"
                    " instance, conversation_json) VALUES (?, ?, ?, ?, ?, ?, 0, '{}')",
                    (
                        code,
                        value,
                        version,
                        f"model:gpt-4o\ntype:{task}\nnum_agents:1",
                        json.dumps({"process_id": process, "production_score": score, "error_occurred": False}),
                        _achievements(number),
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
    # What the run made in all: 3 x 5 ore by hand, 0 + 10 + 20 plates by machines.
    assert {item: t.value for item, t in trajectory.expect.produced.items()} == {"iron-ore": 15, "iron-plate": 30}
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


# --- PostgreSQL: a real server, as FLE_DB_TYPE=postgres uses --------------------------------------


def _postgres_bin() -> Path | None:
    """Debian's PostgreSQL server programs (apt-get install postgresql), newest version first."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]), reverse=True)
    return found[0].parent if found else None


@pytest.fixture(scope="module")
def postgres() -> Iterator[dict[str, Any]]:
    """A PostgreSQL server of our own on 127.0.0.1, started for this module and stopped after.

    PostgreSQL refuses to run as root (CI is root): as root, the server runs as the ``postgres``
    user of Debian's package, in a directory it owns (outside pytest's own, which only root enters).
    """
    binaries = _postgres_bin()
    if binaries is None:
        pytest.skip("no PostgreSQL server here: apt-get install postgresql (CI installs it)")
    root = Path(tempfile.mkdtemp(prefix="fle-testkit-postgres-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        for path in (root, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def pg(*command: str) -> None:
        done = subprocess.run([*as_user, *command], capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}"

    pg(str(binaries / "initdb"), "-D", str(data), "-U", "fle", "--auth=trust", "-E", "UTF8")
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={sockets}"
    pg(str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start")
    try:
        pg(str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "fle", "fle")
        yield {"host": "127.0.0.1", "port": port, "dbname": "fle", "user": "fle", "password": ""}
    finally:
        pg(str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def _postgres_run(postgres: dict[str, Any], version: int) -> None:
    """FLE's own schema (create_default_postgres_db), and a run's rows as FLE's gym runner writes them."""
    import psycopg2
    from fle.commons.db_client import create_default_postgres_db

    create_default_postgres_db(**postgres)
    with psycopg2.connect(**postgres) as db, db.cursor() as cursor:
        for number, (code, value, score) in enumerate(STEPS):
            cursor.execute(
                "INSERT INTO programs (code, value, version, version_description, meta, achievements_json,"
                " instance, conversation_json) VALUES (%s, %s, %s, %s, %s, %s, 0, '{}')",
                (
                    code,
                    value,
                    version,
                    "model:m\ntype:iron_ore_throughput\nnum_agents:1",
                    json.dumps({"process_id": 0, "production_score": score}),
                    _achievements(number),
                ),
            )


def test_a_postgres_run_reads_as_a_sqlite_one(postgres: dict[str, Any], tmp_path: Path) -> None:
    _postgres_run(postgres, 4)
    trajectory = from_postgres(version=4, **postgres)
    assert trajectory.task == "iron_ore_throughput" and len(trajectory.steps) == 3
    assert (
        trajectory.steps == from_sqlite(_database(tmp_path / "same.db", [(4, 0, "iron_ore_throughput", STEPS)])).steps
    )
    assert trajectory.expect.throughput is not None and trajectory.expect.throughput.value == 30
    assert trajectory.expect.produced["iron-plate"].value == 30
    with pytest.raises(TrajectoryError, match="no programs of version 9"):
        from_postgres(version=9, **postgres)
    with pytest.raises(TrajectoryError, match="cannot connect"):
        from_postgres(**{**postgres, "port": 1})


def test_fles_postgres_variables_are_what_the_command_connects_with(monkeypatch: pytest.MonkeyPatch) -> None:
    from fle_testkit.fle.recorder import postgres_settings

    for name in ("SKILLS_DB_HOST", "SKILLS_DB_PORT", "SKILLS_DB_NAME", "SKILLS_DB_USER", "SKILLS_DB_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(TrajectoryError, match="SKILLS_DB_HOST"):
        postgres_settings()
    monkeypatch.setenv("SKILLS_DB_HOST", "127.0.0.1")
    monkeypatch.setenv("SKILLS_DB_NAME", "skills")
    monkeypatch.setenv("SKILLS_DB_PORT", "5433")
    assert postgres_settings() == {"host": "127.0.0.1", "dbname": "skills", "port": "5433"}


def test_the_command_imports_from_postgres_through_fles_variables(
    postgres: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _postgres_run(postgres, 5)
    names = {"host": "SKILLS_DB_HOST", "port": "SKILLS_DB_PORT", "dbname": "SKILLS_DB_NAME", "user": "SKILLS_DB_USER"}
    for key, variable in names.items():
        monkeypatch.setenv(variable, str(postgres[key]))
    out = tmp_path / "pg.toml"
    assert main(["trajectory", "import", "--postgres", "--version", "5", "-o", str(out)]) == 0, capsys.readouterr().err
    assert Trajectory.load(out).task == "iron_ore_throughput"
