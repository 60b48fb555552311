"""``prototypes`` (LuaPrototypes) and the prototype objects it hands out.

Each prototype class reads the vanilla data in ``gamedata``; only the members
listed are built (Factorio's prototype classes have many more).
"""

from __future__ import annotations

from typing import Any

from .. import messages
from ..gamedata.prototypes import (
    INFINITE_LEVEL,
    EntityPrototype,
    FluidPrototype,
    ItemPrototype,
    RecipePrototype,
    TechnologyPrototype,
    TilePrototype,
)
from ..lua.runtime import LuaApiError
from ..model.formula import evaluate_count_formula
from .base import LuaCustomTable, LuaObject, lua_method, lua_property, named_table
from .registry import shows

#: The prototype types Lua sees, by the ``GameData`` table that holds each.
GAMEDATA_TABLES: dict[type, str] = {
    ItemPrototype: "items",
    EntityPrototype: "entities",
    RecipePrototype: "recipes",
    FluidPrototype: "fluids",
    TechnologyPrototype: "technologies",
    TilePrototype: "tiles",
}


def product_fields(product: Any) -> dict[str, Any]:
    """A Product as the table Factorio gives for it (absent fields left out)."""
    fields = {"type": product.type, "name": product.name, "probability": product.probability}
    for key in ("amount", "amount_min", "amount_max", "temperature"):
        value = getattr(product, key)
        if value is not None:
            fields[key] = value
    return fields


def research_unit_count(prototype: TechnologyPrototype, level: int) -> int:
    """Units to research ``prototype`` at ``level``: its count, or its formula of L; 0 for trigger research."""
    unit = prototype.unit
    if unit is None:
        return 0
    if unit.count is not None:
        return int(unit.count)
    try:
        count = evaluate_count_formula(unit.count_formula or "0", level)
    except OverflowError:
        count = INFINITE_LEVEL
    return int(min(max(count, 0), INFINITE_LEVEL))  # a uint32, as the API types it


def research_unit_ingredients(prototype: TechnologyPrototype) -> list[dict[str, Any]]:
    """ResearchIngredient tables (2.0: name and amount, no type)."""
    unit = prototype.unit
    return [{"name": n, "amount": a} for n, a in unit.ingredients] if unit else []


def flag_arg(value: Any, function: str) -> str:
    if not isinstance(value, str):
        raise LuaApiError(messages.FLAG_EXPECTED.format(function=function))
    return value


@shows(ItemPrototype)
class LuaItemPrototype(LuaObject):
    lua_class_name = "LuaItemPrototype"
    lua_constant = True  # prototypes never change while the game runs
    lua_fields = ("name", "type", "stack_size", "fuel_value", "fuel_category", "order", "hidden")

    @lua_method
    def has_flag(self, flag: Any) -> bool:
        """Whether the item prototype has this ItemPrototypeFlag; an unknown flag is simply not set."""
        return flag_arg(flag, "LuaItemPrototype::has_flag") in self.model.flags

    @lua_property
    def place_result(self) -> Any:
        name = self.model.place_result
        return None if name is None else self.ctx.wrap(self.ctx.gamedata.entities[name])

    @lua_property
    def rocket_launch_products(self) -> Any:
        return self.table([product_fields(p) for p in self.model.rocket_launch_products])

    @lua_property
    def burnt_result(self) -> Any:
        name = self.model.burnt_result
        return None if name is None else self.ctx.wrap(self.ctx.gamedata.items[name])


