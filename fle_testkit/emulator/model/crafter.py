"""An assembling machine's recipe (LuaEntity.set_recipe / get_recipe).

Setting a recipe sizes the machine's input inventory to the recipe's item
ingredients (and lets only those in) and its output to the item products;
items that no longer fit or belong are taken out and returned, as
``set_recipe`` returns them. A furnace chooses its recipe from what it
smelts while running, which needs the tick simulation: until then a furnace
has no recipe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import InvalidArgumentError
from .inventory import ItemFilter, Stack

if TYPE_CHECKING:
    from .entity import Entity
    from .force import Recipe

#: Entity types that take set_recipe (a rocket silo is an assembling machine with a fixed recipe).
RECIPE_TYPES = frozenset({"assembling-machine", "rocket-silo"})
CRAFTING_MACHINE_TYPES = RECIPE_TYPES | {"furnace"}


class NotACraftingMachineError(InvalidArgumentError):
    """get_recipe or set_recipe on an entity that has no recipe."""


class RecipeNotAllowedError(InvalidArgumentError):
    """A recipe outside the machine's crafting categories, or a change to a fixed recipe."""


def set_recipe(entity: Entity, recipe: Recipe | None) -> list[Stack]:
    """Set (or with None clear) the recipe; returns the stacks taken out of the machine."""
    entity.check_valid()
    if entity.type not in RECIPE_TYPES:
        raise NotACraftingMachineError(entity.name)
    prototype = entity.prototype
    if prototype.fixed_recipe is not None and (recipe is None or recipe.name != prototype.fixed_recipe):
        raise RecipeNotAllowedError(entity.name)
    if recipe is not None and recipe.prototype.category not in prototype.crafting_categories:
        raise RecipeNotAllowedError(entity.name)
    entity.recipe = recipe
    ingredients = [] if recipe is None else [i.name for i in recipe.prototype.ingredients if i.type == "item"]
    products = [] if recipe is None else [p.name for p in recipe.prototype.results if p.type == "item"]
    removed: list[Stack] = []
    for inventory in entity.inventories.values():
        if inventory.name == "assembling_machine_input":
            removed += inventory.resize(len(ingredients), ItemFilter(names=frozenset(ingredients)))
        elif inventory.name == "assembling_machine_output":
            removed += inventory.resize(len(products), ItemFilter(names=frozenset(products)))
    entity.changed()  # (its machine looks again: a new recipe may start, or end the craft under way)
    return removed


def get_recipe(entity: Entity) -> Recipe | None:
    entity.check_valid()
    if entity.type not in CRAFTING_MACHINE_TYPES:
        raise NotACraftingMachineError(entity.name)
    return entity.recipe
