"""The FLE scenario: FLE's lab scenario with FLE's own Lua in it.

FLE uploads its Lua over RCON whenever it builds a ``FactorioInstance``: its
libraries (``fle/env/mods``) and every tool's scripts (``fle/env/tools``),
~490 KB in ~125 commands, unless the game already holds a script of the same
MD5 (FLE's ``cache_scripts``; the sums live in ``storage.__lua_script_checksums``).
This scenario carries the same files, read from the installed ``fle`` package,
and records their sums as FLE computes them, so an instance built on a game
started from the scenario or from one of its saves sends no script body: only
FLE's checksum script and query.

Factorio runs a scenario's Lua in places FLE's Lua cannot run unchanged: in
control.lua's main chunk ``game`` is nil (FLE's score script reads it at its
top level), and in ``on_load`` storage must not be written (FLE's scripts write
it at their top level). So each file is wrapped in a function (``require``
returns it, nothing runs), and the files run, in the order FLE sends them, in
``on_init`` for a new game, and after a load at the first read of FLE's tables
(see ``lua/fle_testkit/fle_storage.lua``, which also keeps FLE's functions out
of storage, where no save may hold them).

The map: FLE's scenario keeps its map in ``blueprint.zip``, which real Factorio
reads and the emulator cannot; ``emulator-map.json`` names the emulator's
``fle-lab`` map instead (real Factorio ignores that file).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import ScenarioError
from ..scenario import Scenario, ScenarioBuilder

#: FLE's own scenario, inside the ``fle`` package.
FLE_SCENARIO = Path("cluster") / "scenarios" / "default_lab_scenario"
#: Where FLE's files go inside the generated scenario.
SCRIPTS_DIR = "fle"
#: FLE's libraries in the order FactorioInstance.initialise sends them (fle/env/instance.py).
LIBRARIES = (
    "lualib_util",
    "utils",
    "alerts",
    "connection_points",
    "recipe_fluid_connection_mappings",
    "serialize",
    "serialize_direction_fix",
)
EMULATOR_MAP = b'{"map": "fle-lab"}\n'


@dataclass(frozen=True)
class FleScript:
    """One of FLE's Lua files: FLE's name for it (its checksum key) and its text."""

    key: str  # "utils" for a library, "agent/move_to/server.lua" for a tool's script
    path: str  # where it goes in the scenario
    text: str

    @property
    def module(self) -> str:
        return self.path[: -len(".lua")]

    @property
    def md5(self) -> str:
        """As FLE's LuaScriptManager.calculate_checksum computes it."""
        return hashlib.md5(self.text.encode()).hexdigest()


def fle_package_dir() -> Path:
    """The installed ``fle`` package, found without importing it (FLE's import takes a second)."""
    spec = importlib.util.find_spec("fle")
    if spec is None or not spec.submodule_search_locations:
        raise ScenarioError("FLE is not installed. Fix: pip install 'fle-testkit[fle]'")
    return Path(next(iter(spec.submodule_search_locations)))


def fle_scripts(package: Path | None = None) -> list[FleScript]:
    """FLE's Lua files in the order FactorioInstance sends them: the checksum script,
    ``initialise``, every tool's scripts (tools in name order, each tool's ``server.lua``
    last, as FLE's load_tool_into_game sorts them), then the libraries.

    The directories are FLE's, overrides included (``FLE_MODS_DIR``, ``FLE_TOOLS_DIR``).
    """
    root = package if package is not None else fle_package_dir()
    mods = Path(os.environ.get("FLE_MODS_DIR") or root / "env" / "mods")
    tools = Path(os.environ.get("FLE_TOOLS_DIR") or root / "env" / "tools")
    scripts = [_library(mods, "checksum"), _library(mods, "initialise")]
    for tool_dir in sorted(_tool_dirs(tools)):
        names = sorted(p.name for p in tool_dir.iterdir() if p.suffix == ".lua")
        for name in sorted(names, key=lambda n: n == "server.lua"):
            key = f"{tool_dir.relative_to(tools).as_posix()}/{name}"
            scripts.append(FleScript(key, f"{SCRIPTS_DIR}/tools/{key}", _read(tool_dir / name)))
    scripts.extend(_library(mods, name) for name in LIBRARIES)
    return scripts


def _library(mods: Path, name: str) -> FleScript:
    return FleScript(name, f"{SCRIPTS_DIR}/mods/{name}.lua", _read(mods / f"{name}.lua"))


def _tool_dirs(tools: Path) -> list[Path]:
    """FLE's valid tool directories: those holding both ``server.lua`` and ``client.py``."""
    return [
        Path(d) for d, _, files in os.walk(tools) if "server.lua" in files and "client.py" in files and Path(d) != tools
    ]


def _read(path: Path) -> str:
    """The text FLE hashes: read as FLE reads it (UTF-8, universal newlines)."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(f"could not read FLE's Lua {str(path)!r}: {error}") from error


def wrapped(script: FleScript) -> bytes:
    """The file as the scenario holds it: FLE's text as the body of a function ``require`` returns.

    On one line with the text's first, so error messages name FLE's line numbers.
    """
    return f"return function(...) {script.text}\nend\n".encode()


def control_tail(scripts: list[FleScript], version: str) -> str:
    """The Lua appended to the generated control.lua: FLE's files, when they run, their sums."""
    requires = "".join(f'  require("{s.module}"),\n' for s in scripts)
    # FLE's checksum script among them: FLE sends it on every connection all the same.
    sums = "".join(f'  ["{s.key}"] = "{s.md5}",\n' for s in scripts)
    return (
        f"-- FLE {version}'s Lua, run as FLE would send it; see fle_testkit/fle/scenario.py.\n"
        'local fle_storage = require("fle_testkit.fle_storage")\n'
        f"local fle_files = {{\n{requires}}}\n"
        "local function run_fle()\n"
        "  fle_storage.install(storage)\n"
        "  for _, run in ipairs(fle_files) do run() end\n"
        "end\n"
        "-- The sums FLE's cache_scripts compares with: what is here need not be sent again.\n"
        f"local fle_checksums = {{\n{sums}}}\n"
        "script.on_init(function()\n"
        "  run_fle()\n"
        "  for name, sum in pairs(fle_checksums) do storage.__lua_script_checksums[name] = sum end\n"
        "end)\n"
        "script.on_load(function()\n"
        "  fle_storage.reattach(storage)\n"
        "  fle_storage.defer(run_fle)\n"
        "end)\n"
    )


def fle_scenario_builder(out_root: Path | str, package: Path | None = None) -> ScenarioBuilder:
    """The builder of the FLE scenario (``.build()`` writes it once per content)."""
    root = package if package is not None else fle_package_dir()
    base = root / FLE_SCENARIO
    if not (base / "control.lua").is_file():
        raise ScenarioError(f"FLE's scenario was not found at {str(base)!r}. Fix: pip install 'fle-testkit[fle]'")
    scripts = fle_scripts(root)
    try:
        version = importlib.metadata.version("factorio-learning-environment")
    except importlib.metadata.PackageNotFoundError:
        version = "(version unknown)"
    extra = {s.path: wrapped(s) for s in scripts}
    extra["emulator-map.json"] = EMULATOR_MAP
    return ScenarioBuilder(base, out_root=out_root, extra_files=extra, control_tail=control_tail(scripts, version))


def build_fle_scenario(out_root: Path | str) -> Scenario:
    return fle_scenario_builder(out_root).build()
