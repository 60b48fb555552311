"""The reaper: servers do not outlive the process that owns them.

A harness killed with SIGKILL runs no cleanup. Its local servers get SIGTERM
from the kernel (the parent-death signal), but a server busy in Lua may
ignore it (real Factorio can, too), and containers get nothing at all. So
each harness process has one reaper: a small process of its own, in its own
session, told over a pipe which servers and containers to watch. When the
pipe ends (the harness exited, however it exited), the reaper sends SIGTERM
to every server still registered, SIGKILL to those still alive after a grace
period, and removes the registered containers; then it exits.

Protocol, one line each on the reaper's stdin: ``+pid PID CREATE_TIME``,
``-pid PID``, ``+container ID HOST``, ``-container ID``. The create time
guards against a recycled pid.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from typing import IO

import psutil

from ..errors import BackendUnavailable

GRACE = 2.0  # seconds between SIGTERM and SIGKILL: within the 5 s a dead harness's servers must be gone by


class Reaper:
    """The harness side: registers what the reaper process must not let outlive this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pipe: IO[str] | None = None
        self._process: subprocess.Popen[str] | None = None
        self._owner = os.getpid()

    def watch_pid(self, pid: int) -> None:
        try:
            created = psutil.Process(pid).create_time()
        except psutil.Error:
            return  # already gone
        self._send(f"+pid {pid} {created!r}")

    def forget_pid(self, pid: int) -> None:
        self._send(f"-pid {pid}", start=False)

    def watch_container(self, container_id: str, docker_host: str | None) -> None:
        self._send(f"+container {container_id} {docker_host or '-'}")

    def forget_container(self, container_id: str) -> None:
        self._send(f"-container {container_id}", start=False)

    def close(self) -> None:
        """End the pipe now, as the harness's exit would: the reaper ends what is registered, then exits."""
        with self._lock:
            pipe, process = self._pipe, self._process
            self._pipe = self._process = None
        if pipe is not None:
            pipe.close()
        if process is not None:
            process.wait(timeout=GRACE + 10)

    def _send(self, line: str, *, start: bool = True) -> None:
        with self._lock:
            if self._owner != os.getpid():  # a forked child: the pipe is its parent's
                self._pipe, self._process, self._owner = None, None, os.getpid()
            pipe = self._pipe
            if pipe is None:
                if not start:
                    return
                pipe = self._pipe = self._start()
            try:
                pipe.write(line + "\n")
                pipe.flush()
            except (BrokenPipeError, OSError):
                self._pipe = None  # the reaper died: the next registration starts another

    def _start(self) -> IO[str]:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "fle_testkit.backends.reaper"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,  # a Ctrl-C at the terminal is for pytest, not for the reaper
            close_fds=True,
        )
        if self._process.stdin is None:
            raise BackendUnavailable("the reaper process was started without a stdin pipe")
        return self._process.stdin


_REAPER = Reaper()


def reaper() -> Reaper:
    """This process's reaper (started on first registration)."""
    return _REAPER


# --- the reaper process ----------------------------------------------------------


def _reap(pids: dict[int, float], containers: dict[str, str]) -> None:
    alive: list[psutil.Process] = []
    for pid, created in pids.items():
        try:
            process = psutil.Process(pid)
            if process.create_time() != created:
                continue  # the pid was recycled: not ours
            process.send_signal(signal.SIGTERM)
            alive.append(process)
        except psutil.Error:
            continue
    _, survivors = psutil.wait_procs(alive, timeout=GRACE)
    for process in survivors:
        try:
            process.kill()
        except psutil.Error:
            pass
    if containers:
        _remove_containers(containers)


def _remove_containers(containers: dict[str, str]) -> None:
    try:
        import docker
    except ImportError:
        return
    for container_id, host in containers.items():
        try:
            client = docker.DockerClient(base_url=host) if host != "-" else docker.from_env()
            client.containers.get(container_id).remove(force=True)  # SIGKILL and remove
        except Exception:  # gone already, or no engine: nothing more to do
            continue


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pids: dict[int, float] = {}
    containers: dict[str, str] = {}
    for line in sys.stdin:
        word, _, rest = line.strip().partition(" ")
        parts = rest.split()
        if word == "+pid" and len(parts) == 2:
            pids[int(parts[0])] = float(parts[1])
        elif word == "-pid" and parts:
            pids.pop(int(parts[0]), None)
        elif word == "+container" and len(parts) == 2:
            containers[parts[0]] = parts[1]
        elif word == "-container" and parts:
            containers.pop(parts[0], None)
    _reap(pids, containers)


if __name__ == "__main__":
    main()
