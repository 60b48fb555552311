"""The emulator's report of its pace (pace.py): a line when the game falls behind 60 x game.speed
ticks a second, at most one every REPORT_SECONDS while it stays behind, and one when it keeps up
again (a level too busy to keep up: test_clock.py)."""

from __future__ import annotations

from fle_testkit.emulator import messages
from fle_testkit.emulator.pace import RECOVERED_SECONDS, REPORT_SECONDS, PaceReport

WANTED = 60.0


class Clock:
    """Wall time that moves only when told to."""

    def __init__(self) -> None:
        self.now = 5000.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def report() -> tuple[PaceReport, Clock, list[str]]:
    clock, lines = Clock(), []
    return PaceReport(lines.append, lambda: clock.now), clock, lines


def test_falling_behind_is_logged_once_with_the_achieved_rate() -> None:
    pace, fake, lines = report()
    pace.advanced(tick=10, due=10, ran=10, seconds=0.01, wanted=WANTED)
    assert lines == [] and not pace.behind
    pace.advanced(tick=13, due=60, ran=3, seconds=0.1, wanted=WANTED)
    assert pace.behind and pace.achieved_ups == 30
    assert lines == [messages.PACE_FALLING_BEHIND.format(ups="30", wanted="60")]
    fake.sleep(1)
    pace.advanced(tick=40, due=120, ran=27, seconds=0.05, wanted=WANTED)
    assert len(lines) == 1  # (within REPORT_SECONDS: no second line)


def test_a_long_slow_spell_reports_what_it_achieved_since_the_last_line() -> None:
    pace, fake, lines = report()
    pace.advanced(tick=13, due=60, ran=3, seconds=0.1, wanted=WANTED)
    fake.sleep(REPORT_SECONDS)
    pace.advanced(tick=13 + 200, due=10_000, ran=50, seconds=0.05, wanted=WANTED)
    assert lines[-1] == messages.PACE_STILL_BEHIND.format(ups="20", wanted="60")  # 200 ticks in 10 s
    assert pace.achieved_ups == 20


def test_keeping_up_is_logged_after_a_while_not_on_every_blip() -> None:
    pace, fake, lines = report()
    pace.advanced(tick=13, due=60, ran=3, seconds=0.1, wanted=WANTED)
    fake.sleep(RECOVERED_SECONDS / 2)
    pace.advanced(tick=100, due=100, ran=87, seconds=0.01, wanted=WANTED)
    assert pace.behind and len(lines) == 1
    fake.sleep(RECOVERED_SECONDS)
    pace.advanced(tick=300, due=300, ran=200, seconds=0.01, wanted=WANTED)
    assert not pace.behind
    assert lines[-1] == messages.PACE_KEEPING_UP.format(wanted="60", seconds="3")


def test_a_game_falling_behind_again_soon_after_is_not_logged_again_at_once() -> None:
    pace, fake, lines = report()
    for _ in range(5):  # behind, kept up for RECOVERED_SECONDS, behind again...
        pace.advanced(tick=13, due=60, ran=3, seconds=0.1, wanted=WANTED)
        fake.sleep(RECOVERED_SECONDS)
        pace.advanced(tick=60, due=60, ran=47, seconds=0.01, wanted=WANTED)
    assert len(lines) <= 2  # one line every REPORT_SECONDS at most
