"""Ports for local servers that never collide, across workers and runs.

Each port is held with a sentinel lock file in one directory every process on
the machine shares (pytest-postgresql's way, with ``flock`` so a dead
holder's port frees itself). The OS proposes a free port; the sentinel makes
sure no other fle-testkit process takes the same one before the server binds.
"""

from __future__ import annotations

import fcntl
import os
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..errors import TestkitError

Kind = Literal["tcp", "udp"]
ATTEMPTS = 64


def sentinel_dir() -> Path:
    path = Path(os.environ.get("FLE_TESTKIT_PORTS_DIR", Path(tempfile.gettempdir()) / "fle-testkit-ports"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class PortReservation:
    port: int
    kind: Kind
    path: Path | None = None
    _handle: int | None = field(default=None, repr=False)

    def release(self) -> None:
        """Remove the sentinel while still holding it, then drop the lock.

        Safe because every claimant checks, after locking, that the path still
        names the file it locked (see ``_try_lock``).
        """
        if self._handle is not None:
            if self.path is not None:
                try:
                    self.path.unlink()
                except FileNotFoundError:
                    pass
            os.close(self._handle)  # closing drops the flock
            self._handle = None


def reserve_port(kind: Kind, host: str = "127.0.0.1") -> PortReservation:
    """A port free on ``host`` now and held by no other fle-testkit process."""
    tried: list[int] = []
    for _ in range(ATTEMPTS):
        port = _free_port(kind, host)
        path = sentinel_dir() / f"{kind}-{port}.lock"
        handle = _try_lock(path)
        if handle is not None:
            return PortReservation(port, kind, path, handle)
        tried.append(port)
    raise TestkitError(
        f"no free {kind.upper()} port on {host} after {ATTEMPTS} tries (held by other fle-testkit "
        f"processes: {tried!r}); check {sentinel_dir()} for stale holders"
    )


def _free_port(kind: Kind, host: str) -> int:
    family_type = socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET, family_type) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _try_lock(path: Path) -> int | None:
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        return None
    try:
        current = os.stat(path)
    except FileNotFoundError:
        current = None
    if current is None or current.st_ino != os.fstat(handle).st_ino:
        os.close(handle)  # a releasing holder removed it between our open and lock: someone else's now
        return None
    os.ftruncate(handle, 0)
    os.write(handle, f"{os.getpid()}\n".encode())
    return handle
