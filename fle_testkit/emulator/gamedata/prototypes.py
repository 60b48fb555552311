"""The prototypes the emulator knows, as frozen dataclasses (no graphics, no Lua).

Only the fields the API needs are kept. Defaults are Factorio's prototype
defaults, so a field the data leaves out reads as the game would read it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

#: Bump whenever a dataclass here changes shape: old cache files are then ignored.
SCHEMA = (
    19  # 2: fixed_recipe, rocket_parts_required; 3: allow_decomposition; 4: rocket_launch_products; 5: map_settings;
)
# 6: the character's reach and pickup distances, inserter and drill vectors, fluid box count;
# 7: collision_layers, tile_buildability_rules; 8: fluid_boxes, belt_speed, max_underground_distance; 9: item flags;
# 10: the character's running_speed, tiles' walking_speed_modifier; 11: electric poles' maximum_wire_distance,
# supply_area_distance; 12: energy_usage, burner effectivity; 13: inserter speeds and energy, burner initial fuel;
# 14: inserter stack_size_bonus; 15: recipe_overload; 16: fast_replaceable_group; 17: electric energy sources
# (drain, buffer, flow limits), solar production, generators' steam use, labs' speed;
# 18: pumping_speed, target_temperature, energy_consumption (offshore pumps, pumps, boilers), tiles' fluid;
# 19: resources' normal and minimum amounts and infinite depletion (pumpjacks' yield), recipes' fluidbox_index
#: ``max_level = "infinite"`` reads back as the largest uint32, as in the API.
INFINITE_LEVEL = 2**32 - 1
_SI = {
    "": 1.0,
    "k": 1e3,
    "K": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    "Z": 1e21,
    "Y": 1e24,
    "R": 1e27,
    "Q": 1e30,
}
_ENERGY = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([kKMGTPEZYRQ]?)([JW])\s*$")

Box = tuple[tuple[float, float], tuple[float, float]]
EMPTY_BOX: Box = ((0.0, 0.0), (0.0, 0.0))


@dataclass(frozen=True, slots=True)
class Ingredient:
    type: str  # "item" | "fluid"
    name: str
    amount: float
    fluidbox_index: int = 0  # a fluid's: the machine's nth input box (1-based), 0 for the next free one


@dataclass(frozen=True, slots=True)
class Product:
    """A recipe result or a mining result; ``amount`` is None when a range is given."""

    type: str
    name: str
    amount: float | None = None
    amount_min: float | None = None
    amount_max: float | None = None
    probability: float = 1.0
    temperature: float | None = None
    fluidbox_index: int = 0  # a fluid's: the machine's nth output box (1-based), 0 for the next free one


@dataclass(frozen=True, slots=True)
class Minable:
    mining_time: float
    products: tuple[Product, ...]
    required_fluid: str | None = None
    fluid_amount: float = 0.0


@dataclass(frozen=True, slots=True)
class ItemPrototype:
    name: str
    type: str
    stack_size: int
    place_result: str | None = None
    place_as_tile: str | None = None
    fuel_value: float = 0.0  # joules
    fuel_category: str | None = None
    burnt_result: str | None = None
    subgroup: str = "other"
    order: str = ""
    hidden: bool = False
    rocket_launch_products: tuple[Product, ...] = ()
    flags: tuple[str, ...] = ()  # ItemPrototypeFlags ("only-in-cursor", "spawnable"...)


@dataclass(frozen=True, slots=True)
class FluidPrototype:
    name: str
    default_temperature: float
    max_temperature: float
    heat_capacity: float  # joules per unit per degree
    fuel_value: float = 0.0
    subgroup: str = "fluid"
    order: str = ""
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class RecipePrototype:
    name: str
    category: str
    ingredients: tuple[Ingredient, ...]
    results: tuple[Product, ...]
    energy_required: float = 0.5
    enabled: bool = True
    hidden: bool = False
    main_product: str | None = None
    categories: tuple[str, ...] = ()  # Factorio 2.1 data lists several
    subgroup: str | None = None
    order: str = ""
    allow_decomposition: bool = True  # the data's default


@dataclass(frozen=True, slots=True)
class TileBuildabilityRule:
    """One of a prototype's ``tile_buildability_rules`` (offshore pumps): the tiles under
    ``area`` (facing north) must each have a ``required`` layer and no ``colliding`` one."""

    area: Box
    required: tuple[str, ...]
    colliding: tuple[str, ...]
    remove_on_collision: bool = False


@dataclass(frozen=True, slots=True)
class PipeConnectionDefinition:
    """One of a fluid box's ``pipe_connections``, for the entity facing north.

    ``positions`` holds the 4 per-direction positions when the data gives them
    instead of one ``position`` (then ``position`` is the first of them).
    """

    direction: int
    position: tuple[float, float]
    positions: tuple[tuple[float, float], ...] = ()
    connection_type: str = "normal"  # "normal" | "underground" | "linked"
    flow_direction: str = "input-output"  # "input" | "output" | "input-output"
    max_underground_distance: int = 0


@dataclass(frozen=True, slots=True)
class FluidBoxPrototype:
    """One of an entity's own fluid boxes (FluidBox in the prototype docs)."""

    volume: float
    pipe_connections: tuple[PipeConnectionDefinition, ...] = ()
    production_type: str = "none"  # "input" | "output" | "input-output" | "none"
    filter: str | None = None
    minimum_temperature: float | None = None
    maximum_temperature: float | None = None


