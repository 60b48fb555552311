"""A force: its technologies and which recipes it may craft.

Every force holds one :class:`Technology` and one :class:`Recipe` per
prototype. A recipe starts enabled when its prototype says so; researching a
technology (``researched = True``) enables the recipes its "unlock-recipe"
effects name, and adds the modifiers of the force bonuses modelled
(:data:`BONUS_EFFECTS`: the inserter hand sizes). As in Factorio, un-researching
takes neither back: :meth:`Force.reset_technology_effects` recomputes them from
what is researched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import NotFoundError
from .research import Research

if TYPE_CHECKING:
    from ..gamedata import GameData, RecipePrototype, TechnologyPrototype

#: Technology effect types -> the force bonus each adds its ``modifier`` to (LuaForce's names).
BONUS_EFFECTS = {
    "inserter-stack-size-bonus": "inserter_stack_size_bonus",
    "bulk-inserter-capacity-bonus": "bulk_inserter_capacity_bonus",
}


class Recipe:
    __slots__ = ("prototype", "force", "enabled")

    def __init__(self, prototype: RecipePrototype, force: Force) -> None:
        self.prototype = prototype
        self.force = force
        self.enabled = prototype.enabled

    @property
    def name(self) -> str:
        return self.prototype.name

    def __repr__(self) -> str:
        return f"<Recipe {self.name} of {self.force.name} enabled={self.enabled}>"


class Technology:
    __slots__ = ("prototype", "force", "_researched", "enabled", "level", "visible_when_disabled", "saved_progress")

    def __init__(self, prototype: TechnologyPrototype, force: Force) -> None:
        self.prototype = prototype
        self.force = force
        self._researched = False
        self.enabled = prototype.enabled
        self.level = prototype.level
        # The data's default (TechnologyPrototype::visible_when_disabled); not in the extracted data.
        self.visible_when_disabled = False
        self.saved_progress = 0.0  # fraction in [0, 1); the current research's is the force's progress

    @property
    def name(self) -> str:
        return self.prototype.name

    def __repr__(self) -> str:
        return f"<Technology {self.name} of {self.force.name} researched={self._researched}>"

    @property
    def researched(self) -> bool:
        return self._researched

    @researched.setter
    def researched(self, value: bool) -> None:
        was = self._researched
        self._researched = bool(value)
        if self._researched:
            self.force._apply_effects(self.prototype, bonuses=not was)
            self.force.research.finished(self)

    @property
    def successors(self) -> list[Technology]:
        """The force's technologies that have this one as a prerequisite."""
        return [t for t in self.force.technologies.values() if self.name in t.prototype.prerequisites]

    def reload(self) -> None:
        """Back to the prototype (enabled, level, visibility); research state is kept."""
        self.enabled = self.prototype.enabled
        self.level = self.prototype.level
        self.visible_when_disabled = False

    def research_recursive(self) -> None:
        """Research this technology and, first, every prerequisite not yet researched."""
        for name in self.prototype.prerequisites:
            prerequisite = self.force.technologies.get(name)
            if prerequisite is not None and not prerequisite.researched:
                prerequisite.research_recursive()
        if not self.researched:
            self.researched = True

    def _reset(self) -> None:
        self._researched = False
        self.saved_progress = 0.0
        self.reload()


