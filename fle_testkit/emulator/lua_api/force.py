"""LuaForce, LuaTechnology and LuaRecipe."""

from __future__ import annotations

from typing import Any

from .. import messages
from ..gamedata.prototypes import TechnologyPrototype
from ..lua.runtime import LuaApiError
from ..model.errors import InvalidArgumentError
from ..model.force import Force, Recipe, Technology
from ..model.lab import under_way
from ..model.research import check_progress
from .base import LuaCustomTable, LuaObject, is_table, lua_method, lua_property, lua_setter, lua_type_name, named_table
from .prototypes import product_fields, research_unit_count, research_unit_ingredients
from .registry import is_lua_object_of, shows
from .statistics import surface_model


def progress_arg(value: Any, what: str) -> float:
    """A research progress fraction in [0, 1], or Factorio-style error."""
    try:
        return check_progress(value)
    except InvalidArgumentError:
        raise LuaApiError(messages.RESEARCH_PROGRESS_RANGE.format(what=what, value=value)) from None


def technology_arg(force: Force, value: Any, function: str) -> Technology:
    """A TechnologyID (name, LuaTechnology or LuaTechnologyPrototype) as ``force``'s technology."""
    if is_lua_object_of(value, Technology, TechnologyPrototype):
        value = value.model.name
    if not isinstance(value, str):
        got = lua_type_name(value)
        raise LuaApiError(messages.TECHNOLOGY_ID_EXPECTED.format(function=function, got=got))
    technology = force.technologies.get(value)
    if technology is None:
        raise LuaApiError(messages.UNKNOWN_TECHNOLOGY.format(name=value))
    return technology


