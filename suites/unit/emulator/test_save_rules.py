"""Factorio's save rules (``save_rules.py``), shared by the emulator and the harness."""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

from fle_testkit.emulator import save_rules


def test_the_module_is_pure_standard_library() -> None:
    """The harness imports it: it must bring nothing else of the emulator (nor lupa) along."""
    tree = ast.parse(Path(save_rules.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative imports: nothing else of the emulator"
            imported.add((node.module or "").split(".")[0])
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


def test_a_save_is_written_first_to_name_tmp_zip(tmp_path: Path) -> None:
    assert save_rules.temporary_path(tmp_path / "lab.zip") == tmp_path / "lab.tmp.zip"


def test_only_zips_that_are_not_temporary_count() -> None:
    assert save_rules.is_save_file_name("lab.zip")
    assert not save_rules.is_save_file_name("lab.tmp.zip")
    assert not save_rules.is_save_file_name("notes.txt")


def test_saves_come_newest_first_with_size_and_name(tmp_path: Path) -> None:
    for name, mtime in (("old.zip", 1), ("new.zip", 3), ("new.tmp.zip", 9), ("mid.zip", 2)):
        (tmp_path / name).write_bytes(b"x" * mtime)
        os.utime(tmp_path / name, ns=(mtime, mtime))
    found = save_rules.saves_newest_first(tmp_path)
    assert [(s.name, s.size, s.mtime_ns) for s in found] == [("new", 3, 3), ("mid", 2, 2), ("old", 1, 1)]
    assert save_rules.latest_save(tmp_path) == found[0]
    assert save_rules.latest_save(tmp_path / "absent") is None
