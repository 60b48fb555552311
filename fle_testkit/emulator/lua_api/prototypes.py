"""``prototypes`` (LuaPrototypes) and the prototype objects it hands out.

Each prototype class reads the vanilla data in ``gamedata``; only the members
listed are built (Factorio's prototype classes have many more).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import LuaCustomTable, LuaObject, lua_method, lua_property


def _product(product: Any) -> dict[str, Any]:
    fields = {"type": product.type, "name": product.name, "probability": product.probability}
    for key in ("amount", "amount_min", "amount_max", "temperature"):
        value = getattr(product, key)
        if value is not None:
            fields[key] = value
    return fields


class LuaItemPrototype(LuaObject):
    lua_class_name = "LuaItemPrototype"
    lua_fields = ("name", "type", "stack_size", "fuel_value", "fuel_category", "order", "hidden")

    @lua_property
    def place_result(self) -> Any:
        name = self.model.place_result
        return None if name is None else self.ctx.wrapper(LuaEntityPrototype, self.ctx.gamedata.entities[name])

    @lua_property
    def rocket_launch_products(self) -> Any:
        return self.table([_product(p) for p in self.model.rocket_launch_products])

    @lua_property
    def burnt_result(self) -> Any:
        name = self.model.burnt_result
        return None if name is None else self.ctx.wrapper(LuaItemPrototype, self.ctx.gamedata.items[name])


class LuaEntityPrototype(LuaObject):
    lua_class_name = "LuaEntityPrototype"
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
    )

    @lua_method
    def get_crafting_speed(self, quality: Any = None) -> Any:
        """2.0 makes crafting speed a method (quality scales it; only "normal" exists here)."""
        return self.model.crafting_speed

    @lua_property
    def collision_box(self) -> Any:
        return self.table(_box(self.model.collision_box))

    @lua_property
    def selection_box(self) -> Any:
        return self.table(_box(self.model.selection_box))

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
                "products": [_product(p) for p in minable.products],
                **(
                    {"required_fluid": minable.required_fluid, "fluid_amount": minable.fluid_amount}
                    if minable.required_fluid
                    else {}
                ),
            }
        )


class LuaRecipePrototype(LuaObject):
    lua_class_name = "LuaRecipePrototype"
    lua_fields = ("name", "category", "enabled", "hidden", "order", "allow_decomposition")

    @lua_property
    def energy(self) -> float:
        return self.model.energy_required

    @lua_property
    def ingredients(self) -> Any:
        return self.table([{"type": i.type, "name": i.name, "amount": i.amount} for i in self.model.ingredients])

    @lua_property
    def products(self) -> Any:
        return self.table([_product(p) for p in self.model.results])

    @lua_property
    def main_product(self) -> Any:
        products = self.model.results
        name = self.model.main_product or (products[0].name if len(products) == 1 else None)
        found = next((p for p in products if p.name == name), None)
        return None if found is None else self.table(_product(found))


class LuaFluidPrototype(LuaObject):
    lua_class_name = "LuaFluidPrototype"
    lua_fields = ("name", "default_temperature", "max_temperature", "heat_capacity", "fuel_value", "order", "hidden")


class LuaTechnologyPrototype(LuaObject):
    lua_class_name = "LuaTechnologyPrototype"
    lua_fields = ("name", "enabled", "hidden", "upgrade", "level", "max_level")

    @lua_property
    def prerequisites(self) -> Any:
        technologies = self.ctx.gamedata.technologies
        return self.table(
            {n: self.ctx.wrapper(LuaTechnologyPrototype, technologies[n]) for n in self.model.prerequisites}
        )

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
        return self.model.unit.count if self.model.unit else 0

    @lua_property
    def research_unit_energy(self) -> Any:
        # Factorio reports the time per unit in ticks.
        return self.model.unit.time * 60 if self.model.unit else 0

    @lua_property
    def research_unit_ingredients(self) -> Any:
        unit = self.model.unit
        return self.table([{"type": "item", "name": n, "amount": a} for n, a in unit.ingredients] if unit else [])


class LuaTilePrototype(LuaObject):
    lua_class_name = "LuaTilePrototype"
    lua_fields = ("name", "order")


def _box(box: Any) -> dict[str, Any]:
    (left, top), (right, bottom) = box
    return {"left_top": {"x": left, "y": top}, "right_bottom": {"x": right, "y": bottom}}


class LuaPrototypes(LuaObject):
    """Vanilla prototypes by kind, each a LuaCustomTable keyed by name."""

    lua_class_name = "LuaPrototypes"

    def _table(self, source: Mapping[str, Any], kind: type) -> LuaCustomTable:
        def items() -> list[tuple[Any, Any]]:
            return [(name, self.ctx.wrapper(kind, proto)) for name, proto in source.items()]

        def by_name(key: Any) -> Any:
            proto = source.get(key) if isinstance(key, str) else None
            return None if proto is None else self.ctx.wrapper(kind, proto)

        return LuaCustomTable(self.ctx, items, by_name)

    @lua_property
    def item(self) -> LuaCustomTable:
        return self._table(self.ctx.gamedata.items, LuaItemPrototype)

    @lua_property
    def entity(self) -> LuaCustomTable:
        return self._table(self.ctx.gamedata.entities, LuaEntityPrototype)

    @lua_property
    def recipe(self) -> LuaCustomTable:
        return self._table(self.ctx.gamedata.recipes, LuaRecipePrototype)

    @lua_property
    def fluid(self) -> LuaCustomTable:
        return self._table(self.ctx.gamedata.fluids, LuaFluidPrototype)

    @lua_property
    def technology(self) -> LuaCustomTable:
        return self._table(self.ctx.gamedata.technologies, LuaTechnologyPrototype)

    @lua_property
    def tile(self) -> LuaCustomTable:
        return self._table(self.ctx.gamedata.tiles, LuaTilePrototype)
