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

Statuses: ``no_recipe``, ``item_ingredient_shortage``, ``fluid_ingredient_shortage``
(a recipe with fluid ingredients: no fluid reaches a machine until fluids are simulated),
``full_output``, ``no_power``, ``low_power``, ``working``.

Choices where the game's exact behaviour is not known, easy to change here: a recipe
changed mid-craft ends that craft without its results (the ingredients it took are
gone; Factorio gives them back); inserters fill the input as far as its slots take
(2.0's automated insertion limit, a few crafts ahead, is not modelled).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .simulation import Simulation
from .smelting import Furnace

if TYPE_CHECKING:
    from .entity import Entity
    from .force import Recipe


class AssemblingMachine(Furnace):
    __slots__ = ("crafting_recipe",)

    shortage = "item_ingredient_shortage"
    source_name = "assembling_machine_input"
    result_name = "assembling_machine_output"

    def __init__(self, entity: Entity, sim: Simulation, source: object) -> None:
        super().__init__(entity, sim, source)
        self.crafting_recipe: Recipe | None = None  # the recipe of the craft under way

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

    def _choose(self) -> Recipe | None:
        recipe = self.entity.recipe
        if recipe is None:
            return None
        for ingredient in recipe.prototype.ingredients:
            if ingredient.type != "item":
                return None
            if self.source.get_item_count(ingredient.name) < ingredient.amount:
                return None
        return recipe

    def _short_status(self) -> str:
        recipe = self.entity.recipe
        if recipe is None:
            return "no_recipe"
        if any(i.type != "item" for i in recipe.prototype.ingredients):
            return "fluid_ingredient_shortage"
        return self.shortage
