from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fle_testkit.errors import ConfigurationError
from fle_testkit.perf.report import CommitInfo, Report
from fle_testkit.perf.storage import Storage, machine_id


def test_machine_id_shape() -> None:
    assert re.fullmatch(r"[A-Za-z]+-[A-Za-z]+-\d+\.\d+-\d+bit", machine_id())


def test_two_saves_are_numbered_one_and_two(make_report, tmp_path: Path) -> None:
    storage = Storage(tmp_path / ".fle" / "perf", machine="Linux-CPython-3.11-64bit")
    first = storage.save(make_report({"reset": [0.1]}))
    second = storage.save(make_report({"reset": [0.2]}), name="after fix/2")
    assert first == tmp_path / ".fle/perf/Linux-CPython-3.11-64bit/0001_abc12345.json"
    assert second.name == "0002_after-fix-2.json"
    assert [(run.number, run.label) for run in storage.list_runs()] == [(1, "0001_abc12345"), (2, "0002_after-fix-2")]
    assert Report.load(second).benchmark("reset").stats.median == 0.2
    assert not [p for p in storage.directory.iterdir() if p.name.endswith(".tmp")]


def test_default_name_without_git_and_when_dirty(make_report, tmp_path: Path) -> None:
    storage = Storage(tmp_path)
    report = make_report({"reset": [0.1]})
    no_git = Report.from_dict(report.to_dict() | {"commit_info": {}})
    dirty = Report.from_dict(report.to_dict() | {"commit_info": CommitInfo("abc1234567890def", dirty=True).to_dict()})
    assert storage.save(no_git).name == "0001_run.json"
    assert storage.save(dirty).name == "0002_abc12345-dirty.json"


def test_numbering_continues_after_the_highest(make_report, tmp_path: Path) -> None:
    storage = Storage(tmp_path, machine="m")
    storage.directory.mkdir(parents=True)
    (storage.directory / "0007_old.json").write_text(make_report({"reset": [0.1]}).to_json())
    (storage.directory / "notes.txt").write_text("not a run")
    assert storage.save(make_report({"reset": [0.1]})).name == "0008_abc12345.json"


def test_concurrent_saves_do_not_collide(make_report, tmp_path: Path) -> None:
    storage = Storage(tmp_path, machine="m")
    reports = [make_report({"reset": [0.1 * (i + 1)]}) for i in range(16)]
    with ThreadPoolExecutor(8) as pool:
        # Different names on purpose: numbers must still be unique.
        paths = list(pool.map(lambda i: Storage(tmp_path, machine="m").save(reports[i], name=f"t{i}"), range(16)))
    assert len(set(paths)) == 16
    assert sorted(run.number for run in storage.list_runs()) == list(range(1, 17))
    for path in paths:
        json.loads(path.read_text())  # every file whole


def test_resolve(make_report, tmp_path: Path) -> None:
    storage = Storage(tmp_path / "perf", machine="m")
    one = storage.save(make_report({"reset": [0.1]}), name="base")
    two = storage.save(make_report({"reset": [0.2]}), name="head")
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(make_report({"reset": [0.3]}).to_json())
    assert storage.resolve(None) == two
    assert storage.resolve(1) == one
    assert storage.resolve("2") == two
    assert storage.resolve("0001_base") == one
    assert storage.resolve("head") == two
    assert storage.resolve(elsewhere) == elsewhere
    assert storage.resolve(str(elsewhere)) == elsewhere
    assert storage.load(1).name == "0001_base"


def test_resolve_unknown_run_lists_the_saved_ones(make_report, tmp_path: Path) -> None:
    storage = Storage(tmp_path, machine="m")
    storage.save(make_report({"reset": [0.1]}), name="base")
    with pytest.raises(ConfigurationError, match=r"no saved perf run number 9 .*saved runs: 0001_base"):
        storage.resolve(9)
    with pytest.raises(ConfigurationError, match="'nope' is neither a file nor a saved run"):
        storage.resolve("nope")


def test_resolve_latest_with_nothing_saved(tmp_path: Path) -> None:
    Storage(tmp_path, machine="other-machine").directory.mkdir(parents=True)
    with pytest.raises(ConfigurationError, match="no saved perf runs .*other machines: other-machine"):
        Storage(tmp_path, machine="m").resolve(None)


def test_the_latest_run_of_a_kind_passes_over_newer_runs_of_other_kinds(tmp_path: Path, make_report) -> None:
    storage = Storage(tmp_path, machine="m")
    functional = make_report({"reset[lua]": [0.001]}, workers=8, suite=["suites/functional"])
    storage.save(functional, name="eight")
    storage.save(make_report({"reset[lua]": [0.002]}, workers=1, suite=["suites/functional"]), name="one")
    (storage.directory / "0003_broken.json").write_text("{")  # unreadable: of no kind
    assert [run.name for run in storage.runs_like(functional, 1)] == ["0001_eight"]
    assert storage.runs_like(make_report({}, workers=4, suite=["suites/functional"]), 5) == []


def test_latest_and_the_runs_before_it_are_named_as_git_counts(tmp_path: Path, make_report) -> None:
    storage = Storage(tmp_path, machine="m")
    for name in ("a", "b", "c"):
        storage.save(make_report({"reset": [0.1]}), name=name)
    assert storage.resolve("latest").name == "0003_c.json"
    assert storage.resolve("latest~2").name == "0001_a.json"
    with pytest.raises(ConfigurationError, match="'latest~3' is before the first saved run"):
        storage.resolve("latest~3")
