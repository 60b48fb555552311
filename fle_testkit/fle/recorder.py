"""Turn a logged FLE run into a trajectory file: from FLE's database or its program files.

FLE's database (``FLE_DB_TYPE``, SQLite by default in ``.fle/data.db``) keeps one
row per agent step in ``programs``: the step's ``code``, its ``value`` (the step's
reward: for a throughput task, the verifier's best holdout), ``meta`` (JSON with
``process_id`` and ``production_score``) and the task in ``version_description``
(``type:<task key>``). A run is one ``version``, one ``instance`` (the agent) and
one ``meta.process_id``; its steps are its rows in insertion order (``id``):
``depth`` stops counting steps once FLE summarises the conversation.

The trajectory expects what the recorded run reached, within a tolerance
(``rebaseline`` on purpose changes it): the last step's throughput and
production score, the task's verdict on that throughput, and what the run made in
all (the ``static`` and ``dynamic`` items of each step's ``achievements_json``,
FLE's split of the step's flow delta). FLE's runner resets
the game with the lab inventory but default research (its environment's reset
gets no game state), so an imported run says ``variant = "unresearched"``.

FLE's trajectory logger writes ``agent{i}_iter{n}_program.py`` files (``n`` from
1, gaps where the policy failed) with the code only: the task must be named,
and nothing is expected until the trajectory is rebaselined.

PostgreSQL (``FLE_DB_TYPE=postgres``) is read the same way, connected as FLE connects
(its ``SKILLS_DB_*`` variables) or with explicit settings.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Any

from .trajectory import Expectation, Step, Tolerance, Trajectory, TrajectoryError

#: How far a replay may land from the recorded figures (a holdout is measured in wall-clock time).
IMPORT_REL_TOLERANCE = 0.1
#: ... and from what the recorded run made in all: that counts every holdout, and the verifier
#: sleeps another while the throughput still rises, so one holdout more or fewer moves it.
IMPORT_PRODUCED_REL_TOLERANCE = 0.25
_PROGRAM_FILE = re.compile(r"^agent(?P<agent>\d+)_iter(?P<iteration>\d+)_program\.py$")
_TASK = re.compile(r"^type:(?P<task>\S+)\s*$", re.MULTILINE)


_SELECT = (
    "SELECT code, value, version_description, meta, achievements_json FROM programs"
    " WHERE version = {p} AND instance = {p} ORDER BY id"
)
_NEWEST = "SELECT MAX(version) FROM programs"


def from_sqlite(
    database: str | Path, version: int | None = None, agent: int = 0, process: int | None = None
) -> Trajectory:
    """The run ``version`` (default: the newest) of ``agent`` in FLE's SQLite database."""
    path = Path(database)
    if not path.is_file():
        raise TrajectoryError(f"{path}: no such FLE database (FLE writes .fle/data.db by default)")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        if version is None:
            version = db.execute(_NEWEST).fetchone()[0]
        rows = db.execute(_SELECT.format(p="?"), (version, agent)).fetchall() if version is not None else []
    return _from_rows(rows, path.name, version, agent, process)


def from_postgres(version: int | None = None, agent: int = 0, process: int | None = None, **connect: Any) -> Trajectory:
    """The same from FLE's PostgreSQL database; ``connect`` goes to ``psycopg2.connect`` (default:
    FLE's own variables, SKILLS_DB_HOST, _PORT, _NAME, _USER and _PASSWORD)."""
    import psycopg2

    settings = connect or postgres_settings()
    where = f"postgres {settings.get('host', '')}:{settings.get('port', '')}/{settings.get('dbname', '')}"
    try:
        db = psycopg2.connect(**settings)
    except psycopg2.Error as error:
        raise TrajectoryError(f"{where}: cannot connect: {str(error).strip()}") from error
    try:
        with db.cursor() as cursor:
            if version is None:
                cursor.execute(_NEWEST)
                version = cursor.fetchone()[0]
            rows = []
            if version is not None:
                cursor.execute(_SELECT.format(p="%s"), (version, agent))
                rows = cursor.fetchall()
    finally:
        db.close()
    return _from_rows(rows, where, version, agent, process)


def postgres_settings() -> dict[str, Any]:
    """FLE's PostgreSQL settings from its environment variables (FLE_DB_TYPE=postgres)."""
    names = {"host": "SKILLS_DB_HOST", "port": "SKILLS_DB_PORT", "dbname": "SKILLS_DB_NAME"}
    names |= {"user": "SKILLS_DB_USER", "password": "SKILLS_DB_PASSWORD"}
    found = {key: os.environ[variable] for key, variable in names.items() if os.environ.get(variable)}
    if "host" not in found or "dbname" not in found:
        raise TrajectoryError(
            "FLE's PostgreSQL is named by SKILLS_DB_HOST, SKILLS_DB_PORT, SKILLS_DB_NAME, SKILLS_DB_USER and SKILLS_DB_PASSWORD; set them"
        )
    return found


