"""``data.raw`` of one data stage -> :class:`GameData`.

Which types are items and entities comes from the game's ``defines.prototypes``.
Factorio 2.0's data ships no class hierarchy (``core/lualib/prototype-hierarchy.lua``
is new in 2.1), so which entity types have health is read from the data itself:
``max_health`` is a property of EntityWithHealthPrototype only, and every type
whose prototypes set it is one. Unit numbers follow the API's rule (LuaEntity::unit_number):
EntityWithOwner, plus ItemRequestProxy and EntityGhost; the entities with
health but no owner are the few classes the 2.0 prototype docs derive from
EntityWithHealthPrototype directly (:data:`HEALTH_WITHOUT_OWNER`).
Every table is sorted by prototype name.
"""

from __future__ import annotations

import re
from typing import Any

from .luatables import (
    as_float,
    box,
    energy,
    first,
    is_table,
    minable,
    number,
    product,
    products,
    seq,
    strings,
    to_python,
    vector,
)
from .prototypes import (
    INFINITE_LEVEL,
    EntityPrototype,
    FluidBoxPrototype,
    FluidPrototype,
    GameData,
    Ingredient,
    ItemPrototype,
    PipeConnectionDefinition,
    RecipePrototype,
    ResearchTrigger,
    TechnologyEffect,
    TechnologyPrototype,
    TechnologyUnit,
    TileBuildabilityRule,
    TilePrototype,
    tile_size,
)

#: Factorio 2.0's prototype docs: the EntityWithHealthPrototype subclasses that are
#: not EntityWithOwnerPrototype (PlantPrototype via TreePrototype). API rule, not game data.
HEALTH_WITHOUT_OWNER = frozenset({"fish", "plant", "simple-entity", "tree"})
#: Factorio 2.0 (LuaEntity::unit_number): besides EntityWithOwner, these get unit numbers.
NUMBERED_WITHOUT_OWNER = frozenset({"item-request-proxy", "entity-ghost"})


