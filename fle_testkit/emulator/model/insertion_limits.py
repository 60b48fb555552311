"""Factorio's automated insertion limits: how much an inserter puts into a machine before it waits.

Crafting machine inputs (a furnace's source, an assembler's input): an inserter drops an
ingredient only while the machine holds fewer than ``ceil(amount x overload multiplier)`` of it,
``amount`` being what one craft of the recipe takes. The multiplier is the number of crafts the
machine completes in ``dynamic_recipe_overload_factor`` seconds, plus one:
``ceil(factor / (energy_required / crafting_speed)) + 1``, kept within
``minimum_recipe_overload_multiplier`` and ``maximum_recipe_overload_multiplier`` (the utility
constants of the data, whose comment in core's utility-constants.lua states the rule: "the
number of crafts we can complete during one inserter full swing + 1", 1.166 s being the longest
swing of a base game inserter). A stone furnace smelting iron (3.2 s) takes 2 ore, an assembling
machine 1 making gears (0.5 s at speed 0.5) 6 plates. Below the limit the whole hand goes in, so a
big hand may overfill past it (the wiki, "Inserters": an inserter "can overfill due to the
inserter item stack size").

A furnace uses the recipe it is smelting or last smelted when that takes the item, else the
first recipe of its crafting categories that does (the one it would choose).

Fuel slots: an inserter drops fuel only while the fuel inventory holds fewer than
:data:`FUEL_LIMIT` items of it. The number is the wiki's ("Inserters": boilers, burner inserters
and furnaces "will not accept more than 5 x fuel"), documented for earlier versions; the 2.0
rule is not documented and the data has no constant for it, so this is the most plausible
reading, easy to change here.

Chests and other main inventories have no limit.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .simulation import exact

if TYPE_CHECKING:
    from ..gamedata import RecipePrototype
    from .entity import Entity
    from .inventory import Inventory

#: Fuel items an inserter tops a fuel inventory up to (see the module docstring).
FUEL_LIMIT = 5
#: The inventories of crafting machines' ingredients.
INPUT_INVENTORIES = frozenset({"furnace_source", "assembling_machine_input"})


@functools.lru_cache(maxsize=4096)  # (few distinct machines and recipes; asked on every drop)
def overload_multiplier(crafting_speed: float, energy_required: float, constants: tuple[float, int, int]) -> int:
    """Crafts a machine holds ingredients for: those it completes in the factor's seconds, plus one."""
    factor, least, most = constants
    seconds_a_craft = exact(energy_required) / exact(crafting_speed)
    return min(max(math.ceil(exact(factor) / seconds_a_craft) + 1, least), most)


def limit(entity: Entity, inventory: Inventory, item: str, recipes: Mapping[str, RecipePrototype]) -> int | None:
    """How many of ``item`` ``inventory`` may hold before an inserter stops dropping it (None: no limit)."""
    if inventory.name == "fuel":
        return FUEL_LIMIT
    if inventory.name not in INPUT_INVENTORIES:
        return None
    recipe = _recipe_for(entity, item, recipes)
    speed = entity.prototype.crafting_speed
    if recipe is None or not speed or not recipe.energy_required:
        return None
    amount = sum(Fraction(i.amount) for i in recipe.ingredients if i.name == item)
    multiplier = overload_multiplier(speed, recipe.energy_required, entity.force.gamedata.recipe_overload)
    return math.ceil(amount * multiplier)


def allows(entity: Entity, inventory: Inventory, item: str, recipes: Mapping[str, RecipePrototype]) -> bool:
    """Whether an inserter may drop ``item`` into ``inventory`` now (it holds fewer than the limit)."""
    most = limit(entity, inventory, item, recipes)
    return most is None or inventory.get_item_count(item) < most


def _recipe_for(entity: Entity, item: str, recipes: Mapping[str, RecipePrototype]) -> Any:
    current = entity.recipe
    if current is not None and any(i.name == item for i in current.prototype.ingredients):
        return current.prototype
    if entity.type != "furnace":
        return None
    return _first_recipe_taking(recipes, entity.prototype.crafting_categories, item)


#: _first_recipe_taking's answers by (id of the recipes, categories, item); each keeps its recipes
#: alive, so an id is never reused while its answers are here (as control.smelts does).
_FIRST: dict[tuple[int, tuple[str, ...], str], tuple[Mapping[str, RecipePrototype], Any]] = {}


def _first_recipe_taking(recipes: Mapping[str, RecipePrototype], categories: tuple[str, ...], item: str) -> Any:
    """The first recipe of ``categories`` with ``item`` among its ingredients (the one a furnace would choose)."""
    key = id(recipes)
    found = _FIRST.get((key, categories, item))
    if found is None:
        answer = next(
            (r for r in recipes.values() if r.category in categories and any(i.name == item for i in r.ingredients)),
            None,
        )
        found = _FIRST[(key, categories, item)] = (recipes, answer)
    return found[1]
