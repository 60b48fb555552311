"""Saves written while the game goes on: the world is forked, a child writes it.

Serialising a large ``storage`` walks every table in Lua and encodes it in
Python: 200,000 entries took 6-10 s, and the game loop (ticks, RCON) stood
still all that time. Compressing and writing the zip is a small part of it
(0.06 s), so a worker thread that only compressed would not help. Instead the
server forks, as real Factorio does for its "non-blocking" saves on Unix: the
child holds a copy-on-write image of the game at that instant, serialises and
writes it through ``NAME.tmp.zip`` + rename (:func:`.saves.write_save`), and
tells the parent the outcome on a pipe. The parent only pays for the fork
(page tables, milliseconds) and goes on ticking and answering RCON.

Rules kept here:

* One save at a time: a save requested while one is written is queued and
  started when it is done, so no two writers ever share a ``NAME.tmp.zip``,
  and the log pairs every ``Saving game as`` with its ``Saving finished``.
* ``Saving finished`` is logged by the parent once the child has renamed the
  file, never before.
* The child dies with the server (``PR_SET_PDEATHSIG``): a killed server
  leaves at most a ``NAME.tmp.zip``, which the latest-save rule ignores.
* ``drain()`` waits for the save in flight and every queued one; quitting
  calls it before its own save.

Where ``os.fork`` does not exist the save is written on the game loop, as before.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import signal
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import messages
from .errors import EmulatorError
from .save_rules import temporary_path
from .saves import SaveContents, write_save

_PR_SET_PDEATHSIG = 1
_CHILD_FD_LIMIT = 4096  # inherited descriptors (RCON and game sockets) closed in the child below this


@dataclass(frozen=True)
class SaveRequest:
    """One save to write: where, the line that announces it, the line a failure logs."""

    path: Path
    announce: str
    error_line: Callable[[str], str]  # the log line for a failure, from its reason


class BackgroundSaves:
    """The server's queue of saves, written one at a time by forked children.

    ``prepare`` runs on the game loop just before each fork (bring the game up
    to date); ``capture`` runs in the child and returns what to write.
    """

    def __init__(
        self,
        log: Callable[[str], None],
        prepare: Callable[[], None],
        capture: Callable[[], SaveContents],
        on_done: Callable[[], None] | None = None,
    ) -> None:
        self._log = log
        self._prepare = prepare
        self._capture = capture
        self._on_done = on_done
        self._queue: deque[SaveRequest] = deque()
        self._busy = False
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def busy(self) -> bool:
        return self._busy

    def request(self, request: SaveRequest) -> None:
        """Start the save now, or after those already asked for."""
        self._queue.append(request)
        self._idle.clear()
        if not self._busy:
            self._start_next()

    async def drain(self) -> None:
        """Wait until the save in flight and every queued one are written."""
        await self._idle.wait()

    # --- the parent's side -------------------------------------------------
    def _start_next(self) -> None:
        if not self._queue:
            self._busy = False
            self._idle.set()
            return
        request = self._queue.popleft()
        self._busy = True
        self._log(request.announce)
        try:
            self._prepare()
            if not hasattr(os, "fork"):
                self._write_here(request)
                return
            self._fork(request)
        except (EmulatorError, OSError) as error:  # OSError: fork refused (no memory, no pids)
            self._log(request.error_line(str(error)))
            self._start_next()

    def _write_here(self, request: SaveRequest) -> None:
        write_save(request.path, self._capture())
        self._finished(request, None)

    def _fork(self, request: SaveRequest) -> None:
        loop = asyncio.get_running_loop()
        read_end, write_end = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_end)
            _run_child(parent, write_end, request.path, self._capture)
        os.close(write_end)
        chunks: list[bytes] = []

        def readable() -> None:
            data = os.read(read_end, 65536)
            if data:
                chunks.append(data)
                return
            loop.remove_reader(read_end)
            os.close(read_end)
            _, status = os.waitpid(pid, 0)
            self._finished(request, _outcome(b"".join(chunks), status, request.path))

        loop.add_reader(read_end, readable)

    def _finished(self, request: SaveRequest, error: str | None) -> None:
        if error is None:
            self._log(messages.SAVING_FINISHED)
        else:
            self._log(request.error_line(str(error)))
        if self._on_done is not None:
            self._on_done()
        self._start_next()


def _outcome(report: bytes, status: int, path: Path) -> str | None:
    """None when the child wrote the save, else why not."""
    try:
        result = json.loads(report) if report else None
    except ValueError:
        result = None
    if isinstance(result, dict) and "size" in result:
        return None
    if isinstance(result, dict) and isinstance(result.get("error"), str):
        return str(result["error"])
    temporary_path(path).unlink(missing_ok=True)  # a writer that died may leave one
    if os.WIFSIGNALED(status):
        return messages.SAVE_WRITER_DIED.format(path=path, how=f"signal {os.WTERMSIG(status)}")
    return messages.SAVE_WRITER_DIED.format(path=path, how=f"exit code {os.waitstatus_to_exitcode(status)}")


def _run_child(parent: int, report: int, path: Path, capture: Callable[[], SaveContents]) -> None:
    """Serialise and write the save, report on ``report``, and exit without cleanup."""
    code = 0
    try:
        _die_with(parent)
        for signum in (signal.SIGTERM, signal.SIGINT):  # the parent's asyncio handlers are not ours
            signal.signal(signum, signal.SIG_DFL)
        signal.set_wakeup_fd(-1)
        _yield_to_the_game()
        os.closerange(3, report)
        os.closerange(report + 1, _CHILD_FD_LIMIT)
        try:
            result: dict[str, object] = {"size": write_save(path, capture())}
        except EmulatorError as error:
            result = {"error": str(error)}
        except Exception as error:  # the parent must hear of it; a traceback would go nowhere
            result = {"error": f"{type(error).__name__}: {error}"}
        os.write(report, json.dumps(result).encode())
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _yield_to_the_game() -> None:
    """Lower the writer's CPU priority: on a machine with few cores the game loop goes first."""
    try:
        os.nice(10)
    except OSError:
        pass  # a priority we may not change: the save is written all the same


def _die_with(parent: int) -> None:
    """Ask Linux to kill this child when the server dies; exit if it already has."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the child finishes its save alone
    if os.getppid() != parent:
        os._exit(1)
