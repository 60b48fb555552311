"""API objects inside ``storage``: how they are named in a save and found again.

Factorio keeps LuaEntity, LuaSurface, LuaForce... values in ``storage`` across
a save; a reference names the thing, not the wrapper. A reference to
something that no longer exists comes back as an invalid object, as in
Factorio (``valid`` is false, any other use errors).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model.entity import Entity
from ..model.force import Force, Recipe, Technology
from ..model.script_inventories import ScriptInventory
from ..model.surface import Surface
from .base import LuaObject
from .context import ApiContext
from .prototypes import GAMEDATA_TABLES
from .registry import is_lua_object_of, lua_class_of


class InvalidReference(LuaObject):
    """What a saved reference to a vanished thing loads as."""

    def __init__(self, ctx: ApiContext, class_name: str, reference: str) -> None:
        super().__init__(ctx)
        self.lua_class_name = class_name
        self.reference = reference  # saved again as it was, so the next save works too

    def is_valid(self) -> bool:
        return False

    def index_other(self, key: Any) -> Any:
        self.check_valid()  # always raises: "<Class> API call when <Class> was invalid."


def reference_of(obj: Any) -> str | None:
    """The saveable name of an API object, or None (the save then fails)."""
    if isinstance(obj, InvalidReference):
        return obj.reference
    if is_lua_object_of(obj, Entity):
        return f"LuaEntity:{obj.model.id}"
    if is_lua_object_of(obj, ScriptInventory) and isinstance(obj.model, ScriptInventory):
        return f"LuaInventory:script:{obj.model.script_id}"
    if is_lua_object_of(obj, Surface, Force):
        return f"{obj.lua_class_name}:{obj.model.index}"
    if is_lua_object_of(obj, Technology, Recipe):
        return f"{obj.lua_class_name}:{obj.model.force.index}:{obj.model.name}"
    if is_lua_object_of(obj, *GAMEDATA_TABLES):
        return f"{obj.lua_class_name}:{obj.model.name}"
    return None


def resolver(ctx: ApiContext) -> Callable[[str], Any]:
    """Turns references back into objects of the loaded world."""
    world = ctx.world
    entities: dict[int, Any] = {}

    def resolve(reference: str) -> Any:
        class_name, _, rest = reference.partition(":")
        try:
            found = _find(class_name, rest)
        except ValueError:  # a damaged reference: it names nothing
            found = None
        return found if found is not None else InvalidReference(ctx, class_name, reference)

    def _find(class_name: str, rest: str) -> Any:
        if class_name == "LuaEntity":
            if not entities:
                entities.update((e.id, e) for s in world.surfaces.values() for e in s.entities)
            entity = entities.get(int(rest))
            return None if entity is None else ctx.wrap(entity)
        if class_name == "LuaInventory":
            owner, _, number = rest.partition(":")
            inventory = world.script_inventories.get(int(number)) if owner == "script" else None
            return None if inventory is None else ctx.wrap(inventory)
        if class_name == "LuaSurface":
            surface = world.surfaces.get(int(rest))
            return None if surface is None else ctx.wrap(surface)
        if class_name == "LuaForce":
            force = world.forces.get(int(rest))
            return None if force is None else ctx.wrap(force)
        if class_name in ("LuaTechnology", "LuaRecipe"):
            index, _, name = rest.partition(":")
            force = world.forces.get(int(index))
            table = None if force is None else (force.technologies if class_name == "LuaTechnology" else force.recipes)
            model = None if table is None else table.get(name)
            return None if model is None else ctx.wrap(model)
        for kind, attribute in GAMEDATA_TABLES.items():
            if lua_class_of(kind).lua_class_name == class_name:
                proto = getattr(ctx.gamedata, attribute).get(rest)
                return None if proto is None else ctx.wrap(proto)
        return None

    return resolve
