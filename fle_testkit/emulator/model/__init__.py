"""The world in plain Python: surfaces, entities, inventories, forces.

No Lua and no wire text here: ``lua_api`` wraps these objects and words their
errors the way Factorio does.
"""

from .entity import Entity
from .errors import (
    InvalidArgumentError,
    InvalidObjectError,
    ModelError,
    NotFoundError,
    StateError,
    UnknownPrototypeError,
)
from .force import Force, Recipe, Technology
from .geometry import BoundingBox, Position
from .inventory import Inventory, ItemFilter
from .surface import Surface
from .world import World

__all__ = [
    "BoundingBox",
    "Entity",
    "Force",
    "Inventory",
    "InvalidArgumentError",
    "InvalidObjectError",
    "ItemFilter",
    "ModelError",
    "NotFoundError",
    "Position",
    "Recipe",
    "StateError",
    "Surface",
    "Technology",
    "UnknownPrototypeError",
    "World",
]
