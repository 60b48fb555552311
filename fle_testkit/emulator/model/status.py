"""An entity's status (LuaEntity.status).

Factorio works a status out while it updates the entity each tick. An entity
the tick simulation runs (see machines.py) shows what its machine's last step
found (``working``, ``no_fuel``, ``low_power``, ``waiting_for_space_in_destination``...;
electric ones as their network's energy solve leaves them, power.py). For the
rest, and for a machine before its first tick, this gives the status an entity
shows from its own state:

- types without a status (chests, belts, poles, walls, resources...) have none (nil). No
  ``defines.entity_status`` value is documented for belts (2.0's ``full_output`` is "used by crafting
  machines, boilers, burner energy sources, and reactors"; a belt's ``disabled_by_control_behavior``
  needs a circuit condition, not modelled): FLE's own Lua derives a full belt from its lanes'
  ``can_insert_at_back`` (serialize.lua's ``belt_status``, alerts.lua's blocked belt);
- a burner entity with no fuel and nothing burning: ``no_fuel``;
- an electric entity before its first tick, or a consumer its network does not power:
  ``not_plugged_in_electric_network`` for generators and solar panels (the define's
  documented users), ``no_power`` for consumers;
- an assembling machine without a recipe: ``no_recipe``; a crafting machine whose
  inputs lack an ingredient: ``no_ingredients`` (furnace) or
  ``item_ingredient_shortage`` (assembler);
- an inserter before its first tick: ``waiting_for_source_items``;
- otherwise ``working``.

The answer is a ``defines.entity_status`` name; the Lua layer turns it into the number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .entity import Entity

#: Entity types that report a status (the machines; Factorio 2.0 vanilla).
WITH_STATUS = frozenset(
    {
        "furnace",
        "assembling-machine",
        "rocket-silo",
        "mining-drill",
        "inserter",
        "lab",
        "boiler",
        "generator",
        "burner-generator",
        "offshore-pump",
        "pump",
        "radar",
        "beacon",
        "roboport",
        "reactor",
        "ammo-turret",
        "electric-turret",
        "fluid-turret",
        "solar-panel",
        "accumulator",
    }
)


#: Electric entities that give power rather than take it.
PRODUCERS = frozenset({"generator", "solar-panel"})


def _has_ingredients(entity: Entity) -> bool:
    for inventory in entity.inventories.values():
        if inventory.name in ("furnace_source", "assembling_machine_input"):
            if entity.recipe is None:
                return not inventory.is_empty()
            return all(
                inventory.get_item_count(i.name) >= i.amount
                for i in entity.recipe.prototype.ingredients
                if i.type == "item"
            )
    return True


def _powered(entity: Entity) -> bool:
    """An electric consumer whose network gives it power (power.py sets its source's speed)."""
    source = getattr(entity.machine, "burner", None)
    return bool(getattr(source, "speed", 0))


def status(entity: Entity) -> str | None:
    entity.check_valid()
    if entity.type not in WITH_STATUS:
        return None
    machine = entity.machine
    if machine is not None and machine.state is not None:
        return machine.state
    burner = entity.burner
    if burner is not None and burner.currently_burning is None and burner.inventory.is_empty():
        return "no_fuel"
    if entity.prototype.energy_source == "electric" and not _powered(entity):
        return "not_plugged_in_electric_network" if entity.type in PRODUCERS else "no_power"
    if entity.type == "assembling-machine" and entity.recipe is None:
        return "no_recipe"
    if entity.type in ("furnace", "assembling-machine") and not _has_ingredients(entity):
        return "no_ingredients" if entity.type == "furnace" else "item_ingredient_shortage"
    if entity.type == "inserter":
        return "waiting_for_source_items"
    return "working"
