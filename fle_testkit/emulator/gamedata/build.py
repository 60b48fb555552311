"""Running the game's data stage (core + base, no DLC) with draftsman and lupa.

Imported only when the cache is cold: the warm path needs neither.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

from .extract import Extractor
from .locate import defines_path, draftsman_dir, versions
from .luatables import to_python
from .prototypes import GameData

#: Mods of the vanilla game besides ``core``/``base``; all disabled.
_DLC_MODS = ("space-age", "quality", "elevated-rails", "recycler")
#: The first line of draftsman's defines dump names the game version it was taken from.
_DUMP_VERSION = re.compile(r"^--\s*Current version:\s*(\S+)")


def build_vanilla(game_path: str | None = None) -> GameData:
    """Run the data stage (core + base only) and extract the prototypes.

    ``game_path`` points at another ``factorio-data`` folder (default:
    draftsman's own); nothing is written outside a temporary mods folder.
    """
    from draftsman.environment.update import run_data_lifecycle

    root = draftsman_dir()
    draftsman_version, base_version = versions(root)
    if game_path is not None:
        base_version = str(json.loads((Path(game_path) / "base" / "info.json").read_text())["version"])
    with tempfile.TemporaryDirectory(prefix="fle-testkit-mods-") as mods:
        mod_list = [{"name": "base", "enabled": True}]
        mod_list += [{"name": name, "enabled": False} for name in _DLC_MODS]
        Path(mods, "mod-list.json").write_text(json.dumps({"mods": mod_list}))
        lua = run_data_lifecycle(game_path=game_path, mods_path=mods, owned_dlc=[])
    masks = read_default_masks(root / "factorio-data" / "core" / "lualib" / "collision-mask-defaults.lua")
    return Extractor(lua, read_defines(defines_path(root)), masks).game_data(base_version, draftsman_version)


def read_default_masks(path: Path) -> dict[str, tuple[str, ...]]:
    """Entity type -> layers of its default collision mask, from core's ``collision-mask-defaults.lua``."""
    import lupa.lua52 as lua52

    from .extract import mask_layers

    runtime = lua52.LuaRuntime()
    table = runtime.execute(path.read_text(encoding="utf-8"))
    return {str(type_name): mask_layers(mask) for type_name, mask in table.items()}


def read_defines(path: Path) -> dict[str, Any]:
    """The ``defines`` table of a dump, refused unless the dump is of Factorio 2.0."""
    import lupa.lua52 as lua52

    text = path.read_text(encoding="utf-8-sig")
    found = _DUMP_VERSION.match(text)
    if found is None or not found.group(1).startswith("2.0."):
        raise ValueError(f"{path} is not a dump of Factorio 2.0's defines (first line: {text.splitlines()[0]!r})")
    runtime = lua52.LuaRuntime()
    runtime.execute(text)
    return to_python(runtime.globals().defines)
