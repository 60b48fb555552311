"""A run's report and its JSON, in pytest-benchmark's own format plus our sections.

::

    {"schema": 2, "machine_info": {...}, "commit_info": {...}, "datetime": "...", "version": "<pytest-benchmark's>",
     "fle_testkit": {"backend": ..., "image": ..., "workers": N, "missing_workers": [...], "version": ..., "suite": [...],
                     "load": {"foreign_cpus": ..., "own_cpus": ..., "seconds": ..., "cpu_count": N}},
     "benchmarks": [{"name": "reset[lua]", "fullname": "fle-testkit::reset[lua]", "group": "reset",
                     "params": null, "param": null, "options": {}, "extra_info": {...}, "stats": {...}, "unit": "s"}],
     "summary": {"reset_s_median": ..., "restart_s_p95": ..., "reset_rounds": ...}}

Every field pytest-benchmark's ``compare``, ``list`` and histogram read is
there (schema 2), so ``pytest-benchmark --storage file://.fle/perf compare``
works on saved runs. Schema 1 reports (before that) are still read.

The summary is per phase, over the samples of every detail of that phase
(``reset`` covers ``reset[lua]`` and ``reset[save]``); its keys carry their
unit: ``<phase>_s_<stat>`` for times, ``<phase>_rounds`` for counts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from ..timings import PhaseTiming
from .errors import ReportError
from .load import Load
from .stats import Record, Stats, group_of, group_records

SCHEMA = 2
UNIT = "s"
SUMMARY_STATS = ("min", "median", "mean", "p95", "max")


def benchmark_version() -> str:
    """pytest-benchmark's version, which its own files carry at the top."""
    try:
        return metadata.version("pytest-benchmark")
    except metadata.PackageNotFoundError:
        return "unknown"


def testkit_version() -> str:
    try:
        return metadata.version("fle-testkit")
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class MachineInfo:
    """Where the run happened (pytest-benchmark's ``machine_info``, without py-cpuinfo)."""

    node: str = ""
    processor: str = ""
    machine: str = ""
    system: str = ""
    release: str = ""
    python_implementation: str = ""
    python_version: str = ""
    cpu_count: int | None = None

    @classmethod
    def current(cls) -> MachineInfo:
        uname = platform.uname()
        return cls(
            node=uname.node,
            processor=uname.processor,
            machine=uname.machine,
            system=uname.system,
            release=uname.release,
            python_implementation=platform.python_implementation(),
            python_version=platform.python_version(),
            cpu_count=os.cpu_count(),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "processor": self.processor,
            "machine": self.machine,
            "system": self.system,
            "release": self.release,
            "python_implementation": self.python_implementation,
            "python_version": self.python_version,
            "cpu": {"count": self.cpu_count},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MachineInfo:
        cpu = data.get("cpu") or {}
        return cls(
            **{
                name: str(data.get(name) or "")
                for name in (
                    "node",
                    "processor",
                    "machine",
                    "system",
                    "release",
                    "python_implementation",
                    "python_version",
                )
            },
            cpu_count=cpu.get("count") if isinstance(cpu, Mapping) else None,
        )


@dataclass(frozen=True)
class CommitInfo:
    """The commit measured; every field is None when git is absent or this is no repository."""

    id: str | None = None
    branch: str | None = None
    dirty: bool | None = None
    time: str | None = None  # committer date, ISO 8601

    @property
    def short_id(self) -> str | None:
        return self.id[:8] if self.id else None

    @classmethod
    def from_git(cls, cwd: str | os.PathLike[str] | None = None) -> CommitInfo:
        def git(*args: str) -> str | None:
            try:
                done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=True)
            except (OSError, subprocess.SubprocessError):
                return None  # no git, not a repository, no commit yet: a report without commit info
            return done.stdout.strip()

        commit = git("rev-parse", "HEAD")
        if not commit:
            return cls()
        branch = git("rev-parse", "--abbrev-ref", "HEAD")
        status = git("status", "--porcelain", "--untracked-files=no")
        return cls(
            id=commit,
            branch=None if branch in (None, "HEAD") else branch,  # "HEAD": detached
            dirty=None if status is None else bool(status),
            time=git("log", "-1", "--format=%cI") or None,
        )

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "branch": self.branch, "dirty": self.dirty, "time": self.time}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CommitInfo:
        return cls(id=data.get("id"), branch=data.get("branch"), dirty=data.get("dirty"), time=data.get("time"))


