"""Save directories: one per server, locked by its owner, with Factorio's save rules.

``SaveRoot(".fle/saves")`` hands out ``SaveDir``s ``.fle/saves/0``, ``1``, ...
A ``SaveDir`` *is* the server's ``saves/`` folder (the docker backend binds it
to ``/factorio/saves``), so save zips sit directly in it, next to a ``.lock``
dotfile that Factorio never reads (it looks only at ``*.zip``). How the lock is
taken and who holds it is ``locks.py``'s concern.

Descriptors are opened close-on-exec, so servers we spawn never inherit a lock.
A child made by ``fork()`` without exec drops its copy at once (see
``_close_in_forked_child``): the lock stays the parent's alone, dies with the
parent, and a ``release()`` in the child cannot unlock the parent's hold.
"""

from __future__ import annotations

import builtins
import os
import shutil
import time
import weakref
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..emulator.save_rules import SAVE_MARKER_FILES, TMP_SUFFIX, ZIP_SUFFIX, saves_newest_first, temporary_path
from ..errors import ConfigurationError, SaveDirError
from .locks import LOCK_FILE_NAME, HeldLock, Holder, acquire, error_all_locked, error_locked

__all__ = ["SaveDir", "SaveInfo", "SaveRoot", "latest_save", "list_saves"]

# Factorio's save rules are the emulator's ``save_rules`` (the one module of the
# emulator the harness imports), so what the harness predicts is what it loads.
# LEVEL_FILES answers "is this zip a save?" (either file marks one); the
# emulator's own list of level files answers another question (see save_rules).
LEVEL_FILES = SAVE_MARKER_FILES

# Offsets tried, in order, when moving an mtime past (or below) another: the
# smallest that the filesystem keeps wins, so a restored save lies as little
# as possible in the future. 2 s covers FAT/exFAT, 1 s ext3 and HFS+.
_MTIME_STEPS_NS = (1, 1_000, 1_000_000, 1_000_000_000, 2_000_000_000)


@dataclass(frozen=True)
class SaveInfo:
    """One save in a directory: ``name`` is the bare name Factorio uses (no ``.zip``)."""

    name: str
    path: Path
    size: int
    mtime_ns: int

    @property
    def mtime(self) -> float:
        return self.mtime_ns / 1e9


# --- error constructors: what failed, where, and the fix ---------------------


def _error_no_save(directory: Path, path: Path, saves: Iterable[SaveInfo]) -> SaveDirError:
    names = [info.name for info in saves]
    return SaveDirError(
        f"no save {path.name!r} in {str(directory)!r}; saves there: {names!r}.\n"
        "Fix: pass one of those names (a bare name means NAME.zip), or bootstrap the server first."
    )


# --- fork safety --------------------------------------------------------------

_live_dirs: weakref.WeakSet[SaveDir] = weakref.WeakSet()


def _close_in_forked_child() -> None:
    # The child shares the parent's open file description: closing our copy
    # leaves the parent's lock intact, while flock(LOCK_UN) here would drop it.
    for save_dir in builtins.list(_live_dirs):
        save_dir._forget_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_in_forked_child)


# --- Factorio's latest-save rule ------------------------------------------------


def list_saves(directory: Path) -> builtins.list[SaveInfo]:
    """The saves in ``directory``, newest first by Factorio's rule; needs no lock (read only)."""
    return [SaveInfo(name=s.name, path=s.path, size=s.size, mtime_ns=s.mtime_ns) for s in saves_newest_first(directory)]


def latest_save(directory: Path) -> SaveInfo | None:
    """The save ``--start-server-load-latest`` loads: newest ``*.zip`` by mtime, ``*.tmp.zip`` ignored."""
    saves = list_saves(directory)
    return saves[0] if saves else None


# --- the root -----------------------------------------------------------------