@shows(EntityPrototype)
class LuaEntityPrototype(LuaObject):
    lua_class_name = "LuaEntityPrototype"
    lua_constant = True  # prototypes never change while the game runs
    # resource_category, fixed_recipe and rocket_parts_required are nil where they
    # do not apply, as Wube's production-score.lua relies on (it reads
    # resource_category on every entity prototype).
    lua_fields = (
        "name",
        "type",
        "tile_width",
        "tile_height",
        "max_health",
        "mining_speed",
        "resource_category",
        "fixed_recipe",
        "rocket_parts_required",
        "fast_replaceable_group",
    )

    @lua_method
    def has_flag(self, flag: Any) -> bool:
        """Whether the entity prototype has this EntityPrototypeFlag; an unknown flag is simply not set."""
        return flag_arg(flag, "LuaEntityPrototype::has_flag") in self.model.flags

    @lua_property
    def mining_drill_radius(self) -> Any:
        """How far from its centre a mining drill mines (its resource_searching_radius); nil for other entities."""
        if self.model.type != "mining-drill":
            return None
        return self.model.resource_searching_radius

    @lua_property
    def infinite_resource(self) -> Any:
        """Whether a resource is infinite (crude oil); nil for other entities."""
        if self.model.type != "resource":
            return None
        return self.model.infinite_resource

    @lua_method
    def get_crafting_speed(self, quality: Any = None) -> Any:
        """2.0 makes crafting speed a method (quality scales it; only "normal" exists here)."""
        return self.model.crafting_speed

    @lua_method
    def get_max_wire_distance(self, quality: Any = None) -> float:
        """An electric pole's copper wire reach; 0 for entities that take no wires, as the 2.0 docs say.

        Quality would lengthen it; only "normal" exists here. The circuit wire reach of
        combinators and power switches' copper reach are not extracted, so they read 0 too.
        """
        return self.model.maximum_wire_distance or 0.0

    @lua_method
    def get_supply_area_distance(self, quality: Any = None) -> float:
        """The supply area's half side of an electric pole or beacon (2.0 docs); others raise."""
        distance = self.model.supply_area_distance
        if distance is None:
            raise LuaApiError(messages.NOT_A_POLE_OR_BEACON)
        return distance

    @lua_property
    def electric_energy_source_prototype(self) -> Any:
        """nil unless the entity runs on electricity (see LuaElectricEnergySourcePrototype)."""
        if self.model.energy_source != "electric":
            return None
        return self.ctx.wrapper(LuaElectricEnergySourcePrototype, self.model)

    @lua_property
    def burner_prototype(self) -> Any:
        """nil unless the entity burns fuel (see LuaBurnerPrototype)."""
        if self.model.energy_source != "burner":
            return None
        return self.ctx.wrapper(LuaBurnerPrototype, self.model)

    @lua_property
    def collision_box(self) -> Any:
        return self.table(_box(self.model.collision_box))

    @lua_property
    def selection_box(self) -> Any:
        return self.table(_box(self.model.selection_box))

    @lua_property
    def resource_categories(self) -> Any:
        """Mining drills' and characters' categories as a set-like table; nil for other entities."""
        if self.model.type not in ("mining-drill", "character"):
            return None
        return self.table({category: True for category in self.model.resource_categories})

    @lua_property
    def crafting_categories(self) -> Any:
        return self.table({category: True for category in self.model.crafting_categories})

    @lua_property
    def items_to_place_this(self) -> Any:
        return self.table([{"name": name, "count": 1} for name in self.model.items_to_place_this])

    @lua_property
    def mineable_properties(self) -> Any:
        minable = self.model.minable
        if minable is None:
            return self.table({"minable": False})
        return self.table(
            {
                "minable": True,
                "mining_time": minable.mining_time,
                "products": [product_fields(p) for p in minable.products],
                **(
                    {"required_fluid": minable.required_fluid, "fluid_amount": minable.fluid_amount}
                    if minable.required_fluid
                    else {}
                ),
            }
        )


class LuaElectricEnergySourcePrototype(LuaObject):
    """An electric energy source; none of its members (buffer, drain, priority) are built yet.

    ``self.model`` is the owning EntityPrototype.
    """

    lua_class_name = "LuaElectricEnergySourcePrototype"
    lua_constant = True  # prototypes never change while the game runs


class LuaBurnerPrototype(LuaObject):
    """A burner energy source of an entity prototype; ``self.model`` is the owning EntityPrototype."""

    lua_class_name = "LuaBurnerPrototype"
    lua_constant = True  # prototypes never change while the game runs

    @lua_property
    def fuel_categories(self) -> Any:
        return self.table({category: True for category in self.model.fuel_categories})

    @lua_property
    def fuel_inventory_size(self) -> int:
        return int(self.model.fuel_inventory_size)

    @lua_property
    def burnt_inventory_size(self) -> int:
        return int(self.model.burnt_inventory_size)


