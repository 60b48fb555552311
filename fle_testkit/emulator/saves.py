"""Save files: Factorio's zip layout and name rules, the emulator's world encoding.

A save is a zip with one top folder named after the save, holding the
scenario's files (``control.lua``, its modules, ``info.json``, locale),
``level.dat0`` (the world), ``level-init.dat`` and ``script.dat`` (``storage``).
Real Factorio's level data is binary; the emulator's is a tagged JSON document,
so a real save is recognised and refused with a clear error, never a crash.

A save is written to ``NAME.tmp.zip`` and renamed over ``NAME.zip``: a server
killed mid-save never leaves a half-written save behind. Those rules, and which
save loads as the latest, are in :mod:`.save_rules`, which the harness reads too.

Reading is bounded: every member is streamed in chunks with a cap on what it
unpacks to, checked against its header first and counted while reading (a
header can lie), so a zip bomb is refused with a clear error instead of
filling memory.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import messages, save_rules
from .errors import EmulatorError
from .save_rules import LEVEL_STATE_FILES, save_name, temporary_path

WORLD_MAGIC = b"FLE-TESTKIT-EMULATOR-LEVEL\n"
FORMAT_VERSION = 1

# Bounds on what a save unpacks to. A save is held in memory whole while it
# loads (script.dat is parsed as one JSON document), so the bound is what the
# emulator can afford, not what a zip can claim: 1 GiB is ~70 times the
# script.dat of 200,000 storage entries (14 MB) and far beyond any test
# world, yet small enough that a refused save never exhausts a CI machine.
# One bound serves both, per member and in total.
MAX_MEMBER_BYTES = 1 << 30
MAX_TOTAL_BYTES = 1 << 30
_CHUNK = 1 << 20


class SaveFileError(EmulatorError):
    """A save could not be read or written; the message says which and why."""


@dataclass
class SaveContents:
    """What a save holds, in memory."""

    name: str
    scenario_files: dict[str, bytes]
    level: dict[str, Any]
    storage: bytes
    meta: dict[str, Any] = field(default_factory=dict)


def latest_save(saves_dir: Path) -> Path | None:
    """Factorio's rule: the newest ``*.zip`` by mtime, ignoring ``*.tmp.zip`` (see save_rules)."""
    found = save_rules.latest_save(saves_dir)
    return None if found is None else found.path


def write_save(path: Path, contents: SaveContents) -> int:
    """Write atomically through ``NAME.tmp.zip``; returns the size in bytes.

    On any failure (a full disk, say) the temporary file is removed and the
    previous save at ``path`` is left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path)
    top = save_name(path)
    level = WORLD_MAGIC + zlib.compress(
        json.dumps(
            {"format_version": FORMAT_VERSION, "meta": contents.meta, "level": contents.level},
            separators=(",", ":"),
        ).encode()
    )
    init = json.dumps({"format_version": FORMAT_VERSION, "meta": contents.meta}).encode()
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for rel, data in sorted(contents.scenario_files.items()):
                if rel not in LEVEL_STATE_FILES:  # a save's own are written fresh
                    archive.writestr(f"{top}/{rel}", data)
            archive.writestr(f"{top}/level.dat0", level)
            archive.writestr(f"{top}/level-init.dat", WORLD_MAGIC + init)
            archive.writestr(f"{top}/script.dat", contents.storage)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise SaveFileError(messages.SAVE_CANNOT_WRITE.format(path=path, reason=error.strerror or error)) from error
    return path.stat().st_size


def read_save(path: Path) -> SaveContents:
    """Read a save the emulator wrote; refuse anything else with a clear reason."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            top = _single_top_folder(path, names)
            files = _read_members(path, archive, names, top)
    except FileNotFoundError as error:
        raise SaveFileError(f"{path} does not exist") from error
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise SaveFileError(f"{path} is not a valid zip archive ({error})") from error
    level_raw = files.pop("level.dat0", None)
    if level_raw is None:
        raise SaveFileError(f"{path} has no level.dat0: it is not a save file")
    if not level_raw.startswith(WORLD_MAGIC):
        raise SaveFileError(
            f"{path} is a save of real Factorio (or of another program): the emulator reads only saves it wrote itself"
        )
    try:
        document = json.loads(zlib.decompress(level_raw[len(WORLD_MAGIC) :]))
    except (zlib.error, ValueError) as error:
        raise SaveFileError(f"{path} has a damaged level.dat0 ({error})") from error
    if not isinstance(document, dict) or not isinstance(document.get("level"), dict):
        raise SaveFileError(f"{path} has a damaged level.dat0 (no level document)")
    version = document.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise SaveFileError(
            f"{path} was written in save format {version!r}, newer than this emulator "
            f"reads ({FORMAT_VERSION}): update fle-testkit"
        )
    files.pop("level-init.dat", None)
    storage = files.pop("script.dat", b"")
    return SaveContents(
        name=top,
        scenario_files=files,
        level=document["level"],
        storage=storage,
        meta=document.get("meta", {}),
    )


def _read_members(path: Path, archive: zipfile.ZipFile, names: list[str], top: str) -> dict[str, bytes]:
    """Every member's bytes, refusing before a member or the whole passes its bound."""
    member_bound, total_bound = MAX_MEMBER_BYTES, MAX_TOTAL_BYTES
    declared = 0
    for name in names:
        size = archive.getinfo(name).file_size
        if size > member_bound:
            raise SaveFileError(messages.SAVE_MEMBER_TOO_LARGE.format(path=path, member=name, bound=member_bound))
        declared += size
        if declared > total_bound:
            raise SaveFileError(messages.SAVE_TOTAL_TOO_LARGE.format(path=path, bound=total_bound))
    files: dict[str, bytes] = {}
    total = 0
    for name in names:
        parts: list[bytes] = []
        count = 0
        try:
            with archive.open(name) as member:
                while chunk := member.read(_CHUNK):
                    count += len(chunk)
                    total += len(chunk)
                    if count > member_bound:
                        raise SaveFileError(
                            messages.SAVE_MEMBER_TOO_LARGE.format(path=path, member=name, bound=member_bound)
                        )
                    if total > total_bound:
                        raise SaveFileError(messages.SAVE_TOTAL_TOO_LARGE.format(path=path, bound=total_bound))
                    parts.append(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            raise SaveFileError(messages.SAVE_MEMBER_DAMAGED.format(path=path, member=name, reason=error)) from error
        files[name[len(top) + 1 :]] = b"".join(parts)
    return files


def _single_top_folder(path: Path, names: list[str]) -> str:
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) != 1 or any("/" not in n for n in names):
        raise SaveFileError(f"{path} must hold exactly one top folder, found {sorted(tops)!r}")
    return tops.pop()


def read_scenario(directory: Path) -> dict[str, bytes]:
    """All files of a scenario directory, by path relative to it."""
    if not (directory / "control.lua").is_file():
        raise SaveFileError(f"scenario {directory} has no control.lua")
    return {
        str(p.relative_to(directory)).replace(os.sep, "/"): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }
