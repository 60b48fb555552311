"""Saved reports: ``.fle/perf/<machine-id>/NNNN_<name>.json``, as pytest-benchmark stores them.

Runs are numbered per machine id (reports from different machines do not
compare). A save never overwrites: the number is chosen under a lock file in
the machine's folder (so two savers, threads or processes, never share a
number even under different names), the final name is claimed with
``O_EXCL`` (retrying on the next number should it exist), and the content is
written to a temporary file then renamed over the claim, so a reader sees
either nothing or a whole report.
"""

from __future__ import annotations

import os
import platform
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from ..errors import ConfigurationError
from .errors import ReportError
from .report import Report

DEFAULT_ROOT = Path(".fle") / "perf"
_RUN_FILE = re.compile(r"^(?P<number>\d{4,})_(?P<name>.+)\.json$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_LATEST = re.compile(r"^latest(?:~(?P<steps>\d+))?$")


def machine_id() -> str:
    """``Linux-CPython-3.11-64bit``: system, implementation, Python minor version, word size."""
    major, minor, _ = platform.python_version_tuple()
    return f"{platform.system()}-{platform.python_implementation()}-{major}.{minor}-{platform.architecture()[0]}"


@dataclass(frozen=True)
class StoredRun:
    number: int
    name: str
    path: Path

    @property
    def label(self) -> str:
        """``0003_abc12345``: how comparisons and charts name the run."""
        return self.path.stem


def default_name(report: Report) -> str:
    """The short commit id (``-dirty`` with uncommitted changes), or ``run`` without git."""
    commit = report.commit_info
    if not commit.short_id:
        return "run"
    return commit.short_id + ("-dirty" if commit.dirty else "")


class Storage:
    """The saved runs of one machine id under ``root`` (default ``.fle/perf`` in the working directory)."""

    def __init__(self, root: str | os.PathLike[str] = DEFAULT_ROOT, machine: str | None = None) -> None:
        self.root = Path(root)
        self.machine = machine or machine_id()

    @property
    def directory(self) -> Path:
        return self.root / self.machine

    def machines(self) -> list[str]:
        """Machine ids with a folder under ``root``."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir())

    def list_runs(self) -> list[StoredRun]:
        """Saved runs, oldest (lowest number) first."""
        if not self.directory.is_dir():
            return []
        runs = []
        for path in self.directory.iterdir():
            match = _RUN_FILE.match(path.name)
            if match and path.is_file():
                runs.append(StoredRun(int(match["number"]), match["name"], path))
        return sorted(runs, key=lambda run: (run.number, run.name))

    def latest(self) -> StoredRun | None:
        runs = self.list_runs()
        return runs[-1] if runs else None

    def runs_like(self, report: Report, count: int, *, up_to: Path | None = None) -> list[Report]:
        """The newest ``count`` saved runs of ``report``'s kind (suite, backend, image, workers), oldest first.

        ``up_to``: only that run and older ones. Unreadable reports are passed
        over: they cannot be of any kind.
        """
        wanted = report.run.kind()
        runs = self.list_runs()
        if up_to is not None:
            position = next((i for i, run in enumerate(runs) if run.path.resolve() == up_to.resolve()), None)
            runs = runs[: position + 1] if position is not None else []
        found: list[Report] = []
        for run in reversed(runs):
            if len(found) >= count:
                break
            try:
                saved = Report.load(run.path)
            except ReportError:
                continue
            if saved.run.kind() == wanted:
                found.append(saved)
        return found[::-1]

    def save(self, report: Report, name: str | None = None) -> Path:
        """Write ``report`` as the next numbered run; returns its path."""
        name = _UNSAFE.sub("-", name or default_name(report)).strip("-") or "run"
        content = report.to_json().encode("utf-8")
        self.directory.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.directory / ".save.lock")):
            number = max((run.number for run in self.list_runs()), default=0) + 1
            while True:
                final = self.directory / f"{number:04d}_{name}.json"
                try:
                    os.close(os.open(final, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
                    break
                except FileExistsError:
                    number += 1  # a saver that did not take the lock (an older version, another host on NFS)
            fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=f".{final.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(content)
                os.replace(temporary, final)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                final.unlink(missing_ok=True)
                raise
        return final

    def resolve(self, spec: int | str | os.PathLike[str] | None = None) -> Path:
        """The report file ``spec`` names, as ``--perf-compare[=N|PATH]`` and ``fle-testkit perf`` take it.

        ``None`` or ``latest``: the latest run; ``latest~N``: the Nth before
        it (as git counts); an int or digits: run number N; an existing file:
        itself; otherwise a saved run's name (``0003_abc``) or its suffix (``abc``).
        """
        runs = self.list_runs()
        back = _LATEST.match(str(spec)) if spec is not None else None
        if spec is None or back is not None:
            steps = int(back["steps"] or 0) if back is not None else 0
            if not runs:
                raise ConfigurationError(self._nothing_saved())
            if steps >= len(runs):
                raise ConfigurationError(self._unknown(f"{spec!r} is before the first saved run", runs))
            return runs[-1 - steps].path
        if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
            number = int(spec)
            found = [run for run in runs if run.number == number]
            if not found:
                raise ConfigurationError(self._unknown(f"no saved perf run number {number}", runs))
            return found[-1].path
        path = Path(spec)
        if path.is_file():
            return path
        text = os.fspath(spec)
        found = [run for run in runs if text in (run.label, run.name, run.path.name)]
        if not found:
            raise ConfigurationError(self._unknown(f"perf run {text!r} is neither a file nor a saved run", runs))
        return found[-1].path

    def load(self, spec: int | str | os.PathLike[str] | None = None) -> Report:
        return Report.load(self.resolve(spec))

    def _nothing_saved(self) -> str:
        others = [m for m in self.machines() if m != self.machine]
        hint = f" Runs of other machines: {', '.join(others)}." if others else ""
        return (
            f"no saved perf runs in {str(self.directory)!r}: save a run first (the pytest plugin's "
            f"perf options), or give a report file's path.{hint}"
        )

    def _unknown(self, what: str, runs: list[StoredRun]) -> str:
        if not runs:
            return f"{what}; {self._nothing_saved()}"
        listed = ", ".join(run.label for run in runs[-10:])
        return f"{what} in {str(self.directory)!r}; saved runs: {listed} (`fle-testkit perf list`)"