@shows(RecipePrototype)
class LuaRecipePrototype(LuaObject):
    lua_class_name = "LuaRecipePrototype"
    lua_constant = True  # prototypes never change while the game runs
    lua_fields = ("name", "category", "enabled", "hidden", "order", "allow_decomposition")

    @lua_property
    def energy(self) -> float:
        return self.model.energy_required

    @lua_property
    def ingredients(self) -> Any:
        return self.table([{"type": i.type, "name": i.name, "amount": i.amount} for i in self.model.ingredients])

    @lua_property
    def products(self) -> Any:
        return self.table([product_fields(p) for p in self.model.results])

    @lua_property
    def mainproduct_fields(self) -> Any:
        products = self.model.results
        name = self.model.main_product or (products[0].name if len(products) == 1 else None)
        found = next((p for p in products if p.name == name), None)
        return None if found is None else self.table(product_fields(found))


@shows(FluidPrototype)
class LuaFluidPrototype(LuaObject):
    lua_class_name = "LuaFluidPrototype"
    lua_constant = True  # prototypes never change while the game runs
    lua_fields = ("name", "default_temperature", "max_temperature", "heat_capacity", "fuel_value", "order", "hidden")


@shows(TechnologyPrototype)
class LuaTechnologyPrototype(LuaObject):
    lua_class_name = "LuaTechnologyPrototype"
    lua_constant = True  # prototypes never change while the game runs
    lua_fields = ("name", "enabled", "hidden", "upgrade", "level", "max_level")

    @lua_property
    def prerequisites(self) -> Any:
        technologies = self.ctx.gamedata.technologies
        return self.table({n: self.ctx.wrap(technologies[n]) for n in self.model.prerequisites})

    @lua_property
    def effects(self) -> Any:
        effects = []
        for effect in self.model.effects:
            fields: dict[str, Any] = {"type": effect.type, **dict(effect.extra)}
            if effect.recipe is not None:
                fields["recipe"] = effect.recipe
            if effect.modifier is not None:
                fields["modifier"] = effect.modifier
            effects.append(fields)
        return self.table(effects)

    @lua_property
    def research_unit_count(self) -> Any:
        return research_unit_count(self.model, self.model.level)

    @lua_property
    def research_unit_count_formula(self) -> Any:
        return None if self.model.unit is None else self.model.unit.count_formula

    @lua_property
    def research_unit_energy(self) -> Any:
        # Factorio reports the time per unit in ticks.
        return self.model.unit.time * 60 if self.model.unit else 0

    @lua_property
    def research_unit_ingredients(self) -> Any:
        return self.table(research_unit_ingredients(self.model))


@shows(TilePrototype)
class LuaTilePrototype(LuaObject):
    lua_class_name = "LuaTilePrototype"
    lua_constant = True  # prototypes never change while the game runs
    lua_fields = ("name", "order")


def _box(box: Any) -> dict[str, Any]:
    (left, top), (right, bottom) = box
    return {"left_top": {"x": left, "y": top}, "right_bottom": {"x": right, "y": bottom}}


class LuaPrototypes(LuaObject):
    """Vanilla prototypes by kind, each a LuaCustomTable keyed by name."""

    lua_class_name = "LuaPrototypes"

    @lua_property
    def item(self) -> LuaCustomTable:
        return named_table(self.ctx, self.ctx.gamedata.items, constant=True)

    @lua_property
    def entity(self) -> LuaCustomTable:
        return named_table(self.ctx, self.ctx.gamedata.entities, constant=True)

    @lua_property
    def recipe(self) -> LuaCustomTable:
        return named_table(self.ctx, self.ctx.gamedata.recipes, constant=True)

    @lua_property
    def fluid(self) -> LuaCustomTable:
        return named_table(self.ctx, self.ctx.gamedata.fluids, constant=True)

    @lua_property
    def technology(self) -> LuaCustomTable:
        return named_table(self.ctx, self.ctx.gamedata.technologies, constant=True)

    @lua_property
    def tile(self) -> LuaCustomTable:
        return named_table(self.ctx, self.ctx.gamedata.tiles, constant=True)
