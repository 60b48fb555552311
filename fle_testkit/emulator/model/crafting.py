"""Hand crafting by a character (LuaControl.begin_crafting and friends).

``begin_crafting`` takes the ingredients out of the character at once and
queues the crafts, as the game does; the queue does not advance, because
crafting progress needs the tick simulation (not built yet). FLE's fast mode
does not use the queue: its craft_item removes the ingredients and inserts
the product itself.

Simplification: the game also queues the intermediate crafts a recipe needs
(``prerequisite`` entries) and counts them in ``get_craftable_count``; here
only the direct ingredients count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import control
from .character import QueuedCraft
from .errors import InvalidArgumentError

if TYPE_CHECKING:
    from .entity import Entity
    from .force import Recipe


def hand_craftable(character: Entity, recipe: Recipe) -> bool:
    """Enabled, of a category the character crafts, and made of items only."""
    prototype = recipe.prototype
    return (
        recipe.enabled
        and prototype.category in character.prototype.crafting_categories
        and all(i.type == "item" for i in prototype.ingredients)
    )


def craftable_count(character: Entity, recipe: Recipe) -> int:
    """How many crafts of ``recipe`` the character's items allow."""
    if not hand_craftable(character, recipe):
        return 0
    counts = [
        control.get_item_count(character, i.name) // int(i.amount) for i in recipe.prototype.ingredients if i.amount
    ]
    return min(counts) if counts else 0


def _queue(character: Entity) -> list[QueuedCraft]:
    if character.character is None:
        raise InvalidArgumentError(f"{character.name} is not a character")
    return character.character.crafting_queue


def begin_crafting(character: Entity, recipe: Recipe, count: int) -> int:
    """Queue up to ``count`` crafts; the ingredients leave the character now. Returns the crafts queued."""
    queue = _queue(character)
    crafts = min(count, craftable_count(character, recipe))
    if crafts <= 0:
        return 0
    for ingredient in recipe.prototype.ingredients:
        control.remove_item(character, ingredient.name, int(ingredient.amount) * crafts)
    last = queue[-1] if queue else None
    if last is not None and last.recipe == recipe.name and not last.prerequisite:
        last.count += crafts
    else:
        queue.append(QueuedCraft(recipe.name, crafts))
    return crafts


def cancel_crafting(character: Entity, index: int, count: int, recipes: dict[str, Recipe]) -> None:
    """Take ``count`` crafts off queue entry ``index`` (1-based) and give their ingredients back."""
    queue = _queue(character)
    if not 1 <= index <= len(queue):
        raise InvalidArgumentError(f"crafting queue index {index} out of range 1..{len(queue)}")
    entry = queue[index - 1]
    cancelled = min(count, entry.count)
    entry.count -= cancelled
    if entry.count == 0:
        del queue[index - 1]
    recipe = recipes[entry.recipe].prototype
    for ingredient in recipe.ingredients:
        # A character has no furnace source, so no recipes are needed to place the items.
        control.insert(character, ingredient.name, int(ingredient.amount) * cancelled, {})
