"""Helpers of test_plugin.py: shared pytester runs, leftover servers, save-directory locks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from emulator_process import leftover_emulators

from fle_testkit.errors import SaveDirLockedError
from fle_testkit.savedir import SaveRoot

# A conftest for the inner runs: tests there write what they saw under out/,
# which the outer test reads back (stdout of xdist workers is not shown).
INNER_CONFTEST = """
import pytest
from pathlib import Path


@pytest.fixture
def record(request):
    out = Path(request.config.rootpath) / "out"
    out.mkdir(exist_ok=True)

    def write(name, text):
        (out / name).write_text(str(text))

    return write
"""


def lock_is_free(directory: Path) -> bool:
    """Whether this process can claim save directory ``directory`` (released again at once)."""
    try:
        save_dir = SaveRoot(directory.parent).claim(int(directory.name))
    except SaveDirLockedError:
        return False
    save_dir.release()
    return True


@dataclass
class Run:
    """One inner pytest run, with what tests read of it taken at once.

    A pytester directory may be removed after the test that made it (with
    ``tmp_path_retention_policy``), so files are read into memory here.
    """

    result: pytest.RunResult
    path: Path
    out: dict[str, str] = field(default_factory=dict)  # what the inner tests wrote with `record`
    leftovers: list[str] = field(default_factory=list)  # emulator processes alive after the run
    locks_free: dict[str, bool] = field(default_factory=dict)  # save dir (relative) -> claimable after the run
    files: dict[str, str] = field(default_factory=dict)  # other files asked for (relative path -> text)

    @property
    def stdout(self) -> str:
        return self.result.stdout.str()


def run_servers(
    pytester: pytest.Pytester, *args: str, lock_dirs: tuple[str, ...] = (), read: tuple[str, ...] = ()
) -> Run:
    """A subprocess run (servers start there), then the state it left: leftovers, locks, files.

    ``read`` holds glob patterns relative to the run's directory.
    """
    result = pytester.runpytest_subprocess(*args, timeout=180)
    path = pytester.path
    out_dir = path / "out"
    run = Run(result=result, path=path)
    run.out = {p.name: p.read_text() for p in sorted(out_dir.iterdir())} if out_dir.is_dir() else {}
    run.leftovers = leftover_emulators(path)
    run.locks_free = {d: lock_is_free(path / d) for d in lock_dirs}
    for pattern in read:
        for found in sorted(path.glob(pattern)):
            run.files[str(found.relative_to(path))] = found.read_text()
    return run


class SharedRuns:
    """Server-starting runs made once per module, each read by several tests.

    A run costs about a second; the first test that needs one makes it in its
    own pytester directory, later tests get the same ``Run``.
    """

    def __init__(self) -> None:
        self._runs: dict[str, Any] = {}

    def get(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self._runs:
            self._runs[name] = make()
        return self._runs[name]
