"""An assembling machine at work (one :class:`~.simulation.Machine`): it crafts the recipe set on it.

As a furnace does (smelting.py), with the recipe the script or player set
(crafter.py) in place of one chosen from the source: a craft starts when the
input holds the recipe's item ingredients and the output has room for all its
results (2.0's result limit: it stops, ``full_output``, rather than overfill),
takes the ingredients (consumed in the force's statistics), runs
``crafting_speed / energy_required / 60`` of progress a working tick times its
network's satisfaction, and puts the results into the output (produced).
Inserters top the input up (control.insert_targets: the input takes the
recipe's ingredients only).

Recipes with fluids (a chemical plant's, an oil refinery's, an assembling machine 2's): each
fluid ingredient and result has a fluid box of the machine (fluid_recipes.py); a craft starts when
each ingredient's box segment holds that fluid, enough of it, and each result's segment has room
for it (and holds no other fluid); it takes the fluids (consumed in the force's fluid production
statistics) and at its end gives the results into their segments (produced), at the fluid's
default temperature (or the result's own); what a segment cannot take then is held, and the
machine waits (``full_output``) until it can. Its boxes' segments wake it when they change.

Statuses: ``no_recipe``, ``item_ingredient_shortage``, ``fluid_ingredient_shortage`` (the items
are there, a fluid is not), ``full_output``, ``no_power``, ``low_power``, ``working``.

Choices where the game's exact behaviour is not known, easy to change here: a recipe
changed mid-craft ends that craft without its results (the ingredients it took are
gone; Factorio gives them back); inserters fill the input as far as its slots take
(2.0's automated insertion limit, a few crafts ahead, is not modelled).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .fluid_recipes import recipe_boxes
from .fluid_segments import Amount, Held, Segment, held_from_state, held_to_state, whole
from .simulation import Simulation, exact
from .smelting import Furnace

if TYPE_CHECKING:
    from .entity import Entity
    from .force import Recipe


class AssemblingMachine(Furnace):
    __slots__ = ("crafting_recipe", "fluid_held")

    shortage = "item_ingredient_shortage"
    source_name = "assembling_machine_input"
    result_name = "assembling_machine_output"

    def __init__(self, entity: Entity, sim: Simulation, source: object) -> None:
        super().__init__(entity, sim, source)
        self.crafting_recipe: Recipe | None = None  # the recipe of the craft under way
        self.fluid_held: Held = []  # fluid results its segments could not take yet

    def step(self, tick: int) -> None:
        if self.crafting and self.entity.recipe is not self.crafting_recipe:
            self.crafting = False  # (the recipe was changed mid-craft)
        super().step(tick)
        if self.crafting:
            self.crafting_recipe = self.entity.recipe

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        if self.crafting:
            self.crafting_recipe = self.entity.recipe
        self.fluid_held = held_from_state(state.get("fluid_held", ()))

    def to_state(self) -> dict[str, Any]:
        return {**super().to_state(), "fluid_held": held_to_state(self.fluid_held)}

    def _choose(self) -> Recipe | None:
        recipe = self.entity.recipe
        if recipe is None:
            return None
        for ingredient in recipe.prototype.ingredients:
            if ingredient.type == "item" and self.source.get_item_count(ingredient.name) < ingredient.amount:
                return None
        return recipe if self._has_fluids(recipe) else None

    def _boxes(self, recipe: Recipe) -> tuple[list[tuple[Any, int]], list[tuple[Any, int]]] | None:
        key = ("recipe-boxes", self.entity.name, recipe.name)
        if key not in self.sim.cache:
            self.sim.cache[key] = recipe_boxes(self.entity.prototype, recipe.prototype)
        found: tuple[list[tuple[Any, int]], list[tuple[Any, int]]] | None = self.sim.cache[key]
        return found

    def _all_boxes(self, recipe: Recipe, side: int, ok: Callable[[Segment, Any], bool]) -> bool:
        """Whether ``ok`` holds for each fluid ingredient (``side`` 0) or result (1) and its box's segment."""
        boxes = self._boxes(recipe)
        if boxes is None:
            return False
        segments = self.entity.surface.fluids
        return all(ok(segments.segment(self.entity, box), part) for part, box in boxes[side])

    def _has_fluids(self, recipe: Recipe) -> bool:
        return self._all_boxes(recipe, 0, lambda seg, i: seg.fluid == i.name and seg.amount >= i.amount)

    def _room_for_fluids(self, recipe: Recipe) -> bool:
        return self._all_boxes(recipe, 1, lambda seg, p: seg.accepts(p.name) and seg.room >= _fluid_amount(p))

    def _take_fluids(self, recipe: Recipe) -> None:
        boxes = self._boxes(recipe)
        if not boxes or not boxes[0]:
            return
        statistics = self.sim.fluid_statistics(self.entity)
        segments = self.entity.surface.fluids
        for ingredient, box in boxes[0]:
            taken = segments.take(self.entity, box, exact(ingredient.amount), ingredient.name)
            statistics.on_flow(ingredient.name, -float(taken))

    def _make_fluids(self, recipe: Recipe) -> None:
        boxes = self._boxes(recipe)
        if not boxes or not boxes[1]:
            return
        statistics = self.sim.fluid_statistics(self.entity)
        for product, box in boxes[1]:
            amount = _fluid_amount(product)
            fluid = self.sim.fluids.get(product.name)
            temperature = product.temperature
            if temperature is None:
                temperature = fluid.default_temperature if fluid is not None else 15.0
            statistics.on_flow(product.name, float(amount))
            self.fluid_held.append((box, product.name, amount, float(temperature)))

    def holding(self) -> bool:
        return bool(self.held or self.fluid_held)

    def _put_results(self) -> bool:
        if not super()._put_results():
            return False
        if self.entity.surface.fluids.give_held(self.entity, self.fluid_held):
            return True
        self.sleep("full_output")
        return False

    def _short_status(self) -> str:
        recipe = self.entity.recipe
        if recipe is None:
            return "no_recipe"
        for ingredient in recipe.prototype.ingredients:
            if ingredient.type == "item" and self.source.get_item_count(ingredient.name) < ingredient.amount:
                return self.shortage
        return "fluid_ingredient_shortage"


def _fluid_amount(product: Any) -> Amount:
    """A fluid result's amount (a ranged one: its least; vanilla's fluid results have none)."""
    return whole(exact(product.amount if product.amount is not None else product.amount_min or 0))
