"""What every backend shares: the launch request, the process handle, the log.

A backend decides how a server process exists (a subprocess, a container, a
server someone else runs). ``FactorioServer`` asks it to launch with a
``LaunchSpec`` and gets a ``ServerProcess`` back: the process's log lines, its
RCON endpoint, and the means to stop it.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

# How a server starts. "named" loads one save by name; a reset "from the save"
# (the session's reset="save") restores the pristine save as the latest and
# starts with "latest", so "save" names no launch mode.
Mode = Literal["scenario", "latest", "named"]

# What fle-testkit's servers run with, as FLE's own server-settings do: with
# auto_pause true (Factorio's default) a server with no players never ticks.
DEFAULT_SERVER_SETTINGS = {
    "name": "fle-testkit",
    "description": "fle-testkit server",
    "visibility": {"public": False, "lan": False},
    "auto_pause": False,
    "autosave_interval": 10,
    "autosave_slots": 0,
    "allow_commands": "true",
}


@dataclass(frozen=True)
class LaunchSpec:
    """One start of one server, in Factorio's terms.

    ``mode`` is the running option: ``scenario`` (``--start-server-load-scenario
    target``), ``latest`` (``--start-server-load-latest``) or ``named``
    (``--start-server target``).
    """

    mode: Mode
    target: str | None
    run_dir: Path  # private scratch space of this server (write-data of local backends)
    save_dir: Path  # becomes Factorio's saves/
    password: str
    scenario_dir: Path | None = None
    server_settings: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_SERVER_SETTINGS))
    seed: int | None = None
    label: str = "server"  # for messages: "worker gw3", "server 2"

    def running_flags(self) -> list[str]:
        if self.mode == "scenario":
            return ["--start-server-load-scenario", str(self.target)]
        if self.mode == "latest":
            return ["--start-server-load-latest"]
        return ["--start-server", str(self.target)]


class LogBuffer:
    """The last lines a server printed, with a way to wait for one.

    Readers poll with a condition variable, not sleeps, so a wait ends as soon
    as the line arrives.
    """

    def __init__(self, keep: int = 5000) -> None:
        self._lines: deque[str] = deque(maxlen=keep)
        self._count = 0  # lines ever appended, so positions survive the deque's trimming
        self._closed = False
        self._changed = threading.Condition()

    def append(self, line: str) -> None:
        with self._changed:
            self._lines.append(line)
            self._count += 1
            self._changed.notify_all()

    def close(self) -> None:
        """The source ended (process exited): waiters stop waiting."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    @property
    def closed(self) -> bool:
        """The source ended: no line will arrive any more."""
        with self._changed:
            return self._closed

    @property
    def position(self) -> int:
        """A mark to search from: only lines appended after it count."""
        with self._changed:
            return self._count

    def tail(self, n: int = 30) -> list[str]:
        with self._changed:
            return list(self._lines)[-n:]

    def lines(self) -> list[str]:
        with self._changed:
            return list(self._lines)

    def wait_for(self, predicate: Callable[[str], bool], since: int, timeout: float) -> str | None:
        """The first line after ``since`` that matches, or None on timeout/close."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                start = max(0, since - (self._count - len(self._lines)))
                for line in list(self._lines)[start:]:
                    if predicate(line):
                        return line
                since = self._count
                remaining = deadline - time.monotonic()
                if self._closed or remaining <= 0:
                    return None
                self._changed.wait(remaining)


class ServerProcess(Protocol):
    """A running server as the backend made it."""

    log: LogBuffer
    rcon_host: str
    rcon_port: int

    def is_alive(self) -> bool: ...

    def exit_code(self) -> int | None: ...

    def terminate(self) -> None:
        """Ask it to stop as SIGTERM does (Factorio saves over the loaded file)."""

    def kill(self) -> None: ...

    def wait(self, timeout: float) -> int | None:
        """Wait for the exit; the exit code, or None if still running."""

    def describe(self) -> str:
        """Where it runs, for messages: "pid 4242", "container abc123"."""


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do. Callers ask this, never the backend's name.

    As pytest-postgresql's ``NoopExecutor`` stands in for a server someone else
    runs, a backend that does not own its servers says so here, and the
    lifecycle skips what only an owner can do.
    """

    owns_process: bool  # starts and stops its servers: bootstrap, stop, kill, reset from a save
    has_log: bool  # its servers' log lines can be read: readiness and save completion are seen there


OWNS_PROCESS = Capabilities(owns_process=True, has_log=True)


class Backend(Protocol):
    """How server processes come to exist."""

    name: str
    capabilities: Capabilities

    def launch(self, spec: LaunchSpec) -> ServerProcess: ...

    def for_server(self, index: int) -> Backend:
        """The backend of server ``index`` of a run (worker gwN is server N); most serve every index alike."""

    def describe(self) -> str:
        """One line for run headers: "embedded (fle-testkit 0.1.0 emulator)"."""


def describe_exit(code: int) -> str:
    """How a process ended, in words: "exited with signal 9 (SIGKILL)", "exited with code 1".

    A container's exit code of 128+N is the shell convention for "killed by signal N".
    """
    if code < 0:
        return f"exited with signal {-code} ({_signal_name(-code)})"
    if 128 < code < 128 + 65:
        return f"exited with code {code} (signal {code - 128}, {_signal_name(code - 128)})"
    return f"exited with code {code}"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return "unknown signal"


def write_json(path: Path, data: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))
    return path


def pump_lines(source: Iterable[str], log: LogBuffer) -> threading.Thread:
    """Copy a process's output into its LogBuffer on a daemon thread."""

    def run() -> None:
        try:
            for line in source:
                log.append(line.rstrip("\r\n"))
        finally:
            log.close()

    thread = threading.Thread(target=run, name="fle-testkit-log", daemon=True)
    thread.start()
    return thread
