"""The server's log, written the way Factorio writes it.

Harnesses detect readiness from these lines (DESIGN, "Log lines"), so the
format is a contract: every line starts with the seconds since start,
right-aligned to 8 characters with 3 decimals. The log goes to stdout and to
``factorio-current.log`` in the write-data directory; console traffic (chat)
also goes to the ``--console-log`` file when one is given.
"""

from __future__ import annotations

import datetime
import sys
import time
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TextIO

from . import messages


class ServerLog:
    """Writes prefixed log lines to stdout and to the log files."""

    def __init__(
        self,
        log_file: Path | None = None,
        console_log: Path | None = None,
        stream: TextIO | None = None,
        started: float | None = None,
    ) -> None:
        self._started = time.monotonic() if started is None else started
        self._stream: TextIO | None = stream if stream is not None else sys.stdout
        self._file = _open_rotated(log_file) if log_file else None
        self._console = open(console_log, "a", encoding="utf-8") if console_log else None

    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def banner(self) -> None:
        """The first line; elapsed time counts from it, so it reads ``   0.000`` as in Factorio."""
        self._started = time.monotonic()
        now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        self.line(messages.BANNER.format(date=now, version=messages.FACTORIO_VERSION, build=messages.FACTORIO_BUILD))

    def line(self, text: str) -> None:
        """One log line: elapsed prefix, text, flushed at once (readers poll it)."""
        self._write(f"{self.elapsed():8.3f} {text}\n")

    def _write(self, out: str) -> None:
        """To stdout and the log file. A reader that went away (a closed pipe:
        the harness died) must not stop the server: stdout is dropped, the
        log file goes on."""
        if self._stream is not None:
            try:
                self._stream.write(out)
                self._stream.flush()
            except (BrokenPipeError, OSError, ValueError):
                self._stream = None
        if self._file:
            self._file.write(out)
            self._file.flush()

    def console(self, template: str, text: str) -> None:
        """A console line (chat, commands): dated, no elapsed prefix, also in --console-log."""
        now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        out = template.format(date=now, text=text) + "\n"
        self._write(out)
        if self._console:
            self._console.write(out)
            self._console.flush()

    def close(self) -> None:
        for handle in (self._file, self._console):
            if handle:
                handle.close()
        self._file = self._console = None


class RepeatFilter:
    """Collapses one error repeated over and over into one line and a count.

    An ``on_tick`` handler that fails fails 60 times a second; a log with
    each of those lines buries everything else (and fills the disk). Only the
    event errors go through here: the lines harnesses wait for (readiness,
    saves, quitting) never do, so none of them is ever held back.

    The first occurrence is written at once. Repeats of the same ``key`` are
    counted; the count is written as one line when something else happens
    (another error, the handler succeeding: ``flush``) or every ``every``
    repeats, so an endless repeat still shows it is going on.
    """

    def __init__(self, write: Callable[[str], None], every: int = 3600) -> None:
        self._write = write
        self._every = every
        self._key: Hashable | None = None
        self._repeats = 0

    def report(self, key: Hashable, line: str) -> None:
        if key == self._key:
            self._repeats += 1
            if self._repeats >= self._every:
                self.flush(keep=True)
            return
        self.flush()
        self._key = key
        self._write(line)

    def flush(self, *, keep: bool = False) -> None:
        """Write the pending count, if any; ``keep``: go on counting the same error."""
        if self._repeats:
            self._write(messages.EVENT_ERROR_REPEATED.format(count=self._repeats))
        self._repeats = 0
        if not keep:
            self._key = None


def _open_rotated(path: Path) -> TextIO:
    """Keep the previous run's log as factorio-previous.log, as Factorio does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.replace(path.with_name("factorio-previous.log"))
    return open(path, "w", encoding="utf-8")