def bonus_arg(value: Any, function: str, most: int | None = None) -> int:
    """A force bonus: a number >= 0 (and <= ``most``), truncated to whole items as a hand holds them."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise LuaApiError(messages.COUNT_EXPECTED.format(function=function, field="value", least=0))
    if most is not None and value > most:
        raise LuaApiError(messages.BONUS_RANGE.format(function=function, value=value, most=most))
    return int(value)


@shows(Technology)
class LuaTechnology(LuaObject):
    lua_class_name = "LuaTechnology"
    lua_fields = ("name", "researched", "enabled", "level", "visible_when_disabled", "saved_progress")
    lua_objects = ("force", "prototype")

    @lua_setter("researched")
    def set_researched(self, value: Any) -> None:
        self.model.researched = bool(value)

    @lua_setter("enabled")
    def set_enabled(self, value: Any) -> None:
        self.model.enabled = bool(value)

    @lua_setter("visible_when_disabled")
    def set_visible_when_disabled(self, value: Any) -> None:
        self.model.visible_when_disabled = bool(value)

    @lua_setter("saved_progress")
    def set_saved_progress(self, value: Any) -> None:
        self.model.saved_progress = progress_arg(value, "LuaTechnology::saved_progress")

    @lua_property
    def upgrade(self) -> bool:
        return self.model.prototype.upgrade

    @lua_property
    def prerequisites(self) -> Any:
        technologies = self.model.force.technologies
        return self.table({n: self.ctx.wrap(technologies[n]) for n in self.model.prototype.prerequisites})

    @lua_property
    def successors(self) -> Any:
        return self.table({t.name: self.ctx.wrap(t) for t in self.model.successors})

    @lua_property
    def research_unit_count(self) -> int:
        return research_unit_count(self.model.prototype, self.model.level)

    @lua_property
    def research_unit_count_formula(self) -> Any:
        unit = self.model.prototype.unit
        return None if unit is None else unit.count_formula

    @lua_property
    def research_unit_energy(self) -> float:
        unit = self.model.prototype.unit
        return unit.time * 60 if unit else 0  # in ticks, as Factorio reports it

    @lua_property
    def research_unit_ingredients(self) -> Any:
        return self.table(research_unit_ingredients(self.model.prototype))

    @lua_method
    def reload(self) -> None:
        self.model.reload()

    @lua_method
    def research_recursive(self) -> None:
        self.model.research_recursive()


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
    def inserter_stack_size_bonus(self) -> int:
        """Items non-bulk inserters' hands hold beyond their own (model/inserting.py ``hand_size``)."""
        return self.model.inserter_stack_size_bonus

    @lua_setter("inserter_stack_size_bonus")
    def set_inserter_stack_size_bonus(self, value: Any) -> None:
        self.model.inserter_stack_size_bonus = bonus_arg(value, "LuaForce::inserter_stack_size_bonus")

    @lua_property
    def bulk_inserter_capacity_bonus(self) -> int:
        """Items bulk inserters' hands hold beyond their own."""
        return self.model.bulk_inserter_capacity_bonus

    @lua_setter("bulk_inserter_capacity_bonus")
    def set_bulk_inserter_capacity_bonus(self, value: Any) -> None:
        """A whole number 0..254, as the 2.0 docs require."""
        self.model.bulk_inserter_capacity_bonus = bonus_arg(value, "LuaForce::bulk_inserter_capacity_bonus", 254)

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
    def reset_technologies(self) -> None:
        self.model.reset_technologies()

    @lua_method
    def reset(self) -> None:
        self.model.reset()

    # --- research -------------------------------------------------------------

    @lua_property
    def current_research(self) -> Any:
        current = self.model.research.current
        return None if current is None else self.ctx.wrap(current)

    @lua_property
    def research_progress(self) -> float:
        research = self.model.research
        current = research.current
        if current is None:
            return research.progress
        return min(1.0, research.progress + float(under_way(self.ctx.world.simulation.machines.values(), current)))

    @lua_setter("research_progress")
    def set_research_progress(self, value: Any) -> None:
        progress = progress_arg(value, "LuaForce::research_progress")
        if self.model.research.current is None:
            raise LuaApiError(messages.NO_RESEARCH_IN_PROGRESS)
        self.model.research.progress = progress

    @lua_property
    def research_queue(self) -> Any:
        return self.table([self.ctx.wrap(t) for t in self.model.research.queue])

    @lua_setter("research_queue")
    def set_research_queue(self, value: Any) -> None:
        """Nil or an array of TechnologyID; what cannot be queued is dropped silently (2.0 docs)."""
        if value is None:
            entries: list[Any] = []
        elif is_table(value):
            entries = [value[i] for i in range(1, len(value) + 1)]
        else:
            got = lua_type_name(value)
            raise LuaApiError(messages.TABLE_EXPECTED.format(argument=1, function="LuaForce::research_queue", got=got))
        self.model.research.set_queue([technology_arg(self.model, e, "LuaForce::research_queue") for e in entries])

    @lua_property
    def previous_research(self) -> Any:
        previous = self.model.research.previous
        return None if previous is None else self.ctx.wrap(previous)

    @lua_setter("previous_research")
    def set_previous_research(self, value: Any) -> None:
        research = self.model.research
        research.previous = None if value is None else technology_arg(self.model, value, "LuaForce::previous_research")

    @lua_property
    def research_enabled(self) -> bool:
        return self.model.research.enabled

    @lua_method
    def enable_research(self) -> None:
        self.model.research.enabled = True

    @lua_method
    def disable_research(self) -> None:
        self.model.research.enabled = False

    @lua_method
    def add_research(self, technology: Any) -> bool:
        """Queue at the back (2.0's queue is always enabled); on_research_started is not raised."""
        return self.model.research.add(technology_arg(self.model, technology, "LuaForce::add_research"))

    @lua_method
    def cancel_current_research(self) -> None:
        self.model.research.cancel_current()

    @lua_method
    def kill_all_units(self) -> None:
        """Units (biters) of this force vanish: no corpse, no on_entity_died (neither is modelled)."""
        self.ctx.world.kill_all_units(self.model)

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