class Extractor:
    """Reads ``data.raw`` of one finished data stage."""

    def __init__(
        self, lua: Any, defines: dict[str, Any], default_masks: dict[str, tuple[str, ...]] | None = None
    ) -> None:
        self.raw = lua.globals().data.raw
        self.defines = defines
        # Entity type -> the layers of its default collision mask (core's collision-mask-defaults.lua).
        self.default_masks = default_masks or {}
        self.with_health = frozenset(
            type_name
            for type_name in defines["prototypes"]["entity"]
            if self.raw[type_name] is not None
            and any(p["max_health"] is not None for p in self.raw[type_name].values())
        )
        self.numbered = (self.with_health - HEALTH_WITHOUT_OWNER) | NUMBERED_WITHOUT_OWNER

    def _of_types(self, types: tuple[str, ...]) -> list[tuple[str, Any]]:
        found: list[tuple[str, Any]] = []
        for type_name in types:
            table = self.raw[type_name]
            if table is not None:
                found.extend((str(name), proto) for name, proto in table.items())
        return sorted(found, key=lambda pair: pair[0])

    def game_data(self, base_version: str, draftsman_version: str) -> GameData:
        prototypes = self.defines["prototypes"]
        item_types = tuple(sorted(prototypes["item"]))
        entity_types = tuple(sorted(prototypes["entity"]))
        items = {name: self.item(name, p) for name, p in self._of_types(item_types)}
        placers: dict[str, list[str]] = {}
        tile_placers: dict[str, list[str]] = {}
        for item in items.values():
            if item.place_result:
                placers.setdefault(item.place_result, []).append(item.name)
            if item.place_as_tile:
                tile_placers.setdefault(item.place_as_tile, []).append(item.name)
        entities = {name: self.entity(name, p, placers) for name, p in self._of_types(entity_types)}
        return GameData(
            items=items,
            fluids={name: self.fluid(name, p) for name, p in self._of_types(("fluid",))},
            recipes={name: self.recipe(name, p) for name, p in self._of_types(("recipe",))},
            entities=entities,
            technologies={name: self.technology(name, p) for name, p in self._of_types(("technology",))},
            tiles={name: self.tile(name, p, tile_placers) for name, p in self._of_types(("tile",))},
            item_types=item_types,
            entity_types=entity_types,
            defines=self.defines,
            base_version=base_version,
            draftsman_version=draftsman_version,
            map_settings=self.map_settings(),
            recipe_overload=self.recipe_overload(),
        )

    def recipe_overload(self) -> tuple[float, int, int]:
        """The utility constants of the automated insertion limit: (dynamic_recipe_overload_factor,
        minimum_recipe_overload_multiplier, maximum_recipe_overload_multiplier)."""
        table = self.raw["utility-constants"]
        found = table["default"] if table is not None else None
        if found is None:
            raise ValueError("the data stage left no utility-constants")
        return (
            float(found["dynamic_recipe_overload_factor"]),
            int(found["minimum_recipe_overload_multiplier"]),
            int(found["maximum_recipe_overload_multiplier"]),
        )

    def map_settings(self) -> dict[str, Any]:
        """The MapSettings of a new map: the "map-settings" prototype less its own keys.

        Difficulty settings live in LuaGameScript::difficulty_settings in the
        runtime, not in MapSettings, so they are left out here.
        """
        table = self.raw["map-settings"]
        found = to_python(table["map-settings"]) if table is not None else {}
        return {k: v for k, v in found.items() if k not in ("type", "name", "difficulty_settings")}

    def item(self, name: str, p: Any) -> ItemPrototype:
        tile = p["place_as_tile"]
        return ItemPrototype(
            name=name,
            type=str(p["type"]),
            stack_size=int(p["stack_size"]),
            place_result=p["place_result"] or None,
            place_as_tile=str(tile["result"]) if tile is not None else None,
            fuel_value=energy(p["fuel_value"]),
            fuel_category=first(p["fuel_category"], *strings(p["fuel_categories"])[:1]),
            burnt_result=p["burnt_result"] or None,
            subgroup=str(p["subgroup"] or "other"),
            order=str(p["order"] or ""),
            hidden=bool(p["hidden"]),
            rocket_launch_products=tuple(product(q) for q in seq(p["rocket_launch_products"])),
            flags=strings(p["flags"]),
        )

    def fluid(self, name: str, p: Any) -> FluidPrototype:
        default = float(p["default_temperature"])
        return FluidPrototype(
            name=name,
            default_temperature=default,
            max_temperature=float(first(p["max_temperature"], default)),
            heat_capacity=energy(p["heat_capacity"], 1000.0),
            fuel_value=energy(p["fuel_value"]),
            subgroup=str(p["subgroup"] or "fluid"),
            order=str(p["order"] or ""),
            hidden=bool(p["hidden"]),
        )

    def recipe(self, name: str, p: Any) -> RecipePrototype:
        categories = strings(p["categories"]) or (str(p["category"] or "crafting"),)
        ingredients = []
        for ing in seq(p["ingredients"]):
            if ing["name"] is None:  # short form {"name", amount}
                ingredients.append(Ingredient("item", str(ing[1]), number(ing[2])))
            else:
                ingredients.append(
                    Ingredient(
                        str(ing["type"] or "item"),
                        str(ing["name"]),
                        number(ing["amount"]),
                        int(ing["fluidbox_index"] or 0),
                    )
                )
        return RecipePrototype(
            name=name,
            category=str(p["category"] or categories[0]),
            ingredients=tuple(ingredients),
            results=products(p, "result", "result_count"),
            energy_required=float(first(p["energy_required"], 0.5)),
            enabled=p["enabled"] is not False,
            hidden=bool(p["hidden"]),
            main_product=p["main_product"] or None,
            categories=categories,
            subgroup=p["subgroup"],
            order=str(p["order"] or ""),
            allow_decomposition=p["allow_decomposition"] is not False,
        )

    def entity(self, name: str, p: Any, placers: dict[str, list[str]]) -> EntityPrototype:
        type_name = str(p["type"])
        collision_box = box(p["collision_box"])
        width, height = tile_size(collision_box)
        source = p["energy_source"]
        burner = source is not None and source["type"] == "burner"
        placeable_by = p["placeable_by"]
        if placeable_by is not None:
            entries = [placeable_by] if placeable_by["item"] is not None else seq(placeable_by)
            to_place = tuple(str(e["item"]) for e in entries)
        else:
            to_place = tuple(placers.get(name, ()))
        has_health = type_name in self.with_health
        return EntityPrototype(
            name=name,
            type=type_name,
            collision_box=collision_box,
            selection_box=box(p["selection_box"]),
            tile_width=int(first(p["tile_width"], width)),
            tile_height=int(first(p["tile_height"], height)),
            flags=strings(p["flags"]),
            has_health=has_health,
            has_unit_number=type_name in self.numbered,
            max_health=float(first(p["max_health"], 10.0)) if has_health else 0.0,
            minable=minable(p["minable"]),
            items_to_place_this=to_place,
            energy_source=str(source["type"]) if source is not None else None,
            fuel_categories=(strings(source["fuel_categories"]) or (str(source["fuel_category"] or "chemical"),))
            if burner
            else (),
            fuel_inventory_size=int(source["fuel_inventory_size"] or 0) if burner else 0,
            burnt_inventory_size=int(source["burnt_inventory_size"] or 0) if burner else 0,
            effectivity=float(first(source["effectivity"], 1.0)) if burner else 1.0,
            initial_fuel=str(source["initial_fuel"]) if burner and source["initial_fuel"] else None,
            initial_fuel_percent=float(first(source["initial_fuel_percent"], 0.0)) if burner else 0.0,
            energy_usage=energy(p["energy_usage"]) if p["energy_usage"] is not None else None,
            **(_electric_fields(source) if source is not None and source["type"] == "electric" else {}),
            production=energy(p["production"]) if type_name == "solar-panel" else None,
            fluid_usage_per_tick=as_float(p["fluid_usage_per_tick"]) if type_name == "generator" else None,
            maximum_temperature=as_float(p["maximum_temperature"]) if type_name == "generator" else None,
            generator_effectivity=float(first(p["effectivity"], 1.0)) if type_name == "generator" else None,
            researching_speed=float(first(p["researching_speed"], 1.0)) if type_name == "lab" else None,
            inventory_size=number(p["inventory_size"]),
            source_inventory_size=number(p["source_inventory_size"]),
            result_inventory_size=number(p["result_inventory_size"]),
            module_slots=int(p["module_slots"] or 0),
            guns_inventory_size=int(first(p["guns_inventory_size"], 3)) if type_name == "character" else None,
            trash_inventory_size=number(p["trash_inventory_size"]),
            robot_slots_count=number(p["robot_slots_count"]),
            material_slots_count=number(p["material_slots_count"]),
            guns=strings(p["guns"]),
            lab_inputs=strings(p["inputs"]) if type_name == "lab" else (),
            crafting_categories=strings(p["crafting_categories"]),
            crafting_speed=as_float(p["crafting_speed"]),
            mining_speed=as_float(p["mining_speed"]),
            resource_categories=strings(first(p["resource_categories"], p["mining_categories"])),
            resource_category=str(p["category"] or "basic-solid") if type_name == "resource" else None,
            infinite_resource=bool(p["infinite"]) if type_name == "resource" else False,
            normal_resource_amount=int(first(p["normal"], 1)) if type_name == "resource" else 1,
            minimum_resource_amount=int(first(p["minimum"], 0)) if type_name == "resource" else 0,
            infinite_depletion_amount=int(first(p["infinite_depletion_amount"], 1)) if type_name == "resource" else 1,
            fixed_recipe=str(p["fixed_recipe"]) if p["fixed_recipe"] else None,
            rocket_parts_required=int(p["rocket_parts_required"]) if p["rocket_parts_required"] else None,
            **(_character_fields(p) if type_name == "character" else {}),
            pickup_position=vector(p["pickup_position"]) if type_name == "inserter" else None,
            insert_position=vector(p["insert_position"]) if type_name == "inserter" else None,
            **(_inserter_fields(p) if type_name == "inserter" else {}),
            vector_to_place_result=vector(p["vector_to_place_result"]) if type_name == "mining-drill" else None,
            resource_searching_radius=as_float(p["resource_searching_radius"]) if type_name == "mining-drill" else None,
            fluid_box_count=_fluid_box_count(p),
            fluid_boxes=tuple(fluid_box(b) for b in _fluid_box_tables(p)),
            pumping_speed=as_float(p["pumping_speed"]) if type_name in ("offshore-pump", "pump") else None,
            target_temperature=as_float(p["target_temperature"]) if type_name == "boiler" else None,
            energy_consumption=energy(p["energy_consumption"]) if p["energy_consumption"] is not None else None,
            belt_speed=as_float(p["speed"]) if type_name in BELT_TYPES else None,
            max_underground_distance=number(p["max_distance"]) if type_name == "underground-belt" else None,
            # ElectricPolePrototype: maximum_wire_distance is optional (default 0), supply_area_distance required.
            maximum_wire_distance=as_float(p["maximum_wire_distance"]) or 0.0 if type_name == "electric-pole" else None,
            supply_area_distance=as_float(p["supply_area_distance"]) if type_name in SUPPLY_AREA_TYPES else None,
            collision_layers=mask_layers(p["collision_mask"])
            if p["collision_mask"] is not None
            else self.default_masks.get(type_name, ()),
            tile_buildability_rules=tuple(
                TileBuildabilityRule(
                    area=box(rule["area"]),
                    required=mask_layers(rule["required_tiles"]),
                    colliding=mask_layers(rule["colliding_tiles"]),
                    remove_on_collision=bool(rule["remove_on_collision"]),
                )
                for rule in seq(p["tile_buildability_rules"])
            ),
            fast_replaceable_group=str(p["fast_replaceable_group"]) if p["fast_replaceable_group"] else None,
        )

    def technology(self, name: str, p: Any) -> TechnologyPrototype:
        effects = []
        for effect in seq(p["effects"]):
            extra = tuple(
                sorted(
                    (str(k), number(v))
                    for k, v in effect.items()
                    if k not in ("type", "recipe", "modifier") and not is_table(v)
                )
            )
            modifier = effect["modifier"]
            effects.append(
                TechnologyEffect(
                    type=str(effect["type"]),
                    recipe=effect["recipe"],
                    modifier=None if modifier is None or is_table(modifier) else number(modifier),
                    extra=extra,
                )
            )
        unit = p["unit"]
        trigger = p["research_trigger"]
        suffix = re.search(r"-(\d+)$", name)
        level = int(suffix.group(1)) if suffix else 1
        max_level = p["max_level"]
        return TechnologyPrototype(
            name=name,
            prerequisites=strings(p["prerequisites"]),
            effects=tuple(effects),
            unit=None
            if unit is None
            else TechnologyUnit(
                count=number(unit["count"]),
                count_formula=unit["count_formula"],
                time=float(unit["time"]),
                ingredients=tuple(
                    (str(first(i["name"], i[1])), number(first(i["amount"], i[2]))) for i in seq(unit["ingredients"])
                ),
            ),
            research_trigger=None
            if trigger is None
            else ResearchTrigger(
                type=str(trigger["type"]),
                item=trigger["item"] if isinstance(trigger["item"], str) else None,
                entity=trigger["entity"] if isinstance(trigger["entity"], str) else None,
                entities=strings(trigger["entities"]),
                count=int(first(trigger["count"], 1)),
            ),
            enabled=p["enabled"] is not False,
            hidden=bool(p["hidden"]),
            upgrade=bool(p["upgrade"]),
            level=level,
            max_level=INFINITE_LEVEL if max_level == "infinite" else int(first(max_level, level)),
        )

    def tile(self, name: str, p: Any, placers: dict[str, list[str]]) -> TilePrototype:
        return TilePrototype(
            name=name,
            collision_layers=mask_layers(p["collision_mask"]),
            minable=minable(p["minable"]),
            items_to_place_this=tuple(placers.get(name, ())),
            order=str(p["order"] or ""),
            walking_speed_modifier=as_float(p["walking_speed_modifier"]) or 1.0,
            fluid=str(p["fluid"]) if p["fluid"] else None,
        )


