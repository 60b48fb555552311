"""Which entities the tick simulation runs, and as what kind of machine.

Burner mining drills, burner furnaces, burner inserters, characters (their
crafting queue and mining, handwork.py), offshore pumps (pumping.py) and boilers
(boiling.py) so far; pipes, pipe-to-ground and storage tanks only hold fluid
(fluid_segments.py). Pumps need power, which does not flow yet: they get no machine. Electric machines (electric
inserters too) wait for the power simulation, belts for theirs: they get no
machine, so nothing of them changes with time yet (their status comes from
status.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .boiling import Boiler
from .handwork import Handwork
from .inserting import Inserter
from .mining import MiningDrill
from .pumping import OffshorePump
from .simulation import Machine, Simulation
from .smelting import Furnace

if TYPE_CHECKING:
    from .entity import Entity


def machine_for(entity: Entity, sim: Simulation) -> Machine | None:
    if entity.character is not None:
        return Handwork(entity, sim)
    if entity.type == "offshore-pump" and entity.prototype.pumping_speed:
        return OffshorePump(entity, sim)
    burner = entity.burner
    if burner is None:
        return None
    if entity.type == "boiler" and entity.prototype.energy_consumption and entity.prototype.target_temperature:
        return Boiler(entity, sim, burner)
    if entity.type == "inserter" and entity.prototype.rotation_speed:
        return Inserter(entity, sim, burner)
    if not entity.prototype.energy_usage:
        return None
    if entity.type == "mining-drill":
        return MiningDrill(entity, sim, burner)
    if entity.type == "furnace" and any(i.name == "furnace_source" for i in entity.inventories.values()):
        return Furnace(entity, sim, burner)
    return None
