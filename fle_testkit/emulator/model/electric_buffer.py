"""The size of an entity's electric buffer (``LuaEntity.electric_buffer_size``).

2.0 documents the property ("the buffer size for the electric energy source; nil if the
entity doesn't have an electric energy source") and the prototype's optional
``buffer_capacity`` (ElectricEnergySource), but not the size the game gives a source whose
prototype names none. Assumed here, and easy to change: one tick of the most the entity
moves through its source, its working energy and its drain for a consumer (an inserter's
move and turn energies together), its full output for a generator. An accumulator's
``buffer_capacity`` is in the data (5 MJ).

Readers such as FLE's alerts compare ``energy`` with this size only to tell power from none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .power import drain_per_tick
from .simulation import exact

if TYPE_CHECKING:
    from .entity import Entity


def buffer_size(entity: Entity) -> float | None:
    """Joules the entity's electric energy source holds at most; None without one."""
    prototype = entity.prototype
    if prototype.energy_source != "electric":
        return None
    if prototype.buffer_capacity is not None:
        return prototype.buffer_capacity
    generating = getattr(entity.machine, "max_power", None)
    if generating is not None:
        return float(generating())
    if prototype.type == "solar-panel":
        return float(exact(prototype.production or 0.0) / 60)
    working = prototype.energy_usage or prototype.energy_consumption
    if working is not None:
        per_tick = exact(working) / 60
    else:
        per_tick = exact(prototype.energy_per_movement) + exact(prototype.energy_per_rotation)
    return float(per_tick + drain_per_tick(prototype))
