"""Items in and out of a whole entity (LuaControl's insert, remove_item, get_item_count...).

An entity's inventories are tried in the order the game fills them:
an inserted item goes to the slots made for it first (fuel, guns, ammo,
armor, modules, a lab's or crafter's inputs: the filtered inventories), then
to a furnace's source if some recipe the furnace makes uses it, then to the
main inventory (chest, character, trunk). Outputs (a furnace's result, a
crafter's output, burnt results) never receive items this way. Removing and
counting cover every inventory, in ``defines.inventory`` order, so a
character gives up its main inventory first.

Not modelled: the character's cursor stack, and spilling what does not fit.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..gamedata import RecipePrototype
    from .entity import Entity
    from .inventory import Inventory

#: The inventories Factorio calls an entity's main inventory (``get_main_inventory``).
MAIN_INVENTORIES = frozenset(
    {"character_main", "chest", "car_trunk", "spider_trunk", "cargo_wagon", "cargo_unit", "god_main", "editor_main"}
)

#: Where an entity puts what it makes: never a target of ``insert``.
OUTPUT_INVENTORIES = frozenset(
    {"furnace_result", "assembling_machine_output", "rocket_silo_output", "burnt_result", "agricultural_tower_output"}
)
#: Where an inserter takes items from in an entity: its outputs and its main inventory.
PICKUP_INVENTORIES = OUTPUT_INVENTORIES | MAIN_INVENTORIES


def main_inventory(entity: Entity) -> Inventory | None:
    return next((inv for inv in entity.inventories.values() if inv.name in MAIN_INVENTORIES), None)


#: smelts' answers by (id of the recipes, crafting categories, item); each keeps its recipes alive,
#: so an id is never reused while its answers are here. Prototypes never change in a game.
_SMELTS: dict[tuple[int, tuple[str, ...], str], tuple[Mapping[str, RecipePrototype], bool]] = {}


def smelts(entity: Entity, item: str, recipes: Mapping[str, RecipePrototype]) -> bool:
    """Whether a recipe of the entity's crafting categories takes ``item`` (what a furnace source accepts)."""
    categories = entity.prototype.crafting_categories
    key = (id(recipes), categories, item)
    found = _SMELTS.get(key)
    if found is None:
        answer = any(
            recipe.category in categories and any(i.name == item for i in recipe.ingredients)
            for recipe in recipes.values()
        )
        found = _SMELTS[key] = (recipes, answer)
    return found[1]


def insert_targets(entity: Entity, item: str, recipes: Mapping[str, RecipePrototype]) -> list[Inventory]:
    """The inventories ``item`` may go into, in the order they are filled."""
    filtered: list[Inventory] = []
    source: list[Inventory] = []
    main: list[Inventory] = []
    for inventory in entity.inventories.values():
        if inventory.name in OUTPUT_INVENTORIES:
            continue
        if inventory.filter is not None:
            if inventory.accepts(item):
                filtered.append(inventory)
        elif inventory.name == "furnace_source":
            if smelts(entity, item, recipes):
                source.append(inventory)
        elif inventory.name in MAIN_INVENTORIES:
            main.append(inventory)
    return filtered + source + main


def insert(entity: Entity, item: str, count: int, recipes: Mapping[str, RecipePrototype]) -> int:
    """Put up to ``count`` of the item into the entity; returns how many went in."""
    entity.check_valid()
    inserted = 0
    for inventory in insert_targets(entity, item, recipes):
        if inserted >= count:
            break
        inserted += inventory.insert(item, count - inserted)
    return inserted


def insertable_count(entity: Entity, item: str, recipes: Mapping[str, RecipePrototype]) -> int:
    entity.check_valid()
    return sum(inventory.get_insertable_count(item) for inventory in insert_targets(entity, item, recipes))


def remove_item(entity: Entity, item: str, count: int) -> int:
    """Take up to ``count`` of the item from the entity's inventories; returns how many were taken."""
    entity.check_valid()
    removed = 0
    for inventory in entity.inventories.values():
        if removed >= count:
            break
        removed += inventory.remove(item, count - removed)
    return removed


def get_item_count(entity: Entity, item: str | None = None) -> int:
    entity.check_valid()
    return sum(inventory.get_item_count(item) for inventory in entity.inventories.values())


