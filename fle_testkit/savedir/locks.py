"""Locking a save directory: ``flock`` on its ``.lock`` file, and who holds it.

Locking: ``fcntl.flock`` on ``{dir}/.lock``, taken without blocking and held
for the claim's life. The kernel drops a flock when its last descriptor
closes, so a holder killed by SIGKILL frees its directory with nothing to clean
up, and the lock works between any processes on the host (xdist workers, two
pytest runs). While held, the file records the holder as JSON (pid, host,
since, argv) for the error a contender gets; a clean release empties it, so
content found when claiming means the previous owner died (``previous``).
The lock file is never deleted: unlinking a flock'd file lets a late opener lock
the orphaned inode while a third process locks a fresh file.

Why not ``filelock`` (already a dependency): the holder's record must be written
through the locked descriptor, which filelock does not expose; filelock before
its fix for issue #591 (our floor, ``filelock>=3.13``, allows those versions)
opened the lock file with ``O_TRUNC``, so every losing contender wiped the
holder's record; its locks are reentrant within a process, where a second
claim of a held directory must fail; and on a filesystem without flock it
falls back to a soft lock that a dead holder never releases, where we prefer a
clear error. The flock itself is the same system call.

A running ``fle-testkit cluster`` server holds no lock (the command that
started it has exited); its marker file (``CLUSTER_MARKER``) stands for one.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import SaveDirError, SaveDirLockedError

LOCK_FILE_NAME = ".lock"
_HOLDER_READ_TRIES = 5  # a holder writes its record just after taking the lock

# Written by `fle-testkit cluster` into each directory a running server uses.
CLUSTER_MARKER = ".fle-testkit-cluster"


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held without releasing) a save directory."""

    pid: int | None
    host: str | None
    since: datetime | None
    argv: str | None = None

    def describe(self) -> str:
        since = self.since.isoformat(timespec="seconds") if self.since else "an unknown time"
        where = f"on host {self.host!r}" if self.host else "on an unknown host"
        text = f"pid {self.pid!r} {where} since {since}"
        if self.argv:
            text += f" (command {self.argv!r})"
        return text

    def to_json(self) -> str:
        return json.dumps(
            {
                "pid": self.pid,
                "host": self.host,
                "since": self.since.isoformat() if self.since else None,
                "argv": self.argv,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Holder | None:
        """The record in a lock file, or ``None`` if it is empty or not ours."""
        try:
            data = json.loads(text)
            since = datetime.fromisoformat(data["since"]) if data.get("since") else None
            pid = data.get("pid")
            return cls(
                pid=pid if isinstance(pid, int) else None,
                host=data.get("host") if isinstance(data.get("host"), str) else None,
                since=since,
                argv=data.get("argv") if isinstance(data.get("argv"), str) else None,
            )
        except (ValueError, TypeError, AttributeError, KeyError):
            return None

    @classmethod
    def this_process(cls) -> Holder:
        return cls(
            pid=os.getpid(),
            host=socket.gethostname(),
            since=datetime.now(UTC),
            argv=" ".join(sys.argv)[:200] or None,
        )


@dataclass
class HeldLock:
    """A taken lock: its descriptor, and the record a previous owner left (it died)."""

    fd: int | None
    previous: Holder | None = None

    @property
    def held(self) -> bool:
        return self.fd is not None

    def release(self) -> None:
        """Empty the record (a clean release), unlock, close; twice is harmless."""
        fd, self.fd = self.fd, None
        if fd is None:
            return
        try:
            _write_record(fd, b"")  # empty: the next owner sees a clean release
        except OSError:
            pass  # the lock still goes; the next owner only reports a stale record
        finally:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def forget(self) -> None:
        """Close without unlocking: in a forked child, whose parent still holds it."""
        fd, self.fd = self.fd, None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass


def error_locked(directory: Path, lock_path: Path, holder: Holder | None) -> SaveDirLockedError:
    if holder is None:
        who = (
            f"a holder that left no record in {str(lock_path)!r} "
            "(it may be starting up this instant, or is not fle-testkit)"
        )
    else:
        who = holder.describe()
    fixes = [
        "wait for that process to finish",
        "use SaveRoot.claim_any() to take the lowest free directory instead",
        "give this run its own root: SaveRoot(path=...)",
    ]
    if holder is not None and holder.pid is not None and holder.host == socket.gethostname():
        if holder.pid == os.getpid():
            who += " -- that is this process: another SaveDir of it holds the directory; release() that one first"
        elif not pid_alive(holder.pid):
            who += (
                f" -- pid {holder.pid!r} is gone, so a process it forked and that kept the lock file open holds it now"
            )
        else:
            fixes.insert(1, f"if pid {holder.pid!r} is a leftover, stop it (kill {holder.pid})")
    error = SaveDirLockedError(
        f"save directory {str(directory)!r} is locked by {who}.\nFix: " + "; or ".join(fixes) + "."
    )
    error.directory = directory
    error.holder = holder
    return error


def error_all_locked(root: Path, tried: list[tuple[Path, Holder | None]]) -> SaveDirLockedError:
    lines = "\n".join(
        f"    {str(path)!r}: " + (holder.describe() if holder else "holder unknown") for path, holder in tried
    )
    error = SaveDirLockedError(
        f"no free save directory under {str(root)!r}: all {len(tried)} tried are locked:\n{lines}\n"
        "Fix: raise claim_any(limit=...), wait for those processes to finish, "
        "or give this run its own root: SaveRoot(path=...)."
    )
    error.directory = root
    error.holder = None
    return error


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cluster_holder(directory: Path) -> Holder | None:
    """The running cluster server that serves ``directory``, from its marker file."""
    try:
        return Holder.from_json((directory / CLUSTER_MARKER).read_text())
    except OSError:
        return None


def acquire(directory: Path, *, for_cluster: bool = False) -> HeldLock | Holder | None:
    """The lock if it was taken; else what the lock file (or cluster marker) says of its holder."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SaveDirError(
            f"cannot create save directory {str(directory)!r}: {error.strerror or error}.\n"
            "Fix: make its parent writable, or choose another root: SaveRoot(path=...)."
        ) from error
    lock_path = directory / LOCK_FILE_NAME
    while True:
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise SaveDirError(
                f"cannot open lock file {str(lock_path)!r}: {error.strerror or error}.\n"
                "Fix: make the save directory writable, or choose another root: SaveRoot(path=...)."
            ) from error
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            return holder
        except OSError as error:
            os.close(fd)
            if error.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                raise SaveDirError(
                    f"the filesystem of {str(directory)!r} does not support file locks "
                    f"({error.strerror or error}).\n"
                    "Fix: put the save root on a local filesystem: SaveRoot(path=...)."
                ) from error
            raise SaveDirError(f"cannot lock {str(lock_path)!r}: {error.strerror or error}") from error
        # The file we locked must still be the one at lock_path (someone may have
        # deleted the directory meanwhile); otherwise lock the new file instead.
        try:
            same = os.fstat(fd).st_ino == os.stat(lock_path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
        directory.mkdir(parents=True, exist_ok=True)
    # A cluster's server holds no lock (the command that started it has exited):
    # its marker file stands for one.
    served = None if for_cluster else cluster_holder(directory)
    if served is not None:
        os.close(fd)
        return served
    previous = _read_holder(fd, tries=1)
    try:
        _write_record(fd, Holder.this_process().to_json().encode())
    except OSError as error:
        os.close(fd)
        raise SaveDirError(
            f"cannot write lock file {str(lock_path)!r}: {error.strerror or error}.\n"
            "Fix: free disk space or make the save directory writable."
        ) from error
    return HeldLock(fd, previous)


def _read_holder(fd: int, *, tries: int = _HOLDER_READ_TRIES) -> Holder | None:
    for attempt in range(tries):
        try:
            size = os.fstat(fd).st_size
            text = os.pread(fd, max(size, 1), 0).decode("utf-8", "replace")
        except OSError:
            return None
        holder = Holder.from_json(text) if text.strip() else None
        if holder is not None:
            return holder
        if attempt + 1 < tries:
            time.sleep(0.01)  # the holder has the lock but has not written its record yet
    return None


def _write_record(fd: int, data: bytes) -> None:
    os.ftruncate(fd, 0)
    if data:
        os.pwrite(fd, data, 0)
