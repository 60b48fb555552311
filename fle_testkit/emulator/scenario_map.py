"""Which map a scenario starts on.

In Factorio a scenario's map is its ``blueprint.zip``, a binary the emulator
cannot read; without one, the map is generated. The emulator's stand-in is a
scenario file, :data:`MAP_FILE`, holding ``{"map": "<name>"}``: the named map
(``emulator/maps/<name>.toml``, see :mod:`.model.mapgen`) is laid on nauvis
when a new game starts from that scenario. Real Factorio ignores the file, so
the same scenario runs on both. A scenario without it starts on plain land.
A named map is generated with its own fixed seed: like a blueprint.zip map,
it does not change with ``--map-gen-seed``.
"""

from __future__ import annotations

import json
from typing import Any

from .model.mapgen import MapError, MapLayout, generate, load_facts

MAP_FILE = "emulator-map.json"


class ScenarioMapError(ValueError):
    """The scenario's map file is malformed or names a map the emulator does not have."""


def scenario_map_name(files: dict[str, bytes]) -> str | None:
    data = files.get(MAP_FILE)
    if data is None:
        return None
    try:
        found = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ScenarioMapError(f"{MAP_FILE} is not JSON: {error}") from error
    name = found.get("map") if isinstance(found, dict) else None
    if not isinstance(name, str):
        raise ScenarioMapError(f'{MAP_FILE} must be {{"map": "<name>"}}, got {found!r}')
    return name


def scenario_layout(files: dict[str, bytes], gamedata: Any) -> MapLayout | None:
    """The generated map a scenario names, or None when it names none."""
    name = scenario_map_name(files)
    if name is None:
        return None
    try:
        return generate(load_facts(name), gamedata)
    except MapError as error:
        raise ScenarioMapError(str(error)) from error
