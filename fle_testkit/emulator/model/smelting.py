"""A burner furnace at work (one :class:`~.simulation.Machine`): the stone and steel furnaces.

A furnace has no recipe of its own: when idle it takes the first item in its
source slot that an enabled recipe of its crafting categories (smelting) uses,
once the source holds that recipe's ingredients and the result slot has room
for its results (else ``no_ingredients`` or ``full_output``). Starting takes the
ingredients (counted as consumed in the force's statistics); each working tick
then adds ``crafting_speed / energy_required / 60`` to the progress and burns a
tick of fuel; at 1 the results go into the result slot (counted as produced)
and the next craft starts on the next tick, so an iron plate takes exactly
3.2 s at crafting speed 1 (Factorio's documented 0.3125 plates/s).

Choices where the game's exact behaviour is not known, easy to change here:
``get_recipe`` answers the recipe being or last smelted (Factorio 2.0 has
``previous_recipe`` for the last one, not built); results that no longer fit
when a craft ends (a script filled the slot meanwhile) are held until they do.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from . import research_triggers
from .burner import Burner, BurnerMachine
from .simulation import Simulation, exact

if TYPE_CHECKING:
    from .entity import Entity
    from .force import Recipe
    from .inventory import Inventory


class Furnace(BurnerMachine):
    __slots__ = ("crafting", "source", "result", "products_finished")

    #: The status without the ingredients of a recipe, and the inventories it crafts from and into.
    shortage = "no_ingredients"
    source_name = "furnace_source"
    result_name = "furnace_result"

    def __init__(self, entity: Entity, sim: Simulation, burner: Any) -> None:
        super().__init__(entity, sim, burner)
        self.crafting = False  # a craft has taken its ingredients and not yet finished
        by_name = {inventory.name: inventory for inventory in entity.inventories.values()}
        self.source: Inventory = by_name[self.source_name]
        self.result: Inventory = by_name[self.result_name]
        self.products_finished = 0

    # --- a tick ---------------------------------------------------------------

    def step(self, tick: int) -> None:
        if self.stopped() or (self.holding() and not self._put_results()):
            return
        if not self.crafting and not self._start():
            return
        if self.work():
            self._finish()

    def ready(self) -> bool:
        return self.crafting

    # --- the parts of a tick ----------------------------------------------------

    def _start(self) -> bool:
        recipe = self._choose()
        if recipe is None:
            self.progress = Fraction(0)
            # Without fuel as well, the fuel is what it shows (as an unpowered machine shows no power).
            self.sleep(self._short_status() if self.burner.has_fuel() else self.burner.out_of_energy)
            return False
        prototype = recipe.prototype
        for product in prototype.results:
            if product.type == "item" and self.result.get_insertable_count(product.name) < _amount(product):
                self.sleep("full_output")
                return False
        if not self._room_for_fluids(recipe):
            self.sleep("full_output")
            return False
        if not self.burner.has_fuel():
            # Ingredients stay in the source until there is fuel to smelt them with, as an
            # unpowered machine keeps its inputs (the most plausible reading; not confirmed).
            self.entity.energy = 0.0
            self.sleep(self.burner.out_of_energy)
            return False
        statistics = self.statistics()
        for ingredient in prototype.ingredients:
            if ingredient.type == "item":
                self.source.remove(ingredient.name, int(ingredient.amount))
                statistics.on_flow(ingredient.name, -int(ingredient.amount))
        self._take_fluids(recipe)
        self.entity.recipe = recipe
        self.rate = self._rate(recipe)
        self.crafting = True
        return True

    def _choose(self) -> Recipe | None:
        """The recipe of the first source item whose ingredients are all there."""
        uses = self._recipes_by_ingredient()
        for stack in self.source:
            if stack is None:
                continue
            for recipe in uses.get(stack[0], ()):
                if recipe.enabled and all(
                    self.source.get_item_count(i.name) >= i.amount for i in recipe.prototype.ingredients
                ):
                    return recipe
        return None

    def _short_status(self) -> str:
        return self.shortage

    # (A furnace has no fluid box: vanilla's smelting recipes take and give items only.)

    def _room_for_fluids(self, recipe: Recipe) -> bool:
        return True

    def _take_fluids(self, recipe: Recipe) -> None:
        pass

    def _make_fluids(self, recipe: Recipe) -> None:
        pass

    def _recipes_by_ingredient(self) -> dict[str, list[Recipe]]:
        force = self.entity.force
        categories = self.entity.prototype.crafting_categories
        key = ("furnace-recipes", force.index, categories)
        found: dict[str, list[Recipe]] | None = self.sim.cache.get(key)
        if found is None:
            found = {}
            for recipe in force.recipes.values():
                prototype = recipe.prototype
                # Item ingredients only: a furnace has no fluid box to take fluids (vanilla).
                if prototype.category in categories and all(i.type == "item" for i in prototype.ingredients):
                    for ingredient in prototype.ingredients:
                        found.setdefault(ingredient.name, []).append(recipe)
            self.sim.cache[key] = found
        return found

    def _finish(self) -> None:
        recipe = self.entity.recipe
        self.crafting = False
        self.products_finished += 1
        if recipe is None:
            return
        statistics = self.statistics()
        for product in recipe.prototype.results:
            if product.type == "item":
                amount = _amount(product)
                statistics.on_flow(product.name, amount)
                research_triggers.crafted(self.sim, self.entity.force, product.name, amount)
                self.held.append((product.name, amount))
        self._make_fluids(recipe)
        self._put_results()

    def _put_results(self) -> bool:
        while self.held:
            name, count = self.held[0]
            placed = self.result.insert(name, count)
            if placed < count:
                self.held[0] = (name, count - placed)
                self.sleep("full_output")
                return False
            self.held.pop(0)
        return True

    # --- repeating cycles (cycles.py) ----------------------------------------------

    def cycle_links(self) -> tuple[bool, list[Entity]]:
        """A furnace touches only its own inventories; one burning fuel may repeat (an assembling
        machine, with fluids and a power network, is not looked at)."""
        return type(self) is Furnace and isinstance(self.burner, Burner), []

    def cycle_phase(self) -> tuple[Any, ...]:
        recipe = self.entity.recipe
        return (*super().cycle_phase(), self.crafting, None if recipe is None else recipe.name)

    def cycle_counters(self) -> dict[str, int]:
        return {"products_finished": self.products_finished}

    def cycle_carries(self) -> int:
        recipe = self.entity.recipe
        products = () if recipe is None else recipe.prototype.results
        return max([1, *(_amount(p) for p in products if p.type == "item")])

    def makes(self, given: set[str]) -> set[str]:
        """The results of every recipe it may choose from what its source holds and ``given``."""
        held = {stack[0] for stack in self.source if stack is not None} | given
        uses = self._recipes_by_ingredient()
        return {
            product.name
            for name in held
            for recipe in uses.get(name, ())
            for product in recipe.prototype.results
            if product.type == "item"
        }

    # --- reading and saving ---------------------------------------------------------

    @property
    def crafting_progress(self) -> float:
        self.sync()
        return float(self.progress) if self.crafting else 0.0

    def to_state(self) -> dict[str, Any]:
        return {**super().to_state(), "crafting": self.crafting, "products_finished": self.products_finished}

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        self.crafting = bool(state.get("crafting", False))
        self.products_finished = int(state.get("products_finished", 0))
        recipe = self.entity.recipe
        if self.crafting and recipe is not None:
            self.rate = self._rate(recipe)

    def _rate(self, recipe: Recipe) -> Fraction:
        """A working tick's progress on ``recipe``: crafting speed / energy required / 60 (worked out once)."""
        key = ("furnace-rate", self.entity.name, recipe.name)
        found: Fraction | None = self.sim.cache.get(key)
        if found is None:
            speed = exact(self.entity.prototype.crafting_speed or 0.0)
            found = self.sim.cache[key] = speed / exact(recipe.prototype.energy_required) / 60
        return found


def _amount(product: Any) -> int:
    """A result's count; a ranged one counts its least (vanilla smelting has none)."""
    if product.amount is not None:
        return int(product.amount)
    return int(product.amount_min or 0)
