"""Running the game's data stage (core + base, no DLC) with draftsman and lupa.

Imported only when the cache is cold: the warm path needs neither.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from .cache import draftsman_dir, versions
from .extract import Extractor
from .luatables import to_python
from .prototypes import GameData

#: Mods of the vanilla game besides ``core``/``base``; all disabled.
_DLC_MODS = ("space-age", "quality", "elevated-rails", "recycler")
#: The defines dump whose numbers the emulator exposes (Factorio 2.0); older
#: draftsman releases ship one unversioned file.
_DEFINES_FILES = ("compatibility/defines/2.0.lua", "compatibility/defines.lua")


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
    defines = _read_defines(root)
    hierarchy = _read_hierarchy(([Path(game_path)] if game_path else []) + [root / "factorio-data"])
    return Extractor(lua, defines, hierarchy).game_data(base_version, draftsman_version)


def _read_defines(root: Path) -> dict[str, Any]:
    import lupa.lua52 as lua52

    for relative in _DEFINES_FILES:
        path = root / relative
        if path.exists():
            runtime = lua52.LuaRuntime()
            runtime.execute(path.read_text(encoding="utf-8-sig"))
            return to_python(runtime.globals().defines)
    raise FileNotFoundError(f"no defines file under {root / 'compatibility'}")


def _read_hierarchy(data_dirs: list[Path]) -> dict[str, Any]:
    """core's ``prototype-hierarchy.lua``: which types are entities with health/owner.

    Older factorio-data (2.0.x) lacks the file; draftsman's own copy is used then.
    """
    import lupa.lua52 as lua52

    for data_dir in data_dirs:
        path = data_dir / "core" / "lualib" / "prototype-hierarchy.lua"
        if path.exists():
            return to_python(lua52.LuaRuntime().execute(path.read_text(encoding="utf-8-sig")))
    raise FileNotFoundError(f"no core/lualib/prototype-hierarchy.lua in {data_dirs}")
