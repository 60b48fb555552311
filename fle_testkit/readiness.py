"""Waiting, written once: a poll with a deadline and backoff, and wait conditions as objects.

Every wait in fle-testkit (a server's readiness, a save settling on disk, a
client connecting to a server that is still starting, the game reaching a
tick) goes through ``poll`` or a ``WaitCondition``, as testcontainers keeps
its wait strategies behind one protocol with one poll loop. Conditions
compose: a server is ready when its log said RCON started *and* a command
was answered, within one deadline.

This module knows no server, client or backend: conditions are given what to
look at (a log, a way to open a client, a path), so every layer can use it.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

import anyio

from .errors import TestkitError

T = TypeVar("T")


class Deadline:
    """A point in time a wait must not pass; ``remaining()`` is never negative."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.monotonic()
        self.at = self.started + seconds

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def expired(self) -> bool:
        return time.monotonic() >= self.at

    def elapsed(self) -> float:
        return time.monotonic() - self.started


@dataclass(frozen=True)
class Backoff:
    """Delays between attempts: ``first``, doubling up to ``cap``.

    A local server answers within milliseconds, so waits start short; a slow
    one is not hammered, as the delay grows to ``cap``.
    """

    first: float = 0.002
    cap: float = 0.1

    def delays(self) -> Iterator[float]:
        delay = self.first
        while True:
            yield delay
            delay = min(delay * 2, self.cap)


@dataclass
class Attempts:
    """What a poll saw, for the message of the error its caller raises on timeout."""

    deadline: Deadline
    count: int = 0
    last_error: BaseException | None = None


class WaitTimeout(TestkitError, TimeoutError):
    """A wait condition did not hold within its deadline; ``what`` says which."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class WaitFailed(TestkitError):
    """A wait condition can no longer hold (the process it waits on exited): waiting longer is useless."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def poll(
    probe: Callable[[], T | None],
    deadline: Deadline,
    *,
    on_timeout: Callable[[Attempts], BaseException],
    retry_on: tuple[type[BaseException], ...] = (),
    give_up_on: tuple[type[BaseException], ...] = (),
    backoff: Backoff = Backoff(),
) -> T:
    """Call ``probe`` until it returns something other than None, and return that.

    An exception in ``retry_on`` (and not in ``give_up_on``) counts as "not
    yet"; any other propagates at once. When the deadline passes, raises
    ``on_timeout(attempts)`` from the last error seen.
    """
    attempts = Attempts(deadline)
    for delay in backoff.delays():
        attempts.count += 1
        try:
            value = probe()
        except BaseException as error:
            _record_failure(attempts, error, retry_on, give_up_on)
        else:
            if value is not None:
                return value
        time.sleep(_pause(attempts, delay, on_timeout))
    raise AssertionError("unreachable: backoff delays never end")


async def poll_async(
    probe: Callable[[], Awaitable[T | None]],
    deadline: Deadline,
    *,
    on_timeout: Callable[[Attempts], BaseException],
    retry_on: tuple[type[BaseException], ...] = (),
    give_up_on: tuple[type[BaseException], ...] = (),
    backoff: Backoff = Backoff(),
) -> T:
    """``poll`` for a coroutine probe; sleeps without blocking the event loop."""
    attempts = Attempts(deadline)
    for delay in backoff.delays():
        attempts.count += 1
        try:
            value = await probe()
        except BaseException as error:
            _record_failure(attempts, error, retry_on, give_up_on)
        else:
            if value is not None:
                return value
        await anyio.sleep(_pause(attempts, delay, on_timeout))
    raise AssertionError("unreachable: backoff delays never end")


def _record_failure(
    attempts: Attempts,
    error: BaseException,
    retry_on: tuple[type[BaseException], ...],
    give_up_on: tuple[type[BaseException], ...],
) -> None:
    """Keep a failure that means "not yet"; re-raise one that waiting cannot fix."""
    if isinstance(error, give_up_on) or not isinstance(error, retry_on):
        raise error
    attempts.last_error = error


def _pause(attempts: Attempts, delay: float, on_timeout: Callable[[Attempts], BaseException]) -> float:
    """How long to sleep before the next attempt; the caller's error once the deadline has passed."""
    remaining = attempts.deadline.remaining()
    if remaining <= 0:
        raise on_timeout(attempts) from attempts.last_error
    return min(delay, remaining)


# --- wait conditions -------------------------------------------------------------


class WaitCondition(Protocol):
    """Something to wait for. ``wait`` returns when it holds, raises WaitTimeout or WaitFailed."""

    def describe(self) -> str: ...

    def wait(self, deadline: Deadline) -> None: ...


class LineSource(Protocol):
    """A log that can be waited on (``backends.base.LogBuffer``)."""

    @property
    def closed(self) -> bool: ...

    def wait_for(self, predicate: Callable[[str], bool], since: int, timeout: float) -> str | None: ...


