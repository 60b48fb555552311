"""Log lines a client can cause, at most N of a kind per second.

A client that floods bad packets, refused connections or wrong passwords must
not be able to flood the log too (the log is written synchronously, to stdout
and a file, and harnesses scan it). Each *kind* of line (one template of
``messages.py``) gets a budget per window; lines over it are counted, and one
summary line says how many were dropped once the window has passed.

Lines harnesses wait for (``Starting RCON interface``, ``Saving finished``,
the quit lines, ``Goodbye``) must never go through a limiter: dropping one
would hang a harness. Only the RCON server's per-client lines use it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from . import messages

#: Lines of one kind let through per window. Ten a second keeps a flood readable
#: and still shows every line of an ordinary session (a few connections a second).
DEFAULT_PER_WINDOW = 10
#: The window, in seconds.
DEFAULT_WINDOW = 1.0

Scheduler = Callable[[float, Callable[[], None]], object]


@dataclass
class _Budget:
    started: float
    used: int = 0
    suppressed: int = 0


class RateLimitedLog:
    """Wraps a ``log(line)`` callable; :meth:`line` takes the kind of the line too.

    ``schedule(delay, callback)`` (e.g. ``loop.call_later``), when given, makes
    the summary of a suppressed burst appear even if no later line of that kind
    comes; without it the summary is written with the next line of the kind, or
    by :meth:`flush`.
    """

    def __init__(
        self,
        log: Callable[[str], None],
        *,
        per_window: int = DEFAULT_PER_WINDOW,
        window: float = DEFAULT_WINDOW,
        clock: Callable[[], float] = time.monotonic,
        schedule: Scheduler | None = None,
    ) -> None:
        self._log = log
        self._per_window = per_window
        self._window = window
        self._clock = clock
        self._schedule = schedule
        self._budgets: dict[str, _Budget] = {}

    def line(self, kind: str, text: str) -> bool:
        """Write ``text`` unless ``kind`` has used its budget; True when written."""
        now = self._clock()
        budget = self._budgets.get(kind)
        if budget is None or now - budget.started >= self._window:
            if budget is not None:
                self._summarise(kind, budget, now)
            budget = self._budgets[kind] = _Budget(started=now)
        if budget.used < self._per_window:
            budget.used += 1
            self._log(text)
            return True
        if budget.suppressed == 0 and self._schedule is not None:
            self._schedule(self._window, self.flush)
        budget.suppressed += 1
        return False

    def flush(self) -> None:
        """Write the summary of every window that has ended with lines suppressed."""
        now = self._clock()
        for kind, budget in list(self._budgets.items()):
            if now - budget.started >= self._window:
                self._summarise(kind, budget, now)
                del self._budgets[kind]

    def close(self) -> None:
        """Write every pending summary, ended window or not (the server is stopping)."""
        now = self._clock()
        for kind, budget in self._budgets.items():
            self._summarise(kind, budget, now)
        self._budgets.clear()

    def _summarise(self, kind: str, budget: _Budget, now: float) -> None:
        if budget.suppressed:
            seconds = max(now - budget.started, 0.0)
            self._log(messages.RCON_SUPPRESSED.format(count=budget.suppressed, kind=kind, seconds=seconds))
            budget.suppressed = 0