def clear_items_inside(entity: Entity) -> None:
    entity.check_valid()
    for inventory in entity.inventories.values():
        inventory.clear()


def mining_products(target: Entity, rng: random.Random) -> dict[str, int]:
    """What one mining of ``target`` yields: its products (amounts and chances drawn from ``rng``)."""
    minable = target.prototype.minable
    if minable is None:
        return {}
    products: dict[str, int] = {}
    for product in minable.products:
        if product.type != "item" or rng.random() >= product.probability:
            continue
        if product.amount is not None:
            amount = int(product.amount)
        else:
            amount = rng.randint(int(product.amount_min or 0), int(product.amount_max or 0))
        if amount > 0:
            products[product.name] = products.get(product.name, 0) + amount
    return products


def _contents(target: Entity) -> dict[str, int]:
    """What a non-resource entity holds (its inventories' items), given to whoever mines it."""
    held: dict[str, int] = {}
    if target.amount is None:
        for inventory in target.inventories.values():
            for stack in inventory:
                if stack is not None:
                    held[stack[0]] = held.get(stack[0], 0) + stack[1]
    return held


def _mined_items(target: Entity) -> dict[str, int]:
    """What mining ``target`` once gives: its products, and for a non-resource what it holds.

    The draw of random products is seeded by the target, so it is repeatable.
    """
    gained = mining_products(target, random.Random(target.id * 7919 + (target.amount or 0)))
    for name, count in _contents(target).items():
        gained[name] = gained.get(name, 0) + count
    return gained


def take_one(target: Entity) -> None:
    """A resource loses one unit of amount (removed at 0, an infinite one never); anything else is removed."""
    if target.amount is not None:
        target.amount -= 1
        if target.prototype.infinite_resource:
            target.amount = max(target.amount, 1)
            return
        if target.amount > 0:
            return
    target.destroy()


def mine_into(
    miner: Entity, target: Entity, recipes: Mapping[str, RecipePrototype], rng: random.Random
) -> dict[str, int] | None:
    """A character's mining of ``target`` once (the tick simulation's, see handwork.py).

    As :func:`mine_entity` without ``force``: None, and nothing done, when the miner cannot take it
    all. Returns the products drawn (``rng`` draws them), not what the target held.
    """
    if not target.minable:
        return None
    products = mining_products(target, rng)
    gained = dict(products)
    for name, count in _contents(target).items():
        gained[name] = gained.get(name, 0) + count
    if any(insertable_count(miner, name, recipes) < count for name, count in gained.items()):
        return None
    for name, count in gained.items():
        insert(miner, name, count, recipes)
    take_one(target)
    return products


def mine_entity(miner: Entity, target: Entity, recipes: Mapping[str, RecipePrototype], force: bool = False) -> bool:
    """Mine ``target`` into ``miner`` as a character mining it would (LuaControl::mine_entity).

    A resource gives one mining's products and loses one unit of amount;
    anything else is removed and its products and contents go to the miner.
    Without ``force`` nothing happens, and the answer is False, when the miner
    cannot take it all; with ``force`` what does not fit is lost (Factorio
    spills it on the ground, which is not modelled).
    """
    miner.check_valid()
    target.check_valid()
    if not target.minable:
        return False
    gained = _mined_items(target)
    if not force and any(insertable_count(miner, name, recipes) < count for name, count in gained.items()):
        return False
    for name, count in gained.items():
        insert(miner, name, count, recipes)
    take_one(target)
    return True


def mine(target: Entity, inventory: Inventory | None, force: bool = False, ignore_minable: bool = False) -> bool:
    """LuaEntity::mine: mine ``target`` into ``inventory``, or with none destroy what it gives (2.0 docs).

    Without ``force``, when ``inventory`` cannot take it all nothing happens
    and the answer is False; with ``force`` what does not fit is lost
    (Factorio drops it on the ground, which is not modelled). A resource
    loses one unit of amount, as when a character mines it: real Factorio's
    handling of a resource here is not documented, and one unit is what
    FLE's harvest_resource expects (it mines the same ore tile repeatedly).
    """
    target.check_valid()
    if not ignore_minable and not target.minable:
        return False
    gained = _mined_items(target)
    if inventory is not None:
        if not force and any(inventory.get_insertable_count(name) < count for name, count in gained.items()):
            return False
        for name, count in gained.items():
            inventory.insert(name, count)
    take_one(target)
    return True