@dataclass(frozen=True, slots=True)
class EntityPrototype:
    name: str
    type: str
    collision_box: Box = EMPTY_BOX
    selection_box: Box = EMPTY_BOX
    tile_width: int = 0
    tile_height: int = 0
    flags: tuple[str, ...] = ()
    has_health: bool = False
    has_unit_number: bool = False
    max_health: float = 0.0
    minable: Minable | None = None
    items_to_place_this: tuple[str, ...] = ()
    energy_source: str | None = None  # "burner" | "electric" | "heat" | "fluid" | "void"
    fuel_categories: tuple[str, ...] = ()
    fuel_inventory_size: int = 0
    burnt_inventory_size: int = 0
    # A burner energy source's efficiency: fuel energy drawn = energy used / effectivity (default 1).
    effectivity: float = 1.0
    # A burner energy source's fuel when built (burner inserters: wood), as a share of its fuel value.
    initial_fuel: str | None = None
    initial_fuel_percent: float = 0.0
    # Watts the entity uses while working (machines' ``energy_usage``); None when the data has none.
    energy_usage: float | None = None
    # An electric energy source's fields (ElectricEnergySource), watts and joules; None when the data has none.
    electric_drain: float | None = None
    buffer_capacity: float | None = None
    input_flow_limit: float | None = None
    output_flow_limit: float | None = None
    # Solar panels: watts at full daylight. Generators (steam engines): fluid units a tick, the
    # hottest steam they use, their efficiency. Labs: their researching_speed.
    production: float | None = None
    fluid_usage_per_tick: float | None = None
    maximum_temperature: float | None = None
    generator_effectivity: float | None = None
    researching_speed: float | None = None
    inventory_size: int | None = None
    source_inventory_size: int | None = None
    result_inventory_size: int | None = None
    module_slots: int = 0
    guns_inventory_size: int | None = None  # character
    trash_inventory_size: int | None = None
    robot_slots_count: int | None = None
    material_slots_count: int | None = None
    guns: tuple[str, ...] = ()
    lab_inputs: tuple[str, ...] = ()
    crafting_categories: tuple[str, ...] = ()
    crafting_speed: float | None = None
    mining_speed: float | None = None
    resource_categories: tuple[str, ...] = ()  # mining drills; characters' mining_categories
    resource_category: str | None = None  # resources
    infinite_resource: bool = False
    # Resources (ResourceEntityPrototype ``normal``, ``minimum``, ``infinite_depletion_amount``): the amount that
    # yields 100 %, the least an infinite one keeps, and what a mining of an infinite one takes.
    normal_resource_amount: int = 1
    minimum_resource_amount: int = 0
    infinite_depletion_amount: int = 1
    fixed_recipe: str | None = None  # assembling machines and rocket silos with one recipe
    rocket_parts_required: int | None = None  # rocket silos
    # Characters only (None for other entities): tiles a tick it runs, how far it reaches, in tiles.
    running_speed: float | None = None
    reach_distance: float | None = None
    reach_resource_distance: float | None = None
    build_distance: float | None = None
    drop_item_distance: float | None = None
    item_pickup_distance: float | None = None
    loot_pickup_distance: float | None = None
    # Inserters: where they take from and put to; mining drills: where the result goes, and
    # how far from the centre they mine. Vectors for the entity facing north.
    pickup_position: tuple[float, float] | None = None
    insert_position: tuple[float, float] | None = None
    # Inserters: turns a tick, tiles a tick, joules a whole turn and a tile of hand movement take,
    # whether it is a bulk inserter, whether the force's stack size bonus applies, and the items
    # its hand holds beyond one of its own (``stack_size_bonus``).
    rotation_speed: float | None = None
    extension_speed: float | None = None
    energy_per_rotation: float = 0.0
    energy_per_movement: float = 0.0
    bulk: bool = False
    uses_inserter_stack_size_bonus: bool = True
    stack_size_bonus: int = 0
    vector_to_place_result: tuple[float, float] | None = None
    resource_searching_radius: float | None = None
    # How many fluid boxes the entity has (fluid_box, fluid_boxes, input/output_fluid_box).
    fluid_box_count: int = 0
    # Those fluid boxes, in the same order (fluid_box, input_fluid_box, output_fluid_box, fluid_boxes...).
    fluid_boxes: tuple[FluidBoxPrototype, ...] = ()
    # Offshore pumps and pumps: fluid units a tick they move (``pumping_speed``).
    pumping_speed: float | None = None
    # Boilers: the temperature of what they output, and the watts they burn while working
    # (``energy_consumption``, where other machines have ``energy_usage``).
    target_temperature: float | None = None
    energy_consumption: float | None = None
    # Belt connectables (transport belts, undergrounds, splitters, loaders): tiles a tick.
    belt_speed: float | None = None
    # Underground belts: how many tiles apart an entrance and its exit may stand.
    max_underground_distance: int | None = None
    # Electric poles (None for other entities): how far, in tiles, a copper wire reaches to another
    # pole; and for poles and beacons, the half side of the square around the centre they supply.
    maximum_wire_distance: float | None = None
    supply_area_distance: float | None = None
    # The collision mask's layers: the prototype's own, or its type's default (core's collision-mask-defaults.lua).
    collision_layers: tuple[str, ...] = ()
    tile_buildability_rules: tuple[TileBuildabilityRule, ...] = ()
    # Entities of one group replace each other in place (LuaEntityPrototype.fast_replaceable_group).
    fast_replaceable_group: str | None = None


