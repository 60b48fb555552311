"""Which entities the tick simulation runs, and as what kind of machine.

Burner and electric mining drills, burner furnaces, burner and electric
inserters, assembling machines, labs, characters (their crafting queue and
mining, handwork.py), the members of electric networks that give or store
power (solar panels, steam engines, accumulators: power.py), offshore pumps
(pumping.py), boilers (boiling.py) and pumpjacks (pumpjack.py); pipes, pipe-to-ground and storage tanks
only hold fluid (fluid_segments.py). An electric machine's energy source is a
:class:`~.power.ElectricSource` where a burner one's is its
:class:`~.burner.Burner`. Belts are run by their surface's transport lines
(transport_lines.py, splitters.py), one machine for them all. Pumps move fluid from one
segment to the next (pump.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .assembling import AssemblingMachine
from .boiling import Boiler
from .handwork import Handwork
from .inserting import Inserter
from .lab import Lab
from .mining import MiningDrill
from .power import Accumulator, ElectricSource, SolarPanel, SteamEngine
from .pump import Pump
from .pumping import OffshorePump
from .pumpjack import Pumpjack, is_pumpjack
from .simulation import Machine, Simulation
from .smelting import Furnace

if TYPE_CHECKING:
    from .entity import Entity

#: Electric entities that give or store power, by type.
POWER_MACHINES = {"solar-panel": SolarPanel, "generator": SteamEngine, "accumulator": Accumulator}


def machine_for(entity: Entity, sim: Simulation) -> Machine | None:
    if entity.character is not None:
        return Handwork(entity, sim)
    prototype = entity.prototype
    if entity.type == "offshore-pump" and prototype.pumping_speed:
        return OffshorePump(entity, sim)
    kind = POWER_MACHINES.get(entity.type)
    if kind is not None and prototype.energy_source == "electric":
        return kind(entity, sim)
    source = entity.burner if prototype.energy_source != "electric" else ElectricSource(entity)
    if source is None:
        return None
    if entity.type == "boiler" and prototype.energy_consumption and prototype.target_temperature:
        return Boiler(entity, sim, entity.burner) if entity.burner is not None else None
    if entity.type == "pump" and prototype.pumping_speed:
        return Pump(entity, sim, source)
    if entity.type == "inserter" and prototype.rotation_speed:
        return Inserter(entity, sim, source)
    if not prototype.energy_usage:
        return None
    if entity.type == "mining-drill":
        return Pumpjack(entity, sim, source) if is_pumpjack(entity) else MiningDrill(entity, sim, source)
    if entity.type == "furnace" and any(i.name == "furnace_source" for i in entity.inventories.values()):
        return Furnace(entity, sim, source)
    if entity.type == "assembling-machine" and not prototype.fixed_recipe:
        return AssemblingMachine(entity, sim, source)
    if entity.type == "lab":
        return Lab(entity, sim, source)
    return None
