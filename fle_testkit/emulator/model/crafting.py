"""Hand crafting by a character (LuaControl.begin_crafting and friends): what is queued, and how.

``begin_crafting`` plans the crafts as Factorio 2.0 does: each ingredient comes
from the character's items first; what is missing is crafted by hand from the
recipe that makes it (the recipe named after the item when it qualifies), and so
on down, each such craft queued as a ``prerequisite`` entry before the crafts
that need it (one entry per recipe and call, in the order first needed). Every
item the plan uses leaves the character at once and is *reserved* for the call
(character.py); the tick simulation (handwork.py) then runs the queue front to
back, each craft taking its ingredients from the reserve. ``get_craftable_count``
counts the crafts such a plan allows.

``cancel_crafting`` of crafts the player asked for gives back what those crafts
would have used: the call is planned again, from its reserve, for the crafts
left, and what the new plan does not use goes back to the character. Cancelling
prerequisite crafts cancels the fewest asked-for crafts that no longer need
them. A craft under way in the cancelled call starts again (its ingredients go
back to the reserve first). The real game's handling of partial cancels is not
documented in this detail; this is the most plausible reading, and it never
makes or loses an item.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from . import control
from .character import CharacterState, QueuedCraft
from .errors import InvalidArgumentError

if TYPE_CHECKING:
    from ..gamedata import RecipePrototype
    from .entity import Entity
    from .force import Recipe

#: The most crafts one call can queue (``begin_crafting`` returns a uint).
MOST_CRAFTS = 2**32 - 1


def hand_craftable(character: Entity, recipe: Recipe) -> bool:
    """Enabled, of a category the character crafts, and made of items only."""
    prototype = recipe.prototype
    return (
        recipe.enabled
        and prototype.category in character.prototype.crafting_categories
        and all(i.type == "item" for i in prototype.ingredients)
    )


def product_amount(recipe: Recipe, item: str) -> int:
    """How many of ``item`` one craft of ``recipe`` makes (a ranged amount: its least)."""
    return _makes(recipe.prototype, item)


def _makes(recipe: RecipePrototype, item: str) -> int:
    total = 0
    for product in recipe.results:
        if product.type == "item" and product.name == item:
            total += int(product.amount if product.amount is not None else product.amount_min or 0)
    return total


class _Plan:
    """The crafts and items one ``begin_crafting`` call needs, worked out against a stock of items."""

    def __init__(self, character: Entity, stock: Mapping[str, int] | None) -> None:
        self.character = character
        self.recipes = character.force.recipes
        self._stock = dict(stock) if stock is not None else {}
        self._counted = stock is not None  # False: the stock is the character's items, counted when first needed
        self.taken: dict[str, int] = {}  # what the plan takes from the stock
        self.made: dict[str, int] = {}  # what prerequisite crafts make beyond what they are for
        self.entries: list[tuple[str, int]] = []  # prerequisite crafts in queue order

    def _have(self, item: str) -> int:
        stock = self._stock
        if item not in stock:
            stock[item] = 0 if self._counted else control.get_item_count(self.character, item)
        return stock[item]

    def _maker(self, item: str, making: frozenset[str]) -> Recipe | None:
        """The recipe a missing ``item`` is hand-crafted with (not one already being planned above)."""
        for name in _makers(self.character.force.gamedata.recipes, item):
            recipe = self.recipes[name]
            if name not in making and hand_craftable(self.character, recipe):
                return recipe
        return None

    def need(self, recipe: Recipe, crafts: int, making: frozenset[str] = frozenset()) -> bool:
        """Plan ``crafts`` crafts' ingredients of ``recipe``; False when some cannot be had."""
        for ingredient in recipe.prototype.ingredients:
            needed = int(ingredient.amount) * crafts
            name = ingredient.name
            spare = min(self.made.get(name, 0), needed)
            if spare:
                self.made[name] -= spare
                needed -= spare
            use = min(self._have(name) - self.taken.get(name, 0), needed)
            if use > 0:
                self.taken[name] = self.taken.get(name, 0) + use
                needed -= use
            if needed <= 0:
                continue
            maker = self._maker(name, making | {recipe.name})
            if maker is None:
                return False
            amount = product_amount(maker, name)
            more = math.ceil(needed / amount)
            if not self.need(maker, more, making | {recipe.name}):
                return False
            self._queue(maker.name, more)
            self.made[name] = self.made.get(name, 0) + more * amount - needed
        return True

    def _queue(self, recipe: str, crafts: int) -> None:
        for index, (name, count) in enumerate(self.entries):
            if name == recipe:
                self.entries[index] = (name, count + crafts)
                return
        self.entries.append((recipe, crafts))


#: _makers' answers by (id of the game's recipe prototypes, item); each keeps its prototypes alive,
#: so an id is never reused while its answers are here. Prototypes never change in a game.
_MAKERS: dict[tuple[int, str], tuple[Mapping[str, RecipePrototype], tuple[str, ...]]] = {}


def _makers(prototypes: Mapping[str, RecipePrototype], item: str) -> tuple[str, ...]:
    """The recipes that make ``item``, the one named after it first (whether enabled is asked at use)."""
    key = (id(prototypes), item)
    found = _MAKERS.get(key)
    if found is None:
        makers = [name for name, recipe in prototypes.items() if _makes(recipe, item)]
        makers.sort(key=lambda name: name != item)
        found = _MAKERS[key] = (prototypes, tuple(makers))
    return found[1]