@dataclass(frozen=True, slots=True)
class TechnologyEffect:
    type: str
    recipe: str | None = None
    modifier: float | None = None
    extra: tuple[tuple[str, Any], ...] = ()  # other scalar fields, sorted by key


@dataclass(frozen=True, slots=True)
class TechnologyUnit:
    count: int | None
    count_formula: str | None
    time: float
    ingredients: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class ResearchTrigger:
    type: str
    item: str | None = None
    entity: str | None = None
    entities: tuple[str, ...] = ()
    count: int = 1


@dataclass(frozen=True, slots=True)
class TechnologyPrototype:
    name: str
    prerequisites: tuple[str, ...]
    effects: tuple[TechnologyEffect, ...]
    unit: TechnologyUnit | None
    research_trigger: ResearchTrigger | None
    enabled: bool = True
    hidden: bool = False
    upgrade: bool = False
    level: int = 1
    max_level: int = 1

    @property
    def unlocked_recipes(self) -> tuple[str, ...]:
        return tuple(e.recipe for e in self.effects if e.type == "unlock-recipe" and e.recipe)


@dataclass(frozen=True, slots=True)
class TilePrototype:
    name: str
    collision_layers: tuple[str, ...]
    minable: Minable | None = None
    items_to_place_this: tuple[str, ...] = ()
    order: str = ""
    walking_speed_modifier: float = 1.0
    fluid: str | None = None  # what an offshore pump on it pumps (water tiles: water)


@dataclass(frozen=True, slots=True)
class GameData:
    """Everything the emulator knows about the vanilla game, by prototype name."""

    items: dict[str, ItemPrototype]
    fluids: dict[str, FluidPrototype]
    recipes: dict[str, RecipePrototype]
    entities: dict[str, EntityPrototype]
    technologies: dict[str, TechnologyPrototype]
    tiles: dict[str, TilePrototype]
    item_types: tuple[str, ...]
    entity_types: tuple[str, ...]
    defines: dict[str, Any] = field(repr=False)
    base_version: str
    draftsman_version: str
    # The utility constants that set the automated insertion limit (model/insertion_limits.py):
    # (dynamic_recipe_overload_factor, minimum and maximum recipe overload multiplier).
    recipe_overload: tuple[float, int, int]
    schema: int = SCHEMA
    # The "map-settings" prototype's settings (pollution, enemy_evolution, ...), what a new map starts with.
    map_settings: dict[str, Any] = field(default_factory=dict, repr=False)


def parse_energy(text: str) -> float:
    """``"4MJ"`` -> 4e6; Factorio's energy strings (J, or W for power)."""
    match = _ENERGY.match(str(text))
    if match is None:
        raise ValueError(f"not an energy value: {text!r}")
    return float(match.group(1)) * _SI[match.group(2)]


def tile_size(collision_box: Box) -> tuple[int, int]:
    """Tiles covered, as draftsman's ``aabb_to_dimensions`` derives them: ceil of the extent."""
    (x1, y1), (x2, y2) = collision_box
    return math.ceil(round(x2 - x1, 6)), math.ceil(round(y2 - y1, 6))
