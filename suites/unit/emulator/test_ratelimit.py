"""RateLimitedLog: N lines of a kind per window, then one summary of the rest."""

from __future__ import annotations

from fle_testkit.emulator import messages
from fle_testkit.emulator.ratelimit import RateLimitedLog


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make(per_window: int = 3) -> tuple[RateLimitedLog, list[str], FakeClock]:
    lines: list[str] = []
    clock = FakeClock()
    return RateLimitedLog(lines.append, per_window=per_window, window=1.0, clock=clock), lines, clock


def test_a_burst_is_cut_to_the_budget_and_summarised_with_the_next_line() -> None:
    log, lines, clock = make()
    written = [log.line("bad", f"bad {i}") for i in range(10)]
    assert written == [True] * 3 + [False] * 7
    assert lines == ["bad 0", "bad 1", "bad 2"]
    clock.now += 1.5
    assert log.line("bad", "bad 10")
    assert lines[3] == messages.RCON_SUPPRESSED.format(count=7, kind="bad", seconds=1.5)
    assert lines[4] == "bad 10"


def test_kinds_have_their_own_budgets() -> None:
    log, lines, _ = make(per_window=1)
    assert log.line("a", "a") and log.line("b", "b")
    assert not log.line("a", "a again")
    assert lines == ["a", "b"]


def test_flush_summarises_only_ended_windows_and_close_summarises_all() -> None:
    log, lines, clock = make(per_window=1)
    log.line("a", "a"), log.line("a", "a")
    log.flush()
    assert lines == ["a"]  # the window has not ended
    clock.now += 1.0
    log.flush()
    assert "1 more lines like 'a'" in lines[-1]
    log.line("b", "b"), log.line("b", "b"), log.line("b", "b")
    log.close()
    assert "2 more lines like 'b'" in lines[-1]


def test_a_suppressed_burst_schedules_its_summary_once() -> None:
    scheduled: list[float] = []
    log = RateLimitedLog(lambda line: None, per_window=1, schedule=lambda delay, callback: scheduled.append(delay))
    for _ in range(5):
        log.line("a", "a")
    assert scheduled == [1.0]