@dataclass(frozen=True)
class RunInfo:
    """The ``fle_testkit`` section: what was measured, with which backend and how many workers.

    ``suite`` is what pytest was asked to run (paths relative to the rootdir,
    ``-k``/``-m`` expressions): with the backend, image and worker count it
    makes a run's *kind*, and only runs of one kind compare like with like.
    """

    backend: str
    image: str | None = None
    workers: int = 1
    missing_workers: tuple[str, ...] = ()  # workers whose timings never reached the controller
    version: str = field(default_factory=testkit_version)
    suite: tuple[str, ...] = ()
    load: Load | None = None  # how busy the machine was with other work; not part of the kind

    def kind(self) -> dict[str, Any]:
        suite = " ".join(self.suite) or "(unknown)"
        return {"suite": suite, "backend": self.backend, "image": self.image, "workers": self.workers}

    def to_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "image": self.image,
            "workers": self.workers,
            "missing_workers": list(self.missing_workers),
            "version": self.version,
            "suite": list(self.suite),
            "load": self.load.to_dict() if self.load is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunInfo:
        return cls(
            backend=str(data.get("backend", "")),
            image=data.get("image"),
            workers=int(data.get("workers", 1)),
            missing_workers=tuple(data.get("missing_workers", ())),
            version=str(data.get("version", "unknown")),
            suite=tuple(str(part) for part in data.get("suite") or ()),
            load=Load.from_dict(data.get("load")),
        )


def differences(current: Report, baseline: Report) -> list[str]:
    """How two runs differ in kind or machine, one line each (``workers: 1 -> 8``); [] when alike."""
    before, now = baseline.run.kind(), current.run.kind()
    lines = [f"{key}: {before[key]} -> {now[key]}" for key in now if before[key] != now[key]]
    machine = ("node", "cpu_count", "python_version")
    for key in machine:
        was, is_ = getattr(baseline.machine_info, key), getattr(current.machine_info, key)
        if was != is_:
            lines.append(f"machine {key}: {was} -> {is_}")
    return lines


@dataclass(frozen=True)
class Benchmark:
    """One benchmark: a phase, or a phase with a detail (``reset[lua]``)."""

    name: str
    group: str
    stats: Stats
    unit: str = UNIT
    # Free-form, as in pytest-benchmark; from_records puts {"labels": {label: rounds}} here.
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "fullname": f"fle-testkit::{self.name}",
            "group": self.group,
            "params": None,
            "param": None,
            "options": {},
            "extra_info": dict(self.extra),
            "stats": self.stats.to_dict(),
            "unit": self.unit,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Benchmark:
        try:
            name = str(data["name"])
            stats = Stats.from_dict(data["stats"])
        except KeyError as error:
            raise ReportError(f"benchmark {dict(data)!r} has no {error.args[0]!r}") from error
        return cls(
            name=name,
            group=str(data.get("group") or group_of(name)),
            stats=stats,
            unit=str(data.get("unit", UNIT)),
            extra=dict(data.get("extra_info") or data.get("extra") or {}),  # "extra": schema 1
        )