class Force:
    __slots__ = (
        "index",
        "name",
        "gamedata",
        "technologies",
        "recipes",
        "research",
        "inserter_stack_size_bonus",
        "bulk_inserter_capacity_bonus",
    )

    def __init__(self, gamedata: GameData, index: int, name: str) -> None:
        self.gamedata = gamedata
        self.index = index
        self.name = name
        # Items an inserter's hand holds beyond its own size: non-bulk inserters, bulk inserters.
        self.inserter_stack_size_bonus = 0
        self.bulk_inserter_capacity_bonus = 0
        self.technologies = {n: Technology(p, self) for n, p in gamedata.technologies.items()}
        self.recipes = {n: Recipe(p, self) for n, p in gamedata.recipes.items()}
        self.research = Research(self)

    def __repr__(self) -> str:
        return f"<Force {self.index} {self.name!r}>"

    def technology(self, name: str) -> Technology:
        try:
            return self.technologies[name]
        except KeyError:
            raise NotFoundError(f"force {self.name} has no technology {name!r}") from None

    def recipe(self, name: str) -> Recipe:
        try:
            return self.recipes[name]
        except KeyError:
            raise NotFoundError(f"force {self.name} has no recipe {name!r}") from None

    def _apply_effects(self, technology: TechnologyPrototype, bonuses: bool = True) -> None:
        """Enable its recipes and, with ``bonuses`` (it was not researched yet), add its bonuses."""
        for recipe_name in technology.unlocked_recipes:
            recipe = self.recipes.get(recipe_name)
            if recipe is not None:
                recipe.enabled = True
        if not bonuses:
            return
        for effect in technology.effects:
            bonus = BONUS_EFFECTS.get(effect.type)
            if bonus is not None and effect.modifier is not None:
                setattr(self, bonus, getattr(self, bonus) + int(effect.modifier))

    def _reset_bonuses(self) -> None:
        for bonus in BONUS_EFFECTS.values():
            setattr(self, bonus, 0)

    def research_all_technologies(self, include_disabled_prototypes: bool = False) -> None:
        """Research everything (technologies disabled in their prototype only if asked)."""
        for technology in self.technologies.values():
            if technology.prototype.enabled or include_disabled_prototypes:
                technology.researched = True

    def enable_all_recipes(self) -> None:
        for recipe in self.recipes.values():
            recipe.enabled = True

    def enable_all_technologies(self) -> None:
        for technology in self.technologies.values():
            technology.enabled = True

    def reset_recipes(self) -> None:
        """Recipes back to their prototype's ``enabled``."""
        for recipe in self.recipes.values():
            recipe.enabled = recipe.prototype.enabled

    def reset_technology_effects(self) -> None:
        """Recipes and bonuses back to the prototypes, then re-unlocked and re-added by what is researched."""
        self.reset_recipes()
        self._reset_bonuses()
        for technology in self.technologies.values():
            if technology.researched:
                self._apply_effects(technology.prototype)

    def reset_technologies(self) -> None:
        """Technologies as in their prototypes, research state kept (LuaForce::reset_technologies)."""
        for technology in self.technologies.values():
            technology.reload()

    def reset(self) -> None:
        """Technologies unresearched and as in their prototypes, no research queued; recipes likewise."""
        self.research.clear()
        self.research.previous = None
        for technology in self.technologies.values():
            technology._reset()
        self.reset_recipes()
        self._reset_bonuses()

    # --- state ----------------------------------------------------------------

    def to_state(self) -> dict[str, object]:
        return {
            "index": self.index,
            "name": self.name,
            "technologies": {
                n: [t.researched, t.enabled, t.level, t.visible_when_disabled, t.saved_progress]
                for n, t in self.technologies.items()
            },
            "recipes": {n: r.enabled for n, r in self.recipes.items()},
            "research": self.research.to_state(),
            "bonuses": {bonus: getattr(self, bonus) for bonus in BONUS_EFFECTS.values()},
        }

    def load_state(self, state: dict[str, object]) -> None:
        """Restore research and recipes exactly (no effects are re-applied)."""
        technologies: Any = state["technologies"]
        recipes: Any = state["recipes"]
        for name, (researched, enabled, level, *more) in technologies.items():
            technology = self.technology(name)
            technology._researched = bool(researched)
            technology.enabled = bool(enabled)
            technology.level = int(level)
            if more:  # absent in states written before research was modelled
                technology.visible_when_disabled = bool(more[0])
                technology.saved_progress = float(more[1])
        for name, enabled in recipes.items():
            self.recipe(name).enabled = bool(enabled)
        bonuses: Any = state.get("bonuses") or {}
        for bonus in BONUS_EFFECTS.values():
            setattr(self, bonus, int(bonuses.get(bonus, 0)))
        research: Any = state.get("research")
        if research is not None:
            self.research.load_state(research)
