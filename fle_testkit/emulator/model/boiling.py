"""A boiler at work (one :class:`~.simulation.Machine`): fuel and water into steam.

Each tick a boiler burns up to its ``energy_consumption`` / 60 (1.8 MW: 30 kJ a
tick) from its burner energy source, divided by the burner's effectivity, to heat
water from its input box's segment to the prototype's ``target_temperature``
(165 °C) as steam into its output box's segment. Heating one unit takes the output
fluid's ``heat_capacity`` x (target - input temperature): 200 J x 150 = 30 kJ, so a
boiler makes 1 steam a tick, 60/s, as the wiki says; it burns only for what it
makes, so a boiler short of water or room for steam makes less and burns less
(Factorio's boiler works the same way; its buffer of heat is not modelled).

Statuses: ``no_input_fluid`` (no water), ``full_output`` (no room for steam),
``no_fuel``; each sleeps until the boiler's fuel or one of its segments changes.
Working, it steps every tick (see pumping.py for why).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .simulation import Machine, Simulation, exact

if TYPE_CHECKING:
    from .burner import Burner
    from .entity import Entity


class Boiler(Machine):
    __slots__ = ("burner", "energy_per_tick", "target", "source", "output", "steam")

    def __init__(self, entity: Entity, sim: Simulation, burner: Burner) -> None:
        super().__init__(entity, sim)
        prototype = entity.prototype
        self.burner = burner
        self.energy_per_tick = exact(prototype.energy_consumption or 0.0) / 60
        self.target = exact(prototype.target_temperature or 0.0)
        boxes = prototype.fluid_boxes
        self.source = next(i for i, b in enumerate(boxes, start=1) if b.production_type == "input")
        self.output = next(i for i, b in enumerate(boxes, start=1) if b.production_type == "output")
        self.steam = boxes[self.output - 1].filter or "steam"

    def step(self, tick: int) -> None:
        entity = self.entity
        if not entity.active:
            self.sleep("disabled_by_script")
            return
        segments = entity.surface.fluids
        water = segments.segment(entity, self.source)
        steam = segments.segment(entity, self.output)
        heat = self.sim.fluids[self.steam].heat_capacity
        per_unit = (self.target - exact(water.temperature)) * exact(heat)
        if water.amount <= 0 or per_unit <= 0:
            self.sleep("no_input_fluid")
            return
        units = min(self.energy_per_tick / per_unit, water.amount, steam.room)
        if units <= 0 or not steam.accepts(self.steam):
            self.sleep("full_output")
            return
        need = units * per_unit / exact(entity.prototype.effectivity)
        blocked = self.burner.draw(need.numerator if need.denominator == 1 else need, self._burnt)
        if blocked is not None:
            entity.energy = 0.0
            self.sleep(blocked)
            return
        entity.energy = float(need)
        segments.take(entity, self.source, units)
        segments.give(entity, self.output, self.steam, units, float(self.target))
        self.state = "working"

    def _burnt(self, item: str) -> None:
        self.statistics().on_flow(item, -1)
