"""Servers that run as local processes: the emulator and a local Factorio.

Both take Factorio's command line. The server's write-data directory is its
``run_dir``: ``config.ini`` points Factorio there, ``saves`` is a link to the
server's SaveDir and ``scenarios/NAME`` a link to the scenario, so the save
directory stays the server's identity wherever the process runs.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from ..errors import BackendUnavailable
from .base import OWNS_PROCESS, LaunchSpec, LogBuffer, pump_lines, write_json
from .ports import PortReservation, reserve_port
from .reaper import reaper

PR_SET_PDEATHSIG = 1


class LocalProcess:
    """A server subprocess with its log and its reserved ports."""

    rcon_host = "127.0.0.1"

    def __init__(self, popen: subprocess.Popen[str], rcon: PortReservation, game: PortReservation) -> None:
        self._popen = popen
        self._ports = (rcon, game)
        self.rcon_port = rcon.port
        self.game_port = game.port
        self.log = LogBuffer()
        if popen.stdout is None:
            raise BackendUnavailable("the server process was started without a stdout pipe")
        self._pump = pump_lines(popen.stdout, self.log)
        reaper().watch_pid(popen.pid)  # SIGKILL, should the harness die and SIGTERM not be enough

    @property
    def pid(self) -> int:
        return self._popen.pid

    def is_alive(self) -> bool:
        return self._popen.poll() is None

    def exit_code(self) -> int | None:
        return self._popen.poll()

    def terminate(self) -> None:
        if self.is_alive():
            self._popen.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        if self.is_alive():
            self._popen.kill()

    def wait(self, timeout: float) -> int | None:
        try:
            code = self._popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self._pump.join(timeout=5)
        for port in self._ports:
            port.release()
        reaper().forget_pid(self._popen.pid)
        return code

    def describe(self) -> str:
        return f"pid {self.pid}"


class LocalBackend:
    """Shared by ``embedded`` and ``binary``: only the executable differs."""

    name = "local"
    capabilities = OWNS_PROCESS

    def for_server(self, index: int) -> LocalBackend:
        return self

    def command(self) -> list[str]:
        raise NotImplementedError

    def read_data(self) -> Path | None:
        return None

    def describe(self) -> str:
        return self.name

    def launch(self, spec: LaunchSpec) -> LocalProcess:
        write_data = _prepare_write_data(spec, self.read_data())
        rcon = reserve_port("tcp")
        game = reserve_port("udp", host="0.0.0.0")
        argv = [
            *self.command(),
            "--config",
            str(write_data / "config" / "config.ini"),
            *spec.running_flags(),
            "--port",
            str(game.port),
            "--rcon-bind",
            f"127.0.0.1:{rcon.port}",
            "--rcon-password",
            spec.password,
            "--server-settings",
            str(write_data / "config" / "server-settings.json"),
        ]
        if spec.seed is not None and spec.mode == "scenario":
            argv += ["--map-gen-seed", str(spec.seed)]
        try:
            popen = subprocess.Popen(
                argv,
                cwd=write_data,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                errors="replace",
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                # Its own session: a Ctrl-C at the terminal goes to pytest, whose
                # teardown stops the server, instead of killing it mid-run.
                start_new_session=True,
                preexec_fn=_die_with_parent if threading.current_thread() is threading.main_thread() else None,
            )
        except OSError as error:
            rcon.release()
            game.release()
            raise BackendUnavailable(f"{self.name}: cannot run {argv[0]!r}: {error.strerror}") from error
        return LocalProcess(popen, rcon, game)


class EmbeddedBackend(LocalBackend):
    """fle-testkit's own Factorio-compatible server, as a subprocess."""

    name = "embedded"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "fle_testkit.emulator"]

    def describe(self) -> str:
        from ..emulator import messages  # the one place the library reads the emulator

        return f"embedded (emulated Factorio {messages.FACTORIO_VERSION})"


class BinaryBackend(LocalBackend):
    """A local Factorio install: ``<install>/bin/x64/factorio``."""

    name = "binary"

    def __init__(self, executable: Path) -> None:
        self.executable = Path(executable)
        if not self.executable.is_file() or not os.access(self.executable, os.X_OK):
            raise BackendUnavailable(
                f"binary backend: {str(self.executable)!r} is not an executable Factorio; pass the path "
                "of bin/x64/factorio with --factorio-binary (ini factorio_binary, env FLE_TESTKIT_BINARY)"
            )

    def command(self) -> list[str]:
        return [str(self.executable)]

    def read_data(self) -> Path | None:
        # <install>/bin/x64/factorio -> <install>/data, as Factorio's own config.ini says.
        return self.executable.resolve().parent.parent.parent / "data"

    def describe(self) -> str:
        return f"binary ({self.executable})"


def _prepare_write_data(spec: LaunchSpec, read_data: Path | None) -> Path:
    write_data = spec.run_dir.resolve()
    (write_data / "config").mkdir(parents=True, exist_ok=True)
    lines = ["[path]"]
    if read_data is not None:
        lines.append(f"read-data={read_data}")
    lines.append(f"write-data={write_data}")
    (write_data / "config" / "config.ini").write_text("\n".join(lines) + "\n")
    write_json(write_data / "config" / "server-settings.json", spec.server_settings)
    _link(write_data / "saves", spec.save_dir.resolve())
    if spec.scenario_dir is not None:
        (write_data / "scenarios").mkdir(exist_ok=True)
        _link(write_data / "scenarios" / str(spec.target), spec.scenario_dir.resolve())
    return write_data


def _link(link: Path, target: Path) -> None:
    """Point ``link`` at ``target``, replacing an older link (never a real directory)."""
    if link.is_symlink():
        if link.resolve() == target:
            return
        link.unlink()
    elif link.exists():
        raise BackendUnavailable(f"{link} exists and is not a link fle-testkit made; remove it")
    link.symlink_to(target, target_is_directory=True)


def _find_prctl() -> Any:
    # Looked up here, in the parent: loading a library in the forked child of a
    # threaded process can deadlock.
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _find_prctl()


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM when the process that started it dies.

    So a pytest killed with SIGKILL leaves no server behind. Only set when the
    launch happens on the main thread: the signal follows the *thread* that
    forked, and a worker thread may end long before the run does.
    """
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, int(signal.SIGTERM))
