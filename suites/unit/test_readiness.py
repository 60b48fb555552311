"""The one poll loop and the wait conditions every wait in fle-testkit is built from."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from fle_testkit.backends.base import LogBuffer
from fle_testkit.readiness import (
    AllOf,
    Attempts,
    Backoff,
    Deadline,
    FileSettled,
    LogLine,
    RconAnswers,
    WaitFailed,
    WaitTimeout,
    heartbeat,
    poll,
    poll_async,
)

FAST = Backoff(first=0.0005, cap=0.001)


class Expired(Exception):
    def __init__(self, attempts: Attempts) -> None:
        super().__init__(f"{attempts.count} attempts")
        self.attempts = attempts


def test_poll_returns_the_first_value_that_is_not_none() -> None:
    answers = iter([None, None, 0, 5])
    assert poll(lambda: next(answers), Deadline(10), on_timeout=Expired, backoff=FAST) == 0


def test_poll_retries_only_the_errors_it_is_told_to() -> None:
    calls = iter([ConnectionError("not yet"), ConnectionError("not yet"), "up"])

    def probe() -> str:
        outcome = next(calls)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert poll(probe, Deadline(10), retry_on=(ConnectionError,), on_timeout=Expired, backoff=FAST) == "up"
    with pytest.raises(KeyError):
        poll(lambda: {}["x"], Deadline(10), retry_on=(ConnectionError,), on_timeout=Expired, backoff=FAST)


def test_poll_gives_up_at_once_on_an_error_waiting_cannot_fix() -> None:
    count = 0

    def probe() -> None:
        nonlocal count
        count += 1
        raise PermissionError("wrong password")

    with pytest.raises(PermissionError):
        poll(probe, Deadline(10), retry_on=(OSError,), give_up_on=(PermissionError,), on_timeout=Expired)
    assert count == 1


def test_an_expired_poll_raises_the_callers_error_from_the_last_failure() -> None:
    def probe() -> None:
        raise ConnectionRefusedError("refused")

    with pytest.raises(Expired) as raised:
        poll(probe, Deadline(0.01), retry_on=(ConnectionError,), on_timeout=Expired, backoff=FAST)
    assert raised.value.attempts.count >= 1
    assert isinstance(raised.value.__cause__, ConnectionRefusedError)


async def test_the_async_poll_awaits_its_probe() -> None:
    answers = iter([None, "ready"])

    async def probe() -> str | None:
        return next(answers)

    assert await poll_async(probe, Deadline(10), on_timeout=Expired, backoff=FAST) == "ready"


def test_a_log_line_wakes_the_waiter_when_it_arrives() -> None:
    log = LogBuffer()
    log.append("   0.001 Loading map")
    condition = LogLine(log, re.compile("Starting RCON"), since=log.position)
    threading.Timer(0.02, log.append, ["   0.100 Info: Starting RCON interface at IP ADDR:({0.0.0.0:1})"]).start()
    condition.wait(Deadline(10))
    assert condition.line is not None and condition.line.endswith("({0.0.0.0:1})")


def test_a_log_that_ends_before_the_line_fails_the_wait_and_one_that_stays_silent_times_out() -> None:
    closed = LogBuffer()
    closed.append("Error: cannot load map")
    closed.close()
    with pytest.raises(WaitFailed, match="never logged 'Starting RCON'"):
        LogLine(closed, re.compile("Starting RCON")).wait(Deadline(10))
    with pytest.raises(WaitTimeout, match="never logged"):
        LogLine(LogBuffer(), re.compile("Starting RCON")).wait(Deadline(0.01))


class _Client:
    def __init__(self, replies: list[object]) -> None:
        self.replies = replies
        self.closed = False

    def send(self, command: str) -> str:
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return str(reply)

    def close(self) -> None:
        self.closed = True


def test_rcon_answers_keeps_the_client_that_answered_and_closes_the_others() -> None:
    made: list[_Client] = []

    def open_client(timeout: float) -> _Client:
        made.append(_Client([ConnectionResetError("reset")] if len(made) < 2 else ["ready"]))
        return made[-1]

    condition = RconAnswers(open_client, retry_on=(ConnectionError,), backoff=FAST)
    condition.wait(Deadline(10))
    assert condition.client is made[2] and not made[2].closed
    assert made[0].closed and made[1].closed


def test_rcon_answers_stops_waiting_when_the_process_is_gone() -> None:
    def open_client(timeout: float) -> _Client:
        raise ConnectionRefusedError("refused")

    with pytest.raises(WaitFailed, match="RCON did not answer"):
        RconAnswers(open_client, retry_on=(ConnectionError,), alive=lambda: False).wait(Deadline(10))


def test_a_file_settles_when_it_is_rewritten_and_no_temporary_is_left(tmp_path: Path) -> None:
    target, temporary = tmp_path / "a.zip", tmp_path / "a.tmp.zip"
    target.write_bytes(b"old")
    before = target.stat().st_mtime_ns
    temporary.write_bytes(b"new")
    condition = FileSettled(target, before, temporary, backoff=FAST)
    with pytest.raises(WaitTimeout, match="was not written"):
        condition.wait(Deadline(0.01))

    def finish() -> None:
        temporary.replace(target)

    threading.Timer(0.02, finish).start()
    condition.wait(Deadline(10))
    assert target.read_bytes() == b"new"


def test_all_of_waits_for_each_condition_in_order_within_one_deadline() -> None:
    log = LogBuffer()
    log.append("first")
    seen: list[str] = []

    class Recorded:
        def __init__(self, name: str) -> None:
            self.name = name

        def describe(self) -> str:
            return self.name

        def wait(self, deadline: Deadline) -> None:
            seen.append(self.name)

    condition = AllOf([Recorded("a"), LogLine(log, re.compile("first")), Recorded("b")])
    condition.wait(Deadline(10))
    assert seen == ["a", "b"]
    assert condition.describe() == "a and log line 'first' and b"


def test_a_heartbeat_reports_while_the_wait_runs_and_stops_after_it() -> None:
    reported: list[float] = []
    first = threading.Event()

    def report(elapsed: float) -> None:
        reported.append(elapsed)
        first.set()

    with heartbeat(report, interval=0.005):
        assert first.wait(10), "no report while the block ran"
    count = len(reported)
    threading.Event().wait(0.05)  # time enough for more reports, were the heartbeat still beating
    assert len(reported) == count
    assert all(b >= a >= 0 for a, b in zip(reported, reported[1:], strict=False))


def test_a_broken_reporter_never_breaks_the_wait() -> None:
    called = threading.Event()

    def report(elapsed: float) -> None:
        called.set()
        raise RuntimeError("the terminal went away")

    with heartbeat(report, interval=0.005):
        assert called.wait(10)
    with heartbeat(None):  # nobody to tell: nothing runs
        pass
