"""The emulator's own report of its pace: whether the game keeps 60 x ``game.speed`` ticks a second.

A game that cannot keep up runs slower and never skips a tick (level.py, CATCH_UP_SECONDS). A
real server says nothing of it in its log; the emulator says it plainly, in lines of its own
(``messages.PACE_*``, never Factorio's wording): one when the game falls behind, with the ticks a
second it achieved and the ticks a second asked for; then at most one every
:data:`REPORT_SECONDS` while it stays behind, with what it achieved since the last line; and one
when it has kept up again for :data:`RECOVERED_SECONDS`. The last achieved figure stays readable
(:attr:`PaceReport.achieved_ups`) beside the level's ``rate`` and ``ticks_fallen_behind``.
"""

from __future__ import annotations

from collections.abc import Callable

from . import messages

#: Least wall seconds between two lines while the game stays behind.
REPORT_SECONDS = 10.0
#: Wall seconds the game must keep up before it is reported as keeping up again (no line per blip).
RECOVERED_SECONDS = 2.0


class PaceReport:
    """Told after every advance of the level whether it reached the tick due; logs the changes,
    at most one line every :data:`REPORT_SECONDS` (a game that keeps falling behind and catching up
    does not flood the log: a fall within that time of the last line is reported by the next one)."""

    __slots__ = ("_log", "_now", "behind", "achieved_ups", "_mark", "_last_behind", "_since", "_last_line")

    def __init__(self, log: Callable[[str], None], now: Callable[[], float]) -> None:
        self._log = log
        self._now = now
        self.behind = False  # the game is running slower than asked
        self.achieved_ups: float | None = None  # ticks a wall second, the last time it was measured behind
        self._mark: tuple[float, int] | None = None  # (wall time, tick) of this slow spell's last line
        self._last_behind = 0.0  # wall time of the last advance that fell behind
        self._since = 0.0  # wall time it fell behind
        self._last_line: float | None = None  # wall time of the last line

    def advanced(self, tick: int, due: int, ran: int, seconds: float, wanted: float) -> None:
        """One advance ended at ``tick`` of ``due``, having run ``ran`` ticks in ``seconds`` wall seconds."""
        now = self._now()
        if tick >= due:
            if self.behind and now - self._last_behind >= RECOVERED_SECONDS:
                self.behind = False
                if self._mark is not None:  # (only a reported spell is reported over)
                    slow = _figure(now - self._since)
                    self._line(now, messages.PACE_KEEPING_UP.format(wanted=_figure(wanted), seconds=slow))
            return
        self._last_behind = now
        if not self.behind:
            self.behind, self._since, self._mark = True, now, None
            if seconds > 0:
                self.achieved_ups = ran / seconds
        if self._last_line is not None and now - self._last_line < REPORT_SECONDS:
            return
        if self._mark is None:
            text = messages.PACE_FALLING_BEHIND
        else:
            since, mark_tick = self._mark
            self.achieved_ups = (tick - mark_tick) / (now - since)
            text = messages.PACE_STILL_BEHIND
        self._mark = (now, tick)
        self._line(now, text.format(ups=_figure(self.achieved_ups), wanted=_figure(wanted)))

    def _line(self, now: float, text: str) -> None:
        self._last_line = now
        self._log(text)


def _figure(value: float | None) -> str:
    return "?" if value is None else f"{value:,.0f}"