#: The character prototype's distances and its running speed (CharacterPrototype); vanilla data sets every one.
_CHARACTER_FIELDS = (
    "running_speed",
    "reach_distance",
    "reach_resource_distance",
    "build_distance",
    "drop_item_distance",
    "item_pickup_distance",
    "loot_pickup_distance",
)


def _character_fields(p: Any) -> dict[str, Any]:
    return {key: as_float(p[key]) for key in _CHARACTER_FIELDS}


def _electric_fields(source: Any) -> dict[str, Any]:
    """ElectricEnergySource's optional drain, buffer and flow limits (None where the data leaves them out)."""

    def optional(key: str) -> float | None:
        return energy(source[key]) if source[key] is not None else None

    return {
        "electric_drain": optional("drain"),
        "buffer_capacity": optional("buffer_capacity"),
        "input_flow_limit": optional("input_flow_limit"),
        "output_flow_limit": optional("output_flow_limit"),
    }


def _inserter_fields(p: Any) -> dict[str, Any]:
    """InserterPrototype's speeds, energy and hand (energy_per_* and stack_size_bonus default 0,
    uses_inserter_stack_size_bonus true)."""
    return {
        "rotation_speed": as_float(p["rotation_speed"]),
        "extension_speed": as_float(p["extension_speed"]),
        "energy_per_rotation": energy(p["energy_per_rotation"]) if p["energy_per_rotation"] is not None else 0.0,
        "energy_per_movement": energy(p["energy_per_movement"]) if p["energy_per_movement"] is not None else 0.0,
        "bulk": bool(p["bulk"]),
        "uses_inserter_stack_size_bonus": p["uses_inserter_stack_size_bonus"] is not False,
        "stack_size_bonus": int(p["stack_size_bonus"] or 0),
    }


