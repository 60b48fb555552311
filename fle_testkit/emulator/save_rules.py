"""Factorio's rules for the files in ``saves/``, for the emulator and the harness.

Which file ``--start-server-load-latest`` loads, how a save is written without
ever being half there, and which files make a zip a save. The emulator follows
these rules and the harness predicts them (``savedir/directory.py``), so both
read them from here. Pure: the standard library only, nothing else of the
emulator, so the harness may import this module and nothing else of it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ZIP_SUFFIX = ".zip"
# Factorio writes NAME.tmp.zip, then renames it over NAME.zip; the latest rule skips them.
TMP_SUFFIX = ".tmp.zip"

# Two lists of level files, for two questions; they differ on purpose.
#: Is this zip a save? Its top folder holds one of these: 2.0 splits the level
#: into ``level.dat0``, ``level.dat1``...; saves of older versions hold ``level.dat``.
SAVE_MARKER_FILES = ("level.dat0", "level.dat")
#: What a save holds as level state beside the scenario's own files: the
#: emulator writes these fresh into every save, so never copies them from a scenario.
LEVEL_STATE_FILES = ("level.dat0", "level-init.dat", "script.dat")


@dataclass(frozen=True)
class SaveFile:
    """One save in a ``saves/`` folder, as the latest rule saw it."""

    path: Path
    size: int
    mtime_ns: int

    @property
    def name(self) -> str:
        return save_name(self.path)


def save_name(path: Path) -> str:
    """The name Factorio gives a save: its file name without ``.zip``."""
    return path.name[: -len(ZIP_SUFFIX)] if path.name.endswith(ZIP_SUFFIX) else path.name


def temporary_path(path: Path) -> Path:
    """Where a save bound for ``path`` is written first: ``NAME.tmp.zip`` beside it."""
    return path.with_name(save_name(path) + TMP_SUFFIX)


def is_save_file_name(file_name: str) -> bool:
    """Whether the latest rule considers a file of this name: ``*.zip``, but not ``*.tmp.zip``."""
    return file_name.endswith(ZIP_SUFFIX) and not file_name.endswith(TMP_SUFFIX)


def saves_newest_first(directory: Path) -> list[SaveFile]:
    """The saves in ``directory``, newest first by mtime; ties go to the greater file name.

    A missing directory has none; a file deleted while it is read (a server
    replacing a save) is left out. Factorio's own tie-break is not known: this
    one is the emulator's, which the harness predicts.
    """
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return []
    found = []
    for entry in entries:
        if not is_save_file_name(entry.name):
            continue
        try:
            if not entry.is_file():
                continue
            stat = entry.stat()
        except FileNotFoundError:
            continue
        found.append(SaveFile(Path(entry.path), stat.st_size, stat.st_mtime_ns))
    found.sort(key=lambda save: (save.mtime_ns, save.path.name), reverse=True)
    return found


def latest_save(directory: Path) -> SaveFile | None:
    """The save ``--start-server-load-latest`` loads from ``directory``, or None."""
    saves = saves_newest_first(directory)
    return saves[0] if saves else None
