"""LuaForce, LuaTechnology and LuaRecipe."""

from __future__ import annotations

from typing import Any

from ..model.force import Force, Recipe, Technology
from .base import LuaCustomTable, LuaObject, lua_method, lua_property, lua_setter, named_table
from .prototypes import product_fields
from .registry import shows
from .statistics import surface_model


@shows(Technology)
class LuaTechnology(LuaObject):
    lua_class_name = "LuaTechnology"
    lua_fields = ("name", "researched", "enabled", "level")
    lua_objects = ("force", "prototype")

    @lua_setter("researched")
    def set_researched(self, value: Any) -> None:
        self.model.researched = bool(value)

    @lua_setter("enabled")
    def set_enabled(self, value: Any) -> None:
        self.model.enabled = bool(value)

    @lua_property
    def prerequisites(self) -> Any:
        technologies = self.model.force.technologies
        return self.table({n: self.ctx.wrap(technologies[n]) for n in self.model.prototype.prerequisites})


@shows(Recipe)
class LuaRecipe(LuaObject):
    lua_class_name = "LuaRecipe"
    lua_fields = ("name", "enabled")
    lua_objects = ("force", "prototype")

    @lua_setter("enabled")
    def set_enabled(self, value: Any) -> None:
        self.model.enabled = bool(value)

    @lua_property
    def category(self) -> str:
        return self.model.prototype.category

    @lua_property
    def energy(self) -> float:
        return self.model.prototype.energy_required

    @lua_property
    def ingredients(self) -> Any:
        return self.table(
            [{"type": i.type, "name": i.name, "amount": i.amount} for i in self.model.prototype.ingredients]
        )

    @lua_property
    def products(self) -> Any:
        return self.table([product_fields(p) for p in self.model.prototype.results])


@shows(Force)
class LuaForce(LuaObject):
    """A force: research and recipes. Only the members listed here are built."""

    lua_class_name = "LuaForce"
    lua_fields = ("name", "index")

    @lua_property
    def technologies(self) -> LuaCustomTable:
        return named_table(self.ctx, self.model.technologies)

    @lua_property
    def recipes(self) -> LuaCustomTable:
        return named_table(self.ctx, self.model.recipes)

    @lua_method
    def research_all_technologies(self, include_disabled_prototypes: Any = False) -> None:
        self.model.research_all_technologies(bool(include_disabled_prototypes))

    @lua_method
    def enable_all_recipes(self) -> None:
        self.model.enable_all_recipes()

    @lua_method
    def enable_all_technologies(self) -> None:
        self.model.enable_all_technologies()

    @lua_method
    def reset_recipes(self) -> None:
        self.model.reset_recipes()

    @lua_method
    def reset_technology_effects(self) -> None:
        self.model.reset_technology_effects()

    @lua_method
    def reset(self) -> None:
        self.model.reset()

    @lua_method
    def get_item_production_statistics(self, surface: Any) -> Any:
        return self._production_statistics("item", surface)

    @lua_method
    def get_fluid_production_statistics(self, surface: Any) -> Any:
        return self._production_statistics("fluid", surface)

    def _production_statistics(self, kind: str, surface: Any) -> Any:
        """This force's ``kind`` ("item" or "fluid") flow statistics on ``surface``."""
        place = surface_model(self.ctx, surface, f"LuaForce::get_{kind}_production_statistics")
        return self.ctx.wrap(self.ctx.world.flow_statistics(kind, self.model, place))
