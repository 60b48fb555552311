"""Run the emulator as a real process, the way a harness runs Factorio.

Readiness is read from the log (the RCON line), so these tests exercise the
same contract a harness relies on with real Factorio. This is the tests' own
small runner; the library's FactorioServer (issue 3) will replace it.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import factorio_rcon
import psutil

from fle_testkit.backends.base import LogBuffer
from fle_testkit.readiness import Backoff, Deadline, LogLine, WaitFailed, WaitTimeout, poll

RCON_LINE = re.compile(r"Starting RCON interface at IP ADDR:\(\{([\d.]+):(\d+)\}\)")
PASSWORD = "test-password"
READY_TIMEOUT = 30.0

LAB_CONTROL = """\
script.on_init(function()
  storage.created_at = game.tick
  storage.boots = (storage.boots or 0) + 1
end)
script.on_load(function()
  loaded_count = (loaded_count or 0) + 1
end)
"""


def write_scenario(write_data: Path, name: str = "lab", control: str = LAB_CONTROL, **extra: str) -> Path:
    directory = write_data / "scenarios" / name
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "control.lua").write_text(control)
    for rel, text in extra.items():
        (directory / rel).parent.mkdir(parents=True, exist_ok=True)
        (directory / rel).write_text(text)
    return directory


def server_settings(write_data: Path, **overrides: object) -> Path:
    import json

    settings = {"auto_pause": False, "autosave_slots": 0, **overrides}
    path = write_data / "server-settings.json"
    path.write_text(json.dumps(settings))
    return path


@dataclass
class EmulatorProcess:
    """One emulator process with its write-data directory and its log."""

    write_data: Path
    args: list[str]
    process: subprocess.Popen | None = None
    log_buffer: LogBuffer = field(default_factory=lambda: LogBuffer(keep=1_000_000))
    rcon_port: int | None = None
    cwd: Path | None = None  # the working directory; write_data when None
    _reader: threading.Thread | None = None

    def start(self, timeout: float = READY_TIMEOUT, ready: re.Pattern[str] | str = RCON_LINE) -> EmulatorProcess:
        """Start the process and wait for the ``ready`` line (by default the RCON line)."""
        command = [sys.executable, "-m", "fle_testkit.emulator", *self.args]
        self.process = subprocess.Popen(
            command,
            cwd=self.cwd or self.write_data,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.wait_for(ready, timeout)
        return self

    def _read(self) -> None:
        assert self.process and self.process.stdout
        try:
            for line in self.process.stdout:
                match = RCON_LINE.search(line)
                if match:
                    self.rcon_port = int(match.group(2))
                self.log_buffer.append(line.rstrip("\n"))
        finally:
            self.log_buffer.close()

    @property
    def lines(self) -> list[str]:
        return self.log_buffer.lines()

    def wait_for(self, pattern: re.Pattern[str] | str, timeout: float = READY_TIMEOUT) -> str:
        """The first line since the start that matches (the library's wait, as FactorioServer uses it)."""
        condition = LogLine(self.log_buffer, re.compile(pattern) if isinstance(pattern, str) else pattern)
        try:
            condition.wait(Deadline(timeout))
        except WaitFailed:
            code = self.process.wait(5) if self.process else None
            raise AssertionError(
                f"server exited with {code} before {condition.pattern.pattern!r}:\n" + self.log()
            ) from None
        except WaitTimeout:
            raise AssertionError(
                f"no line matching {condition.pattern.pattern!r} within {timeout}s:\n" + self.log()
            ) from None
        assert condition.line is not None
        return condition.line

    def client(self) -> factorio_rcon.RCONClient:
        assert self.rcon_port is not None
        return factorio_rcon.RCONClient("127.0.0.1", self.rcon_port, PASSWORD, timeout=10)

    @contextlib.contextmanager
    def connect(self) -> Iterator[factorio_rcon.RCONClient]:
        """A connected client, closed afterwards (1.2.1's client is no context manager)."""
        client = self.client()
        try:
            yield client
        finally:
            client.close()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout)
        if self._reader:
            self._reader.join(5)
        return code

    def log(self) -> str:
        return "\n".join(self.lines[-60:])


def emulator_args(write_data: Path, running: list[str], *extra: str) -> list[str]:
    config = write_data / "config.ini"
    config.write_text(f"[path]\nwrite-data={write_data}\n")
    return [
        "-c",
        str(config),
        *running,
        "--port",
        "0",
        "--rcon-port",
        "0",
        "--rcon-password",
        PASSWORD,
        "--server-settings",
        str(server_settings(write_data)),
        *extra,
    ]


def run_to_exit(args: list[str], cwd: Path, timeout: float = READY_TIMEOUT) -> subprocess.CompletedProcess[str]:
    """Run the emulator when it is expected to exit by itself (``--help``, refused starts)."""
    return subprocess.run(
        [sys.executable, "-m", "fle_testkit.emulator", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def make_save(write_data: Path, name: str, scenario: str = "lab", seed: int = 1) -> Path:
    """A fresh game of ``scenario`` saved as ``saves/NAME.zip``, built in-process (no server)."""
    from fle_testkit.emulator.gamedata import load_vanilla
    from fle_testkit.emulator.level import Level
    from fle_testkit.emulator.model.world import World
    from fle_testkit.emulator.process import CORE_LUALIB
    from fle_testkit.emulator.saves import read_scenario, write_save

    gamedata = load_vanilla()
    level = Level.new(
        gamedata=gamedata,
        name=scenario,
        scenario_files=read_scenario(write_data / "scenarios" / scenario),
        world=World.new(gamedata, seed),
        log=lambda line: None,
        script_log=lambda line: None,
        script_output=write_data / "script-output",
        core_lualib=CORE_LUALIB,
    )
    path = write_data / "saves" / f"{name}.zip"
    write_save(path, level.snapshot())
    return path


EMULATOR_MODULE = "fle_testkit.emulator"  # servers of the embedded backend run `python -m fle_testkit.emulator`


def emulator_processes(root: Path) -> list[str]:
    """Live emulator processes started for the run in ``root`` (their cwd or command line is under it)."""
    roots = {str(root), str(root.resolve())}
    found = []
    for proc in psutil.process_iter(["cmdline", "cwd", "status"]):
        cmdline = proc.info["cmdline"] or []
        if EMULATOR_MODULE not in cmdline or proc.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        text = " ".join(cmdline)
        if any(r in (proc.info["cwd"] or "") or r in text for r in roots):
            found.append(f"pid {proc.pid}: {text}")
    return found


def leftover_emulators(root: Path, timeout: float = 5.0) -> list[str]:
    """Emulators of ``root`` still alive after ``timeout`` s (a killed worker's server gets SIGTERM, not instant death)."""
    try:
        return poll(
            lambda: [] if not emulator_processes(root) else None,
            Deadline(timeout),
            backoff=Backoff(first=0.05, cap=0.05),
            on_timeout=lambda attempts: WaitTimeout("emulators left"),
        )
    except WaitTimeout:
        return emulator_processes(root)


def outlives(pid: int, timeout: float = 20.0) -> bool:
    """Whether process ``pid`` is still alive after ``timeout`` s (then it is killed, so nothing leaks)."""
    try:
        psutil.Process(pid).wait(timeout=timeout)
    except psutil.NoSuchProcess:
        return False
    except psutil.TimeoutExpired:
        psutil.Process(pid).kill()
        return True
    return False
