"""A pump at work (one :class:`~.simulation.Machine`): fluid from the segment behind it into the one ahead.

A pump's one fluid box takes fluid in on its input side and gives it out on its output side
(fluids.one_way): its box is part of the segment ahead, and the segment behind it is another
one, which it draws from (fluid_segments.py wakes it when that segment changes). Each tick it
moves up to its prototype's ``pumping_speed`` (20 units: 1,200/s) times its network's
satisfaction, as much as the segment behind holds and the one ahead has room for, at the fluid's
temperature. It is electric (30 kW with its 1 kW drain, power.py) and steps every tick while it
moves fluid (see pumping.py for why). A segment ahead holding another fluid takes none.

Statuses, chosen where 2.0's are not documented for a pump: ``no_input_fluid`` with nothing behind
it, ``full_output`` with no room ahead, ``no_power`` unpowered, ``working``/``low_power`` moving.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import fluids
from .burner import BurnerMachine
from .fluid_segments import whole
from .simulation import Simulation, exact

if TYPE_CHECKING:
    from .entity import Entity


class Pump(BurnerMachine):
    __slots__ = ("pumping",)

    def __init__(self, entity: Entity, sim: Simulation, source: Any) -> None:
        super().__init__(entity, sim, source)
        self.pumping = exact(entity.prototype.pumping_speed or 0.0)  # units a tick at full power

    def step(self, tick: int) -> None:
        if self.stopped():
            return
        entity = self.entity
        speed = self.speed()
        if not self.burner.has_fuel() or speed <= 0:
            entity.energy = 0.0
            self.sleep(self.burner.out_of_energy)
            return
        segments = entity.surface.fluids
        place: Any = entity.surface  # (what model/fluids.py searches, as fluid_segments.py passes it)
        behind = fluids.input_target(entity, 1, place)
        if behind is None:
            self.sleep("no_input_fluid")
            return
        source = segments.segment(behind.owner, behind.box)
        if source.amount <= 0 or source.fluid is None:
            self.sleep("no_input_fluid")
            return
        ahead = segments.segment(entity, 1)
        amount = min(self.pumping * speed, source.amount, ahead.room)
        if amount <= 0 or not ahead.accepts(source.fluid):
            self.sleep("full_output")
            return
        fluid, temperature = source.fluid, source.temperature
        taken = segments.take(behind.owner, behind.box, whole(amount), fluid)
        segments.give(entity, 1, fluid, taken, temperature)
        entity.energy = self.energy_per_tick
        self.state = self.burner.working_status