#: Entity types with a supply area (LuaEntityPrototype::get_supply_area_distance: "electric pole or beacon").
SUPPLY_AREA_TYPES = frozenset({"electric-pole", "beacon"})

#: Entity types that carry items on belt lanes (BeltConnectable in the prototype docs).
BELT_TYPES = frozenset({"transport-belt", "underground-belt", "splitter", "loader", "loader-1x1", "linked-belt"})


def _fluid_box_count(p: Any) -> int:
    """The entity's own fluid boxes (not its energy source's)."""
    return len(_fluid_box_tables(p))


def _fluid_box_tables(p: Any) -> list[Any]:
    single = [p[key] for key in ("fluid_box", "input_fluid_box", "output_fluid_box") if p[key] is not None]
    return single + seq(p["fluid_boxes"])


def fluid_box(b: Any) -> FluidBoxPrototype:
    """A FluidBox table; defaults as the prototype docs give them."""
    return FluidBoxPrototype(
        volume=float(b["volume"] or 0.0),
        pipe_connections=tuple(pipe_connection(c) for c in seq(b["pipe_connections"])),
        production_type=str(b["production_type"] or "none"),
        filter=str(b["filter"]) if b["filter"] else None,
        minimum_temperature=as_float(b["minimum_temperature"]),
        maximum_temperature=as_float(b["maximum_temperature"]),
    )


def pipe_connection(c: Any) -> PipeConnectionDefinition:
    """A PipeConnectionDefinition; ``positions`` (one per direction) when there is no ``position``."""
    positions = tuple(p for p in (vector(v) for v in seq(c["positions"])) if p is not None)
    position = vector(c["position"]) or (positions[0] if positions else (0.0, 0.0))
    return PipeConnectionDefinition(
        direction=int(c["direction"] or 0),
        position=position,
        positions=positions,
        connection_type=str(c["connection_type"] or "normal"),
        flow_direction=str(c["flow_direction"] or "input-output"),
        max_underground_distance=int(c["max_underground_distance"] or 0),
    )


def mask_layers(mask: Any) -> tuple[str, ...]:
    """A CollisionMaskConnector's layers (``{layers = {object = true, ...}}``), sorted; none for nil."""
    layers = mask["layers"] if mask is not None else None
    return tuple(sorted(str(k) for k, v in layers.items() if v)) if layers is not None else ()
