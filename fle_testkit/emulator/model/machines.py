"""Which entities the tick simulation runs, and as what kind of machine.

Burner mining drills, burner furnaces, burner inserters and characters (their
crafting queue and mining, handwork.py) so far. Electric machines (electric
inserters too) wait for the power simulation: they get no machine, so nothing
of them changes with time yet (their status comes from status.py). Belts are
run by their surface's transport lines (transport_lines.py), one machine for
them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .handwork import Handwork
from .inserting import Inserter
from .mining import MiningDrill
from .simulation import Machine, Simulation
from .smelting import Furnace

if TYPE_CHECKING:
    from .entity import Entity


def machine_for(entity: Entity, sim: Simulation) -> Machine | None:
    if entity.character is not None:
        return Handwork(entity, sim)
    burner = entity.burner
    if burner is None:
        return None
    if entity.type == "inserter" and entity.prototype.rotation_speed:
        return Inserter(entity, sim, burner)
    if not entity.prototype.energy_usage:
        return None
    if entity.type == "mining-drill":
        return MiningDrill(entity, sim, burner)
    if entity.type == "furnace" and any(i.name == "furnace_source" for i in entity.inventories.values()):
        return Furnace(entity, sim, burner)
    return None