def _from_rows(rows: list[Any], where: str, version: int | None, agent: int, process: int | None) -> Trajectory:
    """A run from its ``programs`` rows (code, value, version_description, meta, achievements_json), in
    insertion order."""
    if version is None:
        raise TrajectoryError(f"{where}: no programs recorded")
    if not rows:
        raise TrajectoryError(f"{where}: no programs of version {version} for agent {agent}")
    metas = [_json(meta) for _, _, _, meta, _ in rows]
    processes = sorted({meta.get("process_id") for meta in metas}, key=str)
    if process is None and len(processes) > 1:
        raise TrajectoryError(f"{where}: version {version} holds runs of several processes {processes}; name one")
    chosen = [
        (row, meta)
        for row, meta in zip(rows, metas, strict=True)
        if process is None or meta.get("process_id") == process
    ]
    if not chosen:
        raise TrajectoryError(f"{where}: version {version} has no run of process {process}; runs: {processes}")
    found = _TASK.search(chosen[0][0][2] or "")
    if found is None:
        raise TrajectoryError(f"{where}: version {version} names no task (version_description has no 'type:<task>')")
    task = found["task"]
    (_, value, *_), last_meta = chosen[-1]
    throughput = float(value or 0.0)
    score = last_meta.get("production_score")
    return Trajectory(
        task=task,
        steps=tuple(Step(code=row[0]) for row, _ in chosen),
        expect=Expectation(
            success=_succeeded(task, throughput),
            throughput=Tolerance(throughput, rel=IMPORT_REL_TOLERANCE),
            score=Tolerance(float(score), rel=IMPORT_REL_TOLERANCE) if isinstance(score, (int, float)) else None,
            produced={
                item: Tolerance(amount, rel=IMPORT_PRODUCED_REL_TOLERANCE)
                for item, amount in sorted(_made(row[4] for row, _ in chosen).items())
            },
        ),
        variant="unresearched",
        description=(
            f"Imported from {where}, version {version}, agent {agent}"
            + (f", process {process}" if process is not None else "")
            + ". FLE's runner reset the game to the lab inventory with default research (variant unresearched); "
            "the expectations are what the recorded run reached."
        ),
    )


def _json(value: Any) -> dict[str, Any]:
    """A JSON column as the driver hands it: text (SQLite), already a dict (PostgreSQL's json), or empty."""
    return value if isinstance(value, dict) else json.loads(value) if value else {}


def _made(achievements: Any) -> dict[str, float]:
    """What the steps made, item by item: FLE's achievements of a step split the items its flows
    show made into ``static`` (harvested or crafted by hand) and ``dynamic`` (by machines)."""
    total: dict[str, float] = {}
    for step in achievements:
        for kind in _json(step).values():
            for item, amount in (kind or {}).items():
                total[item] = total.get(item, 0.0) + float(amount)
    return {item: amount for item, amount in total.items() if amount > 0}


def from_program_files(directory: str | Path, task: str, agent: int = 0) -> Trajectory:
    """The ``agent{agent}_iter{n}_program.py`` files of FLE's trajectory logger, in iteration order."""
    path = Path(directory)
    if not path.is_dir():
        raise TrajectoryError(f"{path}: no such directory (FLE's logger writes .fle/trajectory_logs/v<version>/)")
    files = []
    for file in path.iterdir():
        match = _PROGRAM_FILE.match(file.name)
        if match and int(match["agent"]) == agent:
            files.append((int(match["iteration"]), file))
    if not files:
        raise TrajectoryError(f"{path}: no agent{agent}_iter<n>_program.py files")
    return Trajectory(
        task=task,
        steps=tuple(Step(code=file.read_text(encoding="utf-8"), note=file.name) for _, file in sorted(files)),
        expect=Expectation(),
        variant="unresearched",
        description=(
            f"Imported from {path}, agent {agent}: programs only, no recorded performance "
            "(rebaseline to expect what a replay reaches). FLE's runner reset to default research."
        ),
    )


def _succeeded(task_key: str, throughput: float) -> bool | None:
    """FLE's verdict on a throughput: at least the task's quota (None for tasks without one)."""
    from fle.eval.tasks import TaskFactory

    quota: Any = getattr(TaskFactory.create_task(task_key), "quota", None)
    return None if quota is None else throughput >= float(quota)


def write(trajectory: Trajectory, target: str | Path, overwrite: bool = False) -> Path:
    """Write ``trajectory`` as a TOML file (refusing to overwrite one unless told)."""
    import tomli_w

    path = Path(target)
    if path.exists() and not overwrite:
        raise TrajectoryError(f"{path}: exists; choose another file (or remove it)")
    path.write_text(tomli_w.dumps(trajectory.to_dict(), multiline_strings=True), encoding="utf-8")
    return path