class SaveRoot:
    """``.fle/saves/``: allocates one locked ``SaveDir`` per server, numbered 0, 1, 2...

    The path is made absolute when the root is built, so a later ``chdir``
    does not move it. Directories are created on demand.
    """

    def __init__(self, path: str | os.PathLike[str] = ".fle/saves") -> None:
        self.path = Path(path).absolute()

    def __repr__(self) -> str:
        return f"SaveRoot({str(self.path)!r})"

    def dir_path(self, n: int) -> Path:
        """Where directory ``n`` lives (whether or not it exists or is held)."""
        _check_index(n)
        return self.path / str(n)

    def claim(self, n: int, *, for_cluster: bool = False) -> SaveDir:
        """Take directory ``n`` for this process, or raise ``SaveDirLockedError`` naming its holder.

        A directory a running ``fle-testkit cluster`` serves counts as held
        (its marker file), except for the cluster itself (``for_cluster``).
        """
        directory = self.dir_path(n)
        taken = _claim(directory, n, for_cluster=for_cluster)
        if isinstance(taken, SaveDir):
            return taken
        raise error_locked(directory, directory / LOCK_FILE_NAME, taken)

    def claim_any(self, *, start: int = 0, limit: int | None = None) -> SaveDir:
        """Take the lowest free directory from ``start`` on; ``limit`` caps how many are tried.

        Without a cap this always succeeds, since a directory that does not
        exist yet is free. ``start`` keeps extra servers out of the range that
        belongs to workers (worker gwN owns directory N).
        """
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise ConfigurationError(f"claim_any(limit={limit!r}): limit must be a positive integer or None")
        _check_index(start)
        tried: list[tuple[Path, Holder | None]] = []
        n = start
        while limit is None or n < start + limit:
            directory = self.dir_path(n)
            result = _claim(directory, n)
            if isinstance(result, SaveDir):
                return result
            tried.append((directory, result))
            n += 1
        raise error_all_locked(self.path, tried)


def _check_index(n: object) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ConfigurationError(f"save directory index {n!r} is not valid: use an integer 0, 1, 2...")


def _claim(directory: Path, n: int, *, for_cluster: bool = False) -> SaveDir | Holder | None:
    """A ``SaveDir`` if its lock was taken; else who holds it (None: unknown)."""
    taken = acquire(directory, for_cluster=for_cluster)
    return SaveDir(directory, n, _lock=taken) if isinstance(taken, HeldLock) else taken


# --- one directory --------------------------------------------------------------


