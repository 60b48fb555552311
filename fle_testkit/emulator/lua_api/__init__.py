"""Lua-facing objects, named as Factorio names them.

Importing the package imports every module whose classes show a model type to
Lua, so each has registered itself (:mod:`.registry`) before any Lua runs.
"""

from . import belts, burner, entity, force, inventory, itemstack, prototypes, rendering, statistics, surface, tile

__all__ = [
    "belts",
    "burner",
    "entity",
    "force",
    "inventory",
    "itemstack",
    "prototypes",
    "rendering",
    "statistics",
    "surface",
    "tile",
]
