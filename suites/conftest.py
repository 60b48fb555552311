"""Fixtures shared by every suite."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

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


@pytest.fixture(scope="module")
def module_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., EmulatorProcess]]:
    """Like ``emulator``, for a server that a whole module's tests share.

    Each call gets its own write-data directory with the ``lab`` scenario;
    ``prepare(write_data)`` may add files (another scenario, a save) first.
    """
    started: list[EmulatorProcess] = []

    def start(
        *running: str, extra: tuple[str, ...] = (), prepare: Callable[[Path], object] | None = None
    ) -> EmulatorProcess:
        write_data = tmp_path_factory.mktemp("write-data")
        write_scenario(write_data)
        if prepare is not None:
            prepare(write_data)
        process = EmulatorProcess(write_data, emulator_args(write_data, list(running), *extra))
        started.append(process)
        return process.start()

    yield start
    for process in started:
        if process.process is not None and process.process.poll() is None:
            process.process.kill()
            process.process.wait(10)


@pytest.fixture
def servers() -> Iterator[list]:
    """FactorioServers a test made (append them): killed if still running, directories released."""
    made: list = []
    yield made
    for server in made:
        if server.is_alive():
            server.kill()
        server.save_dir.release()