@dataclass(frozen=True)
class Report:
    """One run's benchmarks with where, what and when they were measured.

    ``source`` is the file a report was loaded from (not serialised, not
    compared); its stem (``0003_abc12345``) names the run in comparisons.
    """

    machine_info: MachineInfo
    commit_info: CommitInfo
    datetime: str
    run: RunInfo
    benchmarks: tuple[Benchmark, ...]
    summary: Mapping[str, float | int]
    source: Path | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        return self.source.stem if self.source is not None else "this run"

    def benchmark(self, name: str) -> Benchmark | None:
        return next((b for b in self.benchmarks if b.name == name), None)

    @property
    def names(self) -> list[str]:
        return [b.name for b in self.benchmarks]

    @classmethod
    def from_records(
        cls,
        records: Iterable[Record],
        *,
        backend: str,
        image: str | None = None,
        workers: int = 1,
        missing_workers: Sequence[str] = (),
        suite: Sequence[str] = (),
        load: Load | None = None,
        machine_info: MachineInfo | None = None,
        commit_info: CommitInfo | None = None,
        when: dt.datetime | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> Report:
        """Build the report of a run from every worker's records (``PhaseTiming`` or their ``asdict``).

        ``machine_info``, ``commit_info`` and ``when`` default to this machine,
        git in ``cwd`` and now (UTC).
        """
        groups = group_records(records)
        benchmarks = tuple(
            Benchmark(
                name=name,
                group=group_of(name),
                stats=Stats.of(r.seconds for r in group),
                extra=_extra_info(group),
            )
            for name, group in groups.items()
        )
        by_phase: dict[str, list[float]] = {}
        for name, group in groups.items():
            by_phase.setdefault(group_of(name), []).extend(r.seconds for r in group)
        return cls(
            machine_info=machine_info or MachineInfo.current(),
            commit_info=commit_info if commit_info is not None else CommitInfo.from_git(cwd),
            datetime=(when or dt.datetime.now(dt.UTC)).isoformat(),
            run=RunInfo(
                backend=backend,
                image=image,
                workers=workers,
                missing_workers=tuple(missing_workers),
                suite=tuple(suite),
                load=load,
            ),
            benchmarks=benchmarks,
            summary=summary_of(by_phase),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "version": benchmark_version(),
            "machine_info": self.machine_info.to_dict(),
            "commit_info": self.commit_info.to_dict(),
            "datetime": self.datetime,
            "fle_testkit": self.run.to_dict(),
            "benchmarks": [b.to_dict() for b in self.benchmarks],
            "summary": dict(self.summary),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: Path | None = None) -> Report:
        where = f"perf report {str(source)!r}" if source is not None else "perf report"
        if not isinstance(data, Mapping):
            raise ReportError(f"{where} is not a JSON object")
        schema = data.get("schema")
        if schema is None:
            raise ReportError(
                f"{where} has no 'schema' key: it is not an fle-testkit perf report "
                "(a pytest-benchmark file has none either)"
            )
        if not isinstance(schema, int) or schema < 1:
            raise ReportError(f"{where} has schema {schema!r}; schemas are whole numbers from 1")
        if schema > SCHEMA:
            raise ReportError(
                f"{where} has schema {schema}, written by a newer fle-testkit; this fle-testkit "
                f"({testkit_version()}) reads schema {SCHEMA}. Upgrade it: pip install -U fle-testkit"
            )
        try:
            return cls(
                machine_info=MachineInfo.from_dict(data.get("machine_info") or {}),
                commit_info=CommitInfo.from_dict(data.get("commit_info") or {}),
                datetime=str(data.get("datetime", "")),
                run=RunInfo.from_dict(data["fle_testkit"]),
                benchmarks=tuple(Benchmark.from_dict(b) for b in data["benchmarks"]),
                summary=dict(data.get("summary") or {}),
                source=source,
            )
        except KeyError as error:
            raise ReportError(f"{where} has no {error.args[0]!r} section") from error
        except ReportError as error:
            raise ReportError(f"{where}: {error}") from error

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Report:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise ReportError(f"cannot read perf report {str(path)!r}: {error.strerror or error}") from error
        except ValueError as error:
            raise ReportError(f"perf report {str(path)!r} is not JSON: {error}") from error
        return cls.from_dict(data, source=path)

    def with_source(self, path: Path) -> Report:
        return replace(self, source=path)


def _extra_info(group: Sequence[PhaseTiming]) -> dict[str, Any]:
    """A benchmark's ``extra_info``: which servers it ran on, and the sums of its records' extra figures
    (a trajectory's game seconds, resets and restarts) with the wall time per game second."""
    found: dict[str, Any] = {"labels": dict(sorted(Counter(r.label for r in group if r.label).items()))}
    for record in group:
        for key, value in record.extra.items():
            found[key] = found.get(key, 0.0) + value
    if found.get("game_s"):
        found["wall_per_game_s"] = sum(r.seconds for r in group) / found["game_s"]
    return found


def summary_of(samples_by_phase: Mapping[str, list[float]]) -> dict[str, float | int]:
    """``<phase>_s_<stat>`` for each time statistic, ``<phase>_rounds`` for the count."""
    summary: dict[str, float | int] = {}
    for phase, samples in samples_by_phase.items():
        stats = Stats.of(samples)
        for stat in SUMMARY_STATS:
            summary[f"{phase}_{UNIT}_{stat}"] = getattr(stats, stat)
        summary[f"{phase}_rounds"] = stats.rounds
    return summary