def plan(character: Entity, recipe: Recipe, crafts: int, stock: Mapping[str, int] | None = None) -> _Plan | None:
    """The plan for ``crafts`` crafts of ``recipe`` from ``stock`` (default: the character's items)."""
    found = _Plan(character, stock)
    return found if found.need(recipe, crafts) else None


def _craftable(character: Entity, recipe: Recipe, stock: Mapping[str, int] | None, most: int) -> int:
    """The most crafts (up to ``most``) a plan from ``stock`` allows: doubling, then halving."""
    if most <= 0 or plan(character, recipe, 1, stock) is None:
        return 0
    low, high = 1, 2
    while high <= most and plan(character, recipe, high, stock) is not None:
        low, high = high, high * 2
    high = min(high, most + 1)  # low works, high does not (or is past the most)
    while high - low > 1:
        middle = (low + high) // 2
        if plan(character, recipe, middle, stock) is not None:
            low = middle
        else:
            high = middle
    return low


def craftable_count(character: Entity, recipe: Recipe) -> int:
    """How many crafts of ``recipe`` the character's items allow, intermediate crafts included."""
    if not hand_craftable(character, recipe):
        return 0
    return _craftable(character, recipe, None, MOST_CRAFTS)


def _state(character: Entity) -> CharacterState:
    if character.character is None:
        raise InvalidArgumentError(f"{character.name} is not a character")
    return character.character


def _wake(character: Entity) -> None:
    machine = character.machine
    if machine is not None:
        machine.sim.replan(machine)


def begin_crafting(character: Entity, recipe: Recipe, count: int) -> int:
    """Queue up to ``count`` crafts; the items they use leave the character now. Returns the crafts queued."""
    state = _state(character)
    crafts = min(count, craftable_count(character, recipe))
    if crafts <= 0:
        return 0
    found = plan(character, recipe, crafts)
    assert found is not None  # (craftable_count planned as many)
    for name, amount in found.taken.items():
        control.remove_item(character, name, amount)
    queue = state.crafting_queue
    last = queue[-1] if queue else None
    if not found.entries and last is not None and last.recipe == recipe.name and not last.prerequisite:
        last.count += crafts  # the same crafts again: one entry, as the game shows them
        _add(state.reserved.setdefault(last.group, {}), found.taken)
    else:
        group = state.next_group
        state.next_group += 1
        state.reserved[group] = dict(found.taken)
        queue += [QueuedCraft(name, n, True, group) for name, n in found.entries]
        queue.append(QueuedCraft(recipe.name, crafts, False, group))
    _wake(character)
    return crafts


def _add(items: dict[str, int], more: Mapping[str, int]) -> None:
    for name, count in more.items():
        if count:
            items[name] = items.get(name, 0) + count


def cancel_crafting(character: Entity, index: int, count: int, recipes: Mapping[str, Recipe]) -> None:
    """Take ``count`` crafts off queue entry ``index`` (1-based); what they would use goes back."""
    state = _state(character)
    queue = state.crafting_queue
    if not 1 <= index <= len(queue):
        raise InvalidArgumentError(f"crafting queue index {index} out of range 1..{len(queue)}")
    entry = queue[index - 1]
    group = [e for e in queue if e.group == entry.group]
    main = group[-1]
    if main.prerequisite:  # (a malformed queue: keep every item, cancel the entry alone)
        raise InvalidArgumentError(f"crafting queue entry {index} belongs to no crafts")
    machine = character.machine
    if machine is not None and queue[0].group == entry.group:
        machine.sync()
        _add(state.reserved.setdefault(entry.group, {}), machine.abort_craft())  # type: ignore[attr-defined]
    reserve = state.reserved.get(entry.group, {})
    recipe = recipes[main.recipe]
    if entry is main:
        left = main.count - min(count, main.count)
    else:
        left = _left_without(
            character, recipe, main.count, reserve, entry.recipe, entry.count - min(count, entry.count)
        )
    remaining = plan(character, recipe, left, reserve) if left else None
    first = queue.index(group[0])
    for old in group:
        queue.remove(old)
    keep: dict[str, int] = {}
    if remaining is not None:
        queue[first:first] = [QueuedCraft(n, c, True, entry.group) for n, c in remaining.entries] + [
            QueuedCraft(main.recipe, left, False, entry.group)
        ]
        keep = remaining.taken
    back = {name: n - keep.get(name, 0) for name, n in reserve.items() if n > keep.get(name, 0)}
    if keep:
        state.reserved[entry.group] = dict(keep)
    else:
        state.reserved.pop(entry.group, None)
    for name, n in back.items():
        # What does not fit is lost: Factorio spills it at the character's feet, which is not modelled.
        control.insert(character, name, n, character.force.gamedata.recipes)
    _wake(character)


def _left_without(
    character: Entity, recipe: Recipe, crafts: int, reserve: Mapping[str, int], prerequisite: str, allowed: int
) -> int:
    """The most of ``crafts`` asked-for crafts whose plan needs at most ``allowed`` crafts of ``prerequisite``."""

    def fits(n: int) -> bool:
        found = plan(character, recipe, n, reserve)
        return found is not None and dict(found.entries).get(prerequisite, 0) <= allowed

    low, high = 0, crafts + 1  # fits(low); not fits(high) or high is past crafts
    if fits(crafts):
        return crafts
    high = crafts
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    return low