@dataclass
class LogLine:
    """A log line matching ``pattern`` appears after position ``since``.

    The log wakes the waiter when a line arrives (no polling). A log that ends
    (the process exited) before the line fails the wait at once.
    """

    log: LineSource
    pattern: re.Pattern[str]
    since: int = 0
    line: str | None = field(default=None, init=False)

    def describe(self) -> str:
        return f"log line {self.pattern.pattern!r}"

    def wait(self, deadline: Deadline) -> None:
        self.line = self.log.wait_for(
            lambda line: self.pattern.search(line) is not None, self.since, deadline.remaining()
        )
        if self.line is None:
            if self.log.closed:
                raise WaitFailed(f"never logged {self.pattern.pattern!r}")
            raise WaitTimeout(f"never logged {self.pattern.pattern!r}")


class Probeable(Protocol):
    """A client that can be asked something and closed (``FactorioClient``)."""

    def send(self, command: str) -> str: ...

    def close(self) -> None: ...


@dataclass
class RconAnswers:
    """A client connects, authenticates and gets an answer to ``command``.

    ``open_client(timeout)`` makes a connected client; exceptions in
    ``retry_on`` mean "not yet", those in ``give_up_on`` (a refused password:
    waiting cannot fix it) end the wait at once. ``alive()`` false (the
    process exited) also ends it. The answering client is kept in ``client``
    for whoever waited, so readiness costs one connection.
    """

    open_client: Callable[[float], Probeable]
    retry_on: tuple[type[BaseException], ...]
    give_up_on: tuple[type[BaseException], ...] = ()
    alive: Callable[[], bool] = lambda: True
    command: str = "/sc rcon.print('ready')"
    backoff: Backoff = Backoff(first=0.05, cap=0.05)
    client: Probeable | None = field(default=None, init=False)

    def describe(self) -> str:
        return "an answer over RCON"

    def wait(self, deadline: Deadline) -> None:
        def probe() -> Probeable:
            client = None
            try:
                client = self.open_client(max(0.1, deadline.remaining()))
                client.send(self.command)
                return client
            except BaseException as error:
                if client is not None:
                    client.close()
                retrying = isinstance(error, self.retry_on) and not isinstance(error, self.give_up_on)
                if retrying and not self.alive():
                    raise WaitFailed(f"RCON did not answer ({error})") from error
                raise

        self.client = poll(
            probe,
            deadline,
            retry_on=self.retry_on,
            give_up_on=(*self.give_up_on, WaitFailed),
            backoff=self.backoff,
            on_timeout=lambda attempts: WaitTimeout(f"RCON did not answer ({attempts.last_error})"),
        )


@dataclass
class FileSettled:
    """``path`` was (re)written: its mtime differs from ``before_ns`` and no ``temporary`` is left.

    Factorio writes ``NAME.tmp.zip`` and renames it, so a settled file is complete.
    """

    path: Path
    before_ns: int
    temporary: Path
    backoff: Backoff = Backoff()

    def describe(self) -> str:
        return f"{self.path} written"

    def _settled(self) -> bool | None:
        path = self.path
        if path.exists() and path.stat().st_mtime_ns != self.before_ns and not self.temporary.exists():
            return True
        return None

    def wait(self, deadline: Deadline) -> None:
        poll(
            self._settled,
            deadline,
            retry_on=(FileNotFoundError,),  # renamed between the checks: look again
            backoff=self.backoff,
            on_timeout=lambda attempts: WaitTimeout(f"{self.path} was not written within {deadline.seconds:.0f} s"),
        )


@dataclass
class AllOf:
    """Every condition in order, within one shared deadline."""

    conditions: list[WaitCondition]

    def describe(self) -> str:
        return " and ".join(condition.describe() for condition in self.conditions)

    def wait(self, deadline: Deadline) -> None:
        for condition in self.conditions:
            condition.wait(deadline)


# --- progress while waiting ------------------------------------------------------


@contextmanager
def heartbeat(report: Callable[[float], None] | None, interval: float = 5.0) -> Iterator[None]:
    """Call ``report(elapsed_seconds)`` every ``interval`` seconds while the block runs.

    For waits a person watches: a server that takes 10 s to become ready (a
    first start builds caches) or never does (a closed port) says so while it
    happens, instead of a silence and then an error. ``report`` runs on a
    daemon thread; an exception in it ends the reports, never the wait.
    """
    if report is None:
        yield
        return
    done = threading.Event()
    started = time.monotonic()

    def run() -> None:
        while not done.wait(interval):
            try:
                report(time.monotonic() - started)
            except Exception:  # noqa: BLE001 - a broken reporter must not break the wait
                return

    thread = threading.Thread(target=run, name="fle-testkit-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=1.0)
