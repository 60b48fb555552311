"""The watchdog: notices a server that stopped answering, and ends it.

A server busy in a runaway Lua loop answers nothing, and a caller's client may
wait forever (FLE makes its RCON client with no timeout). So the harness
watches each server it uses with a connection and a deadline of its own: a
probe command every ``interval`` seconds. Factorio answers RCON commands one
at a time, so a probe waits behind whatever the server is busy with; one that
gets no answer within ``limit`` seconds means the server is hung.

On a hang the watchdog records a ``Hang`` and, for a server whose process the
harness owns, ends it: SIGTERM, then SIGKILL after a grace period (real
Factorio, too, can ignore SIGTERM while its Lua is busy). Ending the process
breaks the caller's connection, so the stuck test fails at once instead of
waiting; whoever owns the server then recovers it (``GameSession.recover``).
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import psutil

from .client import FactorioClient
from .errors import RconError, RconTimeoutError
from .server import FactorioServer
from .timings import mark

PROBE = "/sc rcon.print('fle-testkit watchdog')"
LOG_TAIL = 30


@dataclass(frozen=True)
class Hang:
    """A server that answered no command within the limit."""

    server: str  # its label: "worker gw3"
    limit: float
    command: str | None  # what the harness's own client was sending, if anything
    log_tail: list[str]
    ended: str | None  # how the process ended ("exited with signal 9 (SIGKILL)"); None if not ours to end
    seq: int = field(default_factory=mark)  # orders the hang among the lifecycle timings

    def message(self) -> str:
        """What the test that hung the server is told."""
        command = (
            f"the command {_short(self.command)}"
            if self.command
            else "a command (sent by a client other than fle-testkit's, so not named here)"
        )
        text = f"{self.server} answered no RCON command for {self.limit:g} s (--factorio-command-timeout): it is hung, busy with {command}."
        if self.ended:
            text += f" fle-testkit ended it (it {self.ended}); the next test gets a recovered server."
        else:
            text += (
                " It is not fle-testkit's to end (external backend): its connections from this process were"
                " broken, and the remaining tests on it are skipped."
            )
        if self.log_tail:
            text += "\nLast log lines:\n" + "\n".join("    " + line for line in self.log_tail)
        return text


class Watchdog:
    """Watches one server from a thread of its own; ``hangs`` lists what it found."""

    def __init__(
        self,
        server: FactorioServer,
        *,
        limit: float,
        end_process: bool,
        interval: float = 1.0,
        grace: float = 2.0,
        on_hang: Callable[[Hang], None] = lambda hang: None,
    ) -> None:
        self.server = server
        self.limit = limit
        self.end_process = end_process
        self.interval = interval
        self.grace = grace
        self.on_hang = on_hang
        self.hangs: list[Hang] = []
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._probing = False
        self._client: FactorioClient | None = None
        self._thread = threading.Thread(target=self._run, name=f"fle-testkit-watchdog {server.label}", daemon=True)

    def start(self) -> Watchdog:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching. A probe in flight on a hung server ends on its own deadline (the thread is a daemon)."""
        self._stop.set()
        self._thread.join(timeout=1.0)

    def settle(self) -> None:
        """Wait until the probe in flight, if any, has its verdict.

        A test whose own client timed out on a hung server has usually failed
        a moment before the watchdog's probe (sent just after the test's
        command) does; waiting for that verdict lets the failure say why.
        """
        with self._idle:
            self._idle.wait_for(lambda: not self._probing, timeout=self.limit + self.grace + 5)

    # --- the thread -------------------------------------------------------
    def _run(self) -> None:
        try:
            self._watch()
        finally:
            self._drop_client()

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            process = self.server.process
            if process is None or not process.is_alive():
                self._drop_client()  # stopped or restarting: nothing to watch now
                continue
            with self._idle:
                self._probing = True
            try:
                hung = self._probe_times_out(process.rcon_host, process.rcon_port)
                if hung and process.is_alive() and not self._stop.is_set():
                    self._hung()
            finally:
                with self._idle:
                    self._probing = False
                    self._idle.notify_all()

    def _probe_times_out(self, host: str, port: int) -> bool:
        try:
            if self._client is None or (self._client.host, self._client.port) != (host, port):
                self._drop_client()
                self._client = FactorioClient(
                    host, port, self.server.password, connect_timeout=self.limit, command_timeout=self.limit
                ).connect()
            self._client.send(PROBE)
        except RconTimeoutError:
            self._drop_client()
            return True
        except RconError:
            self._drop_client()  # refused or broken: the server is stopping or restarting, not hung
        return False

    def _hung(self) -> None:
        client = self.server.current_client()
        command = client.pending if client is not None else None
        log_tail = self.server.logs(LOG_TAIL)
        ended = None
        if self.end_process:
            ended = self._end()
        else:
            process = self.server.process
            if process is not None:
                # Not ours to end: free this process's callers instead, whatever client they use.
                break_connections(process.rcon_host, process.rcon_port)
        hang = Hang(self.server.label, self.limit, command, log_tail, ended)
        self.hangs.append(hang)
        self.on_hang(hang)

    def _end(self) -> str | None:
        """SIGTERM, then SIGKILL after the grace period; how it ended."""
        process = self.server.process
        if process is None:
            return None
        process.terminate()
        if process.wait(self.grace) is None:
            process.kill()
            process.wait(10.0)
        return self.server.exit_status()

    def _drop_client(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def break_connections(host: str, port: int) -> int:
    """Shut down every TCP connection of this process to ``host:port``; how many.

    A caller blocked reading a reply from a hung server (FLE's RCON client has
    no timeout) wakes up with a broken connection. ``shutdown`` acts on the
    connection, not the descriptor, so shutting down a duplicate of the
    caller's socket is enough, and the caller's own socket stays its to close.
    """
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)}
    except OSError:
        return 0
    broken = 0
    for connection in psutil.Process().net_connections(kind="tcp"):
        remote = connection.raddr
        if not remote or remote.port != port or remote.ip not in addresses or connection.fd < 0:
            continue
        try:
            with socket.socket(fileno=os.dup(connection.fd)) as duplicate:
                duplicate.shutdown(socket.SHUT_RDWR)
            broken += 1
        except OSError:
            pass  # closed meanwhile
    return broken


def _short(command: str, limit: int = 200) -> str:
    text = command if len(command) <= limit else command[:limit] + "..."
    return repr(text)