class SaveDir:
    """One server's ``saves/`` folder, held exclusively until ``release()``.

    Made by ``SaveRoot.claim``/``claim_any``. ``os.fspath(save_dir)`` is its
    path. Reading (``latest``, ``list``, ``validate``, ``path_of``) works at
    any time; changing (``copy``, ``restore``, ``prune``) needs the lock,
    because after ``release()`` another process may own the directory.

    Restore and copy move mtimes, which is all Factorio's latest-save rule
    reads; call them while the server is stopped, since a stopping server
    saves over the file it loaded and so makes that file the newest again.
    """

    def __init__(self, path: Path, index: int, *, _lock: HeldLock) -> None:
        self.path = path
        self.index = index
        self._lock = _lock
        self.previous_holder = _lock.previous
        """The record an owner left by ending without ``release()`` (killed, say), if this claim took its place."""
        _live_dirs.add(self)

    # ---- ownership

    @property
    def saves(self) -> Path:
        """The folder to use as Factorio's ``saves/``: the directory itself."""
        return self.path

    @property
    def lock_path(self) -> Path:
        return self.path / LOCK_FILE_NAME

    @property
    def held(self) -> bool:
        return self._lock.held

    def release(self) -> None:
        """Give the directory up; releasing twice (or after a fork) is harmless."""
        self._lock.release()

    def _forget_after_fork(self) -> None:
        self._lock.forget()

    def __enter__(self) -> SaveDir:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def __del__(self) -> None:
        # Closing the descriptor drops the lock; do not rewrite the record here
        # (this may run at interpreter exit, when little is safe to call).
        lock = getattr(self, "_lock", None)
        if lock is not None:
            lock.forget()

    def __fspath__(self) -> str:
        return str(self.path)

    def __repr__(self) -> str:
        state = "held" if self.held else "released"
        return f"<SaveDir {self.index} {str(self.path)!r} {state}>"

    def _require_held(self, action: str) -> None:
        if not self._lock.held:
            raise SaveDirError(
                f"cannot {action} in {str(self.path)!r}: this SaveDir was released, "
                "so another process may own the directory now.\n"
                f"Fix: claim it again (SaveRoot(...).claim({self.index!r})) before changing its saves."
            )

    # ---- names

    def path_of(self, name: str) -> Path:
        """The file of save ``name``: a bare name means ``NAME.zip``, as for ``--start-server``."""
        if not isinstance(name, str) or not name or name in {".", ".."} or "/" in name or "\\" in name or "\0" in name:
            raise SaveDirError(
                f"save name {name!r} is not valid in {str(self.path)!r}.\n"
                "Fix: give a file name inside the directory, such as 'bootstrap' or 'bootstrap.zip', "
                "with no path separators."
            )
        filename = name if name.endswith(ZIP_SUFFIX) else name + ZIP_SUFFIX
        if filename == ZIP_SUFFIX:
            raise SaveDirError(f"save name {name!r} is empty once '.zip' is removed. Fix: give a name.")
        return self.path / filename

    # ---- reading

    def list(self) -> builtins.list[SaveInfo]:
        """Every save, newest first by Factorio's rule (so ``list()[0]`` is ``latest()``)."""
        return list_saves(self.path)

    def latest(self) -> SaveInfo | None:
        """The save ``--start-server-load-latest`` loads: newest ``*.zip`` by mtime, ``*.tmp.zip`` ignored."""
        return latest_save(self.path)

    def info(self, name: str) -> SaveInfo:
        """The ``SaveInfo`` of one save; ``SaveDirError`` if there is none by that name."""
        path = self.path_of(name)
        if path.name.endswith(TMP_SUFFIX):
            raise SaveDirError(
                f"{str(path)!r} is a temporary file of a save being written, not a save: "
                "Factorio never loads *.tmp.zip.\nFix: name the save without '.tmp'."
            )
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise _error_no_save(self.path, path, self.list()) from None
        if not path.is_file():
            raise SaveDirError(f"{str(path)!r} is not a file. Fix: remove it or pass another name.")
        return SaveInfo(name=path.name[: -len(ZIP_SUFFIX)], path=path, size=stat.st_size, mtime_ns=stat.st_mtime_ns)

    def validate(self, name: str) -> SaveInfo:
        """Check that save ``name`` is a loadable save; return its ``SaveInfo``.

        A save is a zip (every member's CRC is checked) with exactly one top
        folder holding level data (``level.dat0``, or ``level.dat`` in older
        saves). The folder need not match the file name: Factorio loads a
        renamed save, and ``copy`` copies bytes unchanged.
        """
        info = self.info(name)
        path = info.path
        fix = "Fix: delete it (prune, or by hand) and save again from a running server, or restore another save."
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                bad_member = archive.testzip()
        except zipfile.BadZipFile as error:
            raise SaveDirError(f"{str(path)!r} is not a valid zip archive ({error}).\n{fix}") from error
        except (zlib.error, EOFError, OSError, ValueError) as error:
            raise SaveDirError(f"{str(path)!r} is a damaged zip archive ({error}).\n{fix}") from error
        if bad_member is not None:
            raise SaveDirError(f"{str(path)!r} is damaged: member {bad_member!r} fails its CRC check.\n{fix}")
        loose = [n for n in names if "/" not in n]
        tops = sorted({n.split("/", 1)[0] for n in names})
        if not names:
            raise SaveDirError(f"{str(path)!r} is an empty zip: a save holds one folder with level data.\n{fix}")
        if loose:
            raise SaveDirError(
                f"{str(path)!r} has files outside any folder ({sorted(loose)!r}): a save holds "
                f"exactly one top folder.\n{fix}"
            )
        if len(tops) != 1:
            raise SaveDirError(f"{str(path)!r} must hold exactly one top folder, found {len(tops)}: {tops!r}.\n{fix}")
        top = tops[0]
        if not any(f"{top}/{level}" in names for level in LEVEL_FILES):
            raise SaveDirError(
                f"{str(path)!r} has no level data: neither {top + '/level.dat0'!r} nor {top + '/level.dat'!r} "
                f"is in it, so it is not a save (a scenario zipped by hand, perhaps).\n{fix}"
            )
        return info

    # ---- changing

    def copy(self, name: str, as_name: str | None = None, *, overwrite: bool = False) -> SaveInfo:
        """Copy save ``name`` to ``as_name`` (default ``NAME-copy-K``, lowest free K).

        The copy never becomes the latest save, so a restart still loads what
        it loaded before: it keeps the original's mtime, except that it is
        set strictly below the current latest save's when the original is
        (or ties with) the latest. ``restore(as_name)`` makes it the latest
        later. The copy is written to ``AS_NAME.tmp.zip`` (which the latest
        rule ignores), given its mtime, then renamed into place.
        """
        self._require_held("copy a save")
        source = self.validate(name)
        if as_name is None:
            k = 1
            while self.path_of(f"{source.name}-copy-{k}").exists():
                k += 1
            as_name = f"{source.name}-copy-{k}"
        target = self._writable_target(as_name)
        if target == source.path:
            raise SaveDirError(f"cannot copy {str(source.path)!r} onto itself. Fix: pass another as_name.")
        if target.exists() and not overwrite:
            raise SaveDirError(
                f"cannot copy {source.name!r} as {target.name!r} in {str(self.path)!r}: that save exists.\n"
                "Fix: pass another as_name, or overwrite=True to replace it."
            )
        others = [info for info in self.list() if info.path != target]
        latest = max(info.mtime_ns for info in others)  # the source is among them
        tmp = temporary_path(target)
        try:
            shutil.copyfile(source.path, tmp)
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
            self._set_mtime(
                tmp,
                candidates=[min(source.mtime_ns, latest - step) for step in _MTIME_STEPS_NS],
                accept=lambda stored: stored < latest,
                goal=f"below the latest save's mtime ({latest!r} ns)",
            )
            os.replace(tmp, target)
        except OSError as error:
            tmp.unlink(missing_ok=True)
            raise SaveDirError(
                f"cannot copy {str(source.path)!r} to {str(target)!r}: {error.strerror or error}.\n"
                "Fix: free disk space or make the save directory writable."
            ) from error
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return self.info(target.name)

    def snapshot(self, name: str, as_name: str | None = None, *, overwrite: bool = False) -> SaveInfo:
        """Deprecated: use ``copy``. "Snapshot" now means only game state (``GameSession.snapshot``)."""
        import warnings  # local: it goes with this alias in the next release

        warnings.warn(
            "SaveDir.snapshot is deprecated and will be removed in the next release: use SaveDir.copy",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.copy(name, as_name, overwrite=overwrite)

    def restore(self, name: str) -> SaveInfo:
        """Make save ``name`` the one ``--start-server-load-latest`` loads next.

        Its mtime becomes now, or just past every other save's if one is newer
        (a previous restore may have left one in the future); the smallest
        step the filesystem keeps is used, so the result is strictly greater
        even where mtimes have 1 s or 2 s resolution. The save is validated
        first: a broken save made latest would only fail at the next start.
        """
        self._require_held("restore a save")
        info = self.validate(name)
        others = [other.mtime_ns for other in self.list() if other.path != info.path]
        newest_other = max(others, default=None)
        if newest_other is None:
            return info  # the only save is the latest already
        now = time.time_ns()
        try:
            self._set_mtime(
                info.path,
                candidates=[max(now, newest_other + step) for step in _MTIME_STEPS_NS],
                accept=lambda stored: stored > newest_other,
                goal=f"above every other save's mtime (newest {newest_other!r} ns)",
            )
        except OSError as error:
            raise SaveDirError(
                f"cannot set the mtime of {str(info.path)!r}: {error.strerror or error}.\n"
                "Fix: make the save file writable by this user."
            ) from error
        return self.info(info.name)

    def set_aside(self, name: str) -> Path:
        """Rename save ``name`` out of Factorio's sight (``NAME.zip`` → ``NAME.zip.bad``, ``.bad-2``...).

        For a damaged save that would stop every start from the latest save:
        it is kept for a look, never deleted, and no longer a ``*.zip``, so
        the next newest save becomes the latest.
        """
        self._require_held("set a save aside")
        source = self.path_of(name)
        target = source.with_name(source.name + ".bad")
        k = 1
        while target.exists():
            k += 1
            target = source.with_name(f"{source.name}.bad-{k}")
        try:
            os.replace(source, target)
        except OSError as error:
            raise SaveDirError(
                f"cannot set {str(source)!r} aside as {target.name!r}: {error.strerror or error}.\n"
                "Fix: make the save directory writable."
            ) from error
        return target

    def set_aside_damaged(self) -> builtins.list[Path]:
        """Set aside damaged saves from the newest down, until the latest save validates (or none is left)."""
        moved = []
        while (latest := self.latest()) is not None:
            try:
                self.validate(latest.name)
            except SaveDirError:
                moved.append(self.set_aside(latest.name))
            else:
                break
        return moved

    def prune(self, keep: int, *, protect: Iterable[str] = ()) -> builtins.list[SaveInfo]:
        """Delete all but the ``keep`` newest saves, never one named in ``protect``; return those deleted.

        ``*.tmp.zip`` files are left alone: a running server may be writing one.
        """
        self._require_held("prune saves")
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 0:
            raise ConfigurationError(f"prune(keep={keep!r}): keep must be an integer >= 0")
        if isinstance(protect, str):
            protect = [protect]  # one name, not its letters
        protected = {self.path_of(name).name for name in protect}
        removed = []
        for info in self.list()[keep:]:
            if info.path.name in protected:
                continue
            try:
                info.path.unlink()
            except FileNotFoundError:
                continue
            except OSError as error:
                raise SaveDirError(
                    f"cannot delete {str(info.path)!r} while pruning to keep={keep!r}: "
                    f"{error.strerror or error}.\nFix: make the save directory writable."
                ) from error
            removed.append(info)
        return removed

    # ---- helpers

    def _writable_target(self, name: str) -> Path:
        path = self.path_of(name)
        if path.name.endswith(TMP_SUFFIX):
            raise SaveDirError(
                f"cannot write a save named {path.name!r}: Factorio ignores *.tmp.zip, so it could never be loaded.\n"
                "Fix: choose a name without '.tmp'."
            )
        return path

    def _set_mtime(
        self, path: Path, *, candidates: builtins.list[int], accept: Callable[[int], bool], goal: str
    ) -> None:
        """Set the first candidate mtime the filesystem stores so that ``accept`` holds."""
        stored = None
        for mtime_ns in candidates:
            atime_ns = path.stat().st_atime_ns
            os.utime(path, ns=(atime_ns, mtime_ns))
            stored = path.stat().st_mtime_ns
            if accept(stored):
                return
        raise SaveDirError(
            f"cannot move the mtime of {str(path)!r} {goal}: the filesystem stored {stored!r} ns.\n"
            "Fix: put the save root on a filesystem that keeps file times: SaveRoot(path=...)."
        )
