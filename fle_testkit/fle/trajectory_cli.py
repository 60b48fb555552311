"""``fle-testkit trajectory``: import a logged FLE run as a trajectory file, or check one.

Exit codes: 0 done, 2 a wrong argument or an unreadable file or database.
"""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path

from .trajectory import Trajectory, TrajectoryError


def register(groups: argparse._SubParsersAction) -> None:
    """Add the ``trajectory`` group to the ``fle-testkit`` command."""
    trajectory = groups.add_parser(
        "trajectory",
        help="eval trajectories: import a logged FLE run, check a file",
        description="Recorded FLE agent runs as trajectory files (TOML), replayed by the functional suite.",
    )
    commands = trajectory.add_subparsers(dest="command", required=True, metavar="COMMAND")

    imported = commands.add_parser(
        "import",
        help="write a trajectory from FLE's database or its program files",
        description=(
            "From FLE's database (its programs table: SQLite, FLE's default, .fle/data.db; or PostgreSQL), "
            "expecting what the run reached; or from the agent{i}_iter{n}_program.py files of FLE's trajectory "
            "logger (.fle/trajectory_logs/v<version>/), which record no performance: name the task."
        ),
    )
    source = imported.add_mutually_exclusive_group(required=True)
    source.add_argument("--db", type=Path, metavar="FILE", help="FLE's SQLite database")
    source.add_argument(
        "--postgres",
        action="store_true",
        help="FLE's PostgreSQL database, as FLE connects to it (SKILLS_DB_HOST, _PORT, _NAME, _USER, _PASSWORD)",
    )
    source.add_argument("--dir", type=Path, metavar="DIR", help="a directory of FLE's program files")
    imported.add_argument("--version", type=int, help="the run's version in the database (default: the newest)")
    imported.add_argument("--process", type=int, help="the run's process id, when a version holds several")
    imported.add_argument("--agent", type=int, default=0, help="the agent's index (default: 0)")
    imported.add_argument("--task", help="the FLE task the program files played (e.g. iron_plate_throughput)")
    imported.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.toml", help="where to write it")
    imported.set_defaults(handler=import_run)

    run = commands.add_parser(
        "run",
        help="replay trajectory files on a fresh server and judge them (pytest underneath)",
        description=(
            "Replay each file on a worker's FLE server as FLE's gym environment runs an agent, judged by FLE's "
            "verifier; exit 0 when every file reaches what it expects, 1 when one does not (its table says how, "
            "and the game it left is kept under .fle/trajectories/failed/). --pytest passes options to pytest, "
            "written with '=': --pytest='--factorio-backend docker -n 2'."
        ),
    )
    run.add_argument(
        "--rebaseline",
        action="store_true",
        help="expect what the replay reaches: rewrite each file's expectations (tolerances kept) and say each change",
    )
    rebaseline = commands.add_parser(
        "rebaseline",
        help="replay trajectory files and make each expect what it reached (the same as run --rebaseline)",
        description=(
            "Replay each file as 'run' does and rewrite its expectations with what the replay reached, tolerances "
            "kept, saying each change (old -> new). For an expectation changed on purpose: review the diff."
        ),
    )
    for command in (run, rebaseline):
        command.add_argument("files", nargs="+", type=Path, metavar="FILE.toml")
        command.add_argument(
            "--pytest",
            default="",
            metavar="OPTIONS",
            help="options for the pytest run underneath, one string after '=' (--pytest='-n 2 --fle-game-speed 100')",
        )
    run.set_defaults(handler=run_files)
    rebaseline.set_defaults(handler=run_files, rebaseline=True)

    show = commands.add_parser("show", help="read a trajectory file and say what it holds")
    show.add_argument("file", type=Path, metavar="FILE.toml")
    show.set_defaults(handler=show_file)


def import_run(args: argparse.Namespace) -> int:
    from .recorder import from_postgres, from_program_files, from_sqlite, write

    if args.dir is not None:
        if not args.task:
            raise TrajectoryError("--dir needs --task: FLE's program files do not name the task they played")
        trajectory = from_program_files(args.dir, args.task, agent=args.agent)
    elif args.postgres:
        trajectory = from_postgres(version=args.version, agent=args.agent, process=args.process)
    else:
        trajectory = from_sqlite(args.db, version=args.version, agent=args.agent, process=args.process)
    path = write(trajectory, args.output)
    print(f"wrote {path}: {trajectory.task}, {len(trajectory.steps)} steps, {_expected(trajectory)}")
    return 0


def run_files(args: argparse.Namespace) -> int:
    import pytest

    from . import replay_tests

    for file in args.files:
        Trajectory.load(file)  # a bad file is a usage error here, not a failed test
    extra = shlex.split(args.pytest)
    os.environ[replay_tests.TRAJECTORIES_VARIABLE] = os.pathsep.join(str(f.resolve()) for f in args.files)
    os.environ[replay_tests.REBASELINE_VARIABLE] = "1" if args.rebaseline else ""
    # (This command imported fle_testkit.fle already: pytest cannot rewrite its asserts, and need not.)
    quiet = ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    command = [replay_tests.__file__, "-p", "fle_testkit.fle", "--noconftest", "-p", "no:cacheprovider", "-s", *quiet]
    command += extra
    return int(pytest.main(command))


def show_file(args: argparse.Namespace) -> int:
    trajectory = Trajectory.load(args.file)
    print(f"{args.file}: {trajectory.task} on {trajectory.map}, {trajectory.variant}, speed {trajectory.speed:g}")
    print(f"  {len(trajectory.steps)} steps, verification {trajectory.verification}; expects {_expected(trajectory)}")
    for said in trajectory.overrides:
        print(f"  departs from the task: {said}")
    return 0


def _expected(trajectory: Trajectory) -> str:
    expect = trajectory.expect
    if expect.is_empty:
        return "nothing yet"
    said = [] if expect.success is None else [f"success {expect.success}"]
    said += [f"{name} {t.describe()}" for name, t in (("throughput", expect.throughput), ("score", expect.score)) if t]
    return ", ".join(said)
