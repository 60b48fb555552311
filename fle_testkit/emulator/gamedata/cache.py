"""Where the extracted data is cached, and the cache's read and write.

The file name carries draftsman's version, the base mod's version and
:data:`SCHEMA` and a digest of the prototype classes' fields (so two branches that each
bumped SCHEMA never read each other's file), all read from files without importing draftsman (:mod:`.locate`). Writes go to
a temporary file renamed over the target, so concurrent processes only ever
see a whole file; an unreadable file is rebuilt, never fatal.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path

from . import prototypes
from .locate import versions
from .prototypes import SCHEMA, GameData

_log = logging.getLogger(__name__)


def cache_dir() -> Path:
    explicit = os.environ.get("FLE_TESTKIT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "fle-testkit"


def cache_path() -> Path:
    draftsman, base = versions()
    return cache_dir() / f"vanilla-draftsman{draftsman}-base{base}-schema{SCHEMA}-{shape_digest()}.pickle"


def shape_digest() -> str:
    """8 hex digits naming the fields of every prototype dataclass."""
    shape = sorted(
        (name, tuple(f.name for f in dataclasses.fields(klass)))
        for name, klass in vars(prototypes).items()
        if isinstance(klass, type) and dataclasses.is_dataclass(klass)
    )
    return hashlib.sha256(repr(shape).encode()).hexdigest()[:8]


def _read_cache(path: Path) -> GameData | None:
    try:
        with open(path, "rb") as handle:
            status = os.fstat(handle.fileno())
            # Unpickling runs code: only a file this user owns and nobody else can write.
            if status.st_uid != os.getuid() or status.st_mode & 0o022:
                _log.warning("ignoring game data cache %s: not owned by this user, or writable by others", path)
                return None
            data = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as error:  # any corruption means "rebuild"
        _log.warning("ignoring unreadable game data cache %s: %s", path, error)
        return None
    if not isinstance(data, GameData) or data.schema != SCHEMA:
        _log.warning("ignoring game data cache %s of another shape", path)
        return None
    return data


def _write_cache(path: Path, data: GameData) -> None:
    """tmp file + os.replace: a reader sees the old file or the whole new one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the cache from other users
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as error:  # a read-only cache only costs speed
        _log.warning("could not write game data cache %s: %s", path, error)


def load_or_build(path: Path, build: Callable[[], GameData]) -> GameData:
    """The cached data at ``path``; made by ``build`` and written when missing or bad."""
    data = _read_cache(path)
    if data is None:
        data = build()
        _write_cache(path, data)
    return data
