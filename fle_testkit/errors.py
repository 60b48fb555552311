"""The library's errors: one base, a builtin twin where one fits.

Every message says what failed, where (backend, host:port, save path), what
was tried, and the fix. Raise them ``from`` their cause.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class TestkitError(Exception):
    """Base of every error fle-testkit raises (outside the emulator)."""

    __test__ = False  # not a test class, whatever pytest's collection rules say


class ConfigurationError(TestkitError, ValueError):
    """A setting is missing or wrong; the message names the setting and its sources."""


class RconError(TestkitError):
    """Base of the client's errors."""


class RconConnectionError(RconError, ConnectionError):
    """The server could not be reached, or the connection broke."""


class RconAuthError(RconError, PermissionError):
    """The server refused the RCON password."""


class RconTimeoutError(RconError, TimeoutError):
    """No answer within the time allowed."""


class LuaError(RconError):
    """A Lua command failed on the server; ``message`` is Factorio's text."""

    def __init__(self, message: str, *, command: str | None = None, index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.command = command
        self.index = index


class SaveDirError(TestkitError):
    """A save directory could not be claimed, read or written."""


class SaveDirLockedError(SaveDirError, BlockingIOError):
    """Another live process holds the save directory."""

    directory: Path | None = None
    holder: Any = None  # the savedir Holder that holds it; None when it left no record


class ScenarioError(TestkitError):
    """A scenario could not be built (a Lua syntax error names file and line)."""


class ServerError(TestkitError):
    """A server did not start, stop or answer as expected; carries its last log lines."""

    def __init__(self, message: str, *, log_tail: list[str] | None = None) -> None:
        if log_tail:
            message = message + "\nLast log lines:\n" + "\n".join("    " + line for line in log_tail)
        super().__init__(message)
        self.log_tail = log_tail or []


class ServerStartTimeout(ServerError, TimeoutError):
    """A server was not ready in time."""


class GameTimeout(TestkitError, TimeoutError):
    """The game did not reach a state in time (a tick, say): paused, or too slow."""


class BackendUnavailable(TestkitError, RuntimeError):
    """A backend cannot run here (no engine, no image, no binary); says how to get it."""


class UnsupportedOperation(TestkitError, NotImplementedError):
    """The backend cannot do this (an external server cannot be restarted, say)."""
