"""Which inventories an entity has, by its prototype type.

Sizes come from the prototype (``inventory_size``, ``source_inventory_size``,
the burner's ``fuel_inventory_size``, ...). Indexes are never typed here: each
inventory is named by its ``defines.inventory`` key and the number is looked up
in the real 2.0 defines table carried by :class:`~..gamedata.GameData`.

Not modelled yet: assembler/rocket-silo inputs and outputs sized by a recipe
(created with 0 slots), the character's trash (needs logistics research) and
vehicle slots, and the per-recipe filter of a furnace's source slot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import ModelError
from .inventory import ItemFilter

if TYPE_CHECKING:
    from ..gamedata import EntityPrototype


@dataclass(frozen=True, slots=True)
class InventorySpec:
    index: int
    name: str  # the defines.inventory key, e.g. "furnace_source"
    size: int
    filter: ItemFilter | None = None


_GUNS = ItemFilter(item_types=frozenset({"gun"}))
_AMMO = ItemFilter(item_types=frozenset({"ammo"}))
_ARMOR = ItemFilter(item_types=frozenset({"armor"}))
_MODULES = ItemFilter(item_types=frozenset({"module"}))

Entry = tuple[str, int | None, ItemFilter | None]


def _character(p: EntityPrototype) -> list[Entry]:
    guns = p.guns_inventory_size
    return [
        ("character_main", p.inventory_size, None),
        ("character_guns", guns, _GUNS),
        ("character_ammo", guns, _AMMO),
        ("character_armor", 1, _ARMOR),
    ]


def _named(name: str) -> Callable[[EntityPrototype], list[Entry]]:
    return lambda p: [(name, p.inventory_size, None)]


def _lab(p: EntityPrototype) -> list[Entry]:
    inputs = ItemFilter(names=frozenset(p.lab_inputs))
    return [("lab_input", len(p.lab_inputs), inputs), ("lab_modules", p.module_slots, _MODULES)]


def _vehicle(prefix: str, trunk: str) -> Callable[[EntityPrototype], list[Entry]]:
    def entries(p: EntityPrototype) -> list[Entry]:
        found: list[Entry] = [(trunk, p.inventory_size, None), (f"{prefix}_ammo", len(p.guns), _AMMO)]
        if p.trash_inventory_size:
            found.append((f"{prefix}_trash", p.trash_inventory_size, None))
        return found

    return entries


_BY_TYPE: dict[str, Callable[[EntityPrototype], list[Entry]]] = {
    "character": _character,
    "container": _named("chest"),
    "logistic-container": _named("chest"),
    "infinity-container": _named("chest"),
    "temporary-container": _named("chest"),
    "linked-container": _named("linked_container_main"),
    "cargo-landing-pad": _named("cargo_landing_pad_main"),
    "cargo-wagon": _named("cargo_wagon"),
    "infinity-cargo-wagon": _named("cargo_wagon"),
    "furnace": lambda p: [
        ("furnace_source", p.source_inventory_size, None),
        ("furnace_result", p.result_inventory_size, None),
        ("furnace_modules", p.module_slots, _MODULES),
    ],
    "assembling-machine": lambda p: [
        ("assembling_machine_input", 0, None),
        ("assembling_machine_output", 0, None),
        ("assembling_machine_modules", p.module_slots, _MODULES),
    ],
    "rocket-silo": lambda p: [("rocket_silo_modules", p.module_slots, _MODULES)],
    "mining-drill": lambda p: [("mining_drill_modules", p.module_slots, _MODULES)],
    "beacon": lambda p: [("beacon_modules", p.module_slots, _MODULES)],
    "lab": _lab,
    "car": _vehicle("car", "car_trunk"),
    "spider-vehicle": _vehicle("spider", "spider_trunk"),
    "ammo-turret": lambda p: [("turret_ammo", p.inventory_size, _AMMO)],
    "artillery-turret": lambda p: [("artillery_turret_ammo", p.inventory_size, _AMMO)],
    "artillery-wagon": lambda p: [("artillery_wagon_ammo", p.inventory_size, _AMMO)],
    "roboport": lambda p: [
        ("roboport_robot", p.robot_slots_count, None),
        ("roboport_material", p.material_slots_count, None),
    ],
}

#: Inventories that exist even when the prototype gives them no slots.
_ALWAYS = frozenset({"assembling_machine_input", "assembling_machine_output"})


def inventory_specs(prototype: EntityPrototype, indexes: Mapping[str, int]) -> list[InventorySpec]:
    """The inventories an entity of this prototype is created with, in index order.

    ``indexes`` is ``defines.inventory`` (name -> number).
    """
    entries: list[Entry] = []
    if prototype.energy_source == "burner" and prototype.fuel_inventory_size:
        fuel = ItemFilter(fuel_categories=frozenset(prototype.fuel_categories))
        entries.append(("fuel", prototype.fuel_inventory_size, fuel))
        if prototype.burnt_inventory_size:
            entries.append(("burnt_result", prototype.burnt_inventory_size, None))
    builder = _BY_TYPE.get(prototype.type)
    if builder is not None:
        entries.extend(builder(prototype))
    specs: dict[int, InventorySpec] = {}
    for name, size, item_filter in entries:
        if size is None or (size <= 0 and name not in _ALWAYS):
            continue
        index = indexes.get(name)
        if index is None:
            raise ModelError(f"defines.inventory has no {name!r} (needed by {prototype.name})")
        if index in specs:
            raise ModelError(f"{prototype.name}: inventories {specs[index].name} and {name} share index {index}")
        specs[index] = InventorySpec(index, name, int(size), item_filter)
    return [specs[i] for i in sorted(specs)]
