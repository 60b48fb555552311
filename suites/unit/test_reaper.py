"""The reaper ends what its harness registered once the harness is gone, even what ignores SIGTERM."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from emulator_process import outlives

STUBBORN = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(600)"
)


def _owner(tmp_path: Path, register: bool) -> tuple[subprocess.Popen[str], int]:
    """A harness-like process that starts a SIGTERM-ignoring child, registers it (or not), and waits."""
    script = tmp_path / "owner.py"
    script.write_text(
        "import subprocess, sys, time\n"
        "from fle_testkit.backends.reaper import reaper\n"
        f"child = subprocess.Popen([sys.executable, '-c', {STUBBORN!r}], stdout=subprocess.PIPE, text=True,"
        " start_new_session=True)\n"
        "child.stdout.readline()\n"
        + ("reaper().watch_pid(child.pid)\n" if register else "")
        + "print(child.pid, flush=True); time.sleep(600)\n"
    )
    owner = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    return owner, int(owner.stdout.readline())


def test_a_registered_process_that_ignores_sigterm_is_killed_once_its_owner_dies(tmp_path: Path) -> None:
    owner, child = _owner(tmp_path, register=True)
    owner.kill()
    owner.wait()
    assert not outlives(child), f"pid {child} (ignores SIGTERM) outlived its owner"


def test_an_unregistered_process_is_left_alone(tmp_path: Path) -> None:
    owner, child = _owner(tmp_path, register=False)
    owner.kill()
    owner.wait()
    assert outlives(child, timeout=3)  # nothing ends it: the reaper only ends what it was told of


def test_a_forgotten_process_is_left_alone(tmp_path: Path) -> None:
    from fle_testkit.backends.reaper import Reaper

    child = subprocess.Popen([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, text=True)
    child.stdout.readline()
    mine = Reaper()
    try:
        mine.watch_pid(child.pid)
        mine.forget_pid(child.pid)
        mine.close()  # as at exit: the reaper reaps what is still registered, which is nothing
        with pytest.raises(subprocess.TimeoutExpired):
            child.wait(timeout=3)
    finally:
        child.kill()
        child.wait()
