"""Fixtures shared by every suite."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from emulator_process import EmulatorProcess, emulator_args, write_scenario  # noqa: E402


@pytest.fixture
def write_data(tmp_path: Path) -> Path:
    """A fresh Factorio write-data directory with the test `lab` scenario."""
    write_scenario(tmp_path)
    return tmp_path


@pytest.fixture
def emulator(write_data: Path) -> Iterator[Callable[..., EmulatorProcess]]:
    """Start emulator processes on ``write_data``; all are stopped at the end."""
    started: list[EmulatorProcess] = []

    def start(*running: str, extra: tuple[str, ...] = (), wait: bool = True) -> EmulatorProcess:
        process = EmulatorProcess(write_data, emulator_args(write_data, list(running), *extra))
        started.append(process)
        return process.start() if wait else process

    yield start
    for process in started:
        if process.process is not None and process.process.poll() is None:
            process.process.kill()
            process.process.wait(10)
