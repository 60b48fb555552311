"""A boiler at work (one :class:`~.simulation.Machine`): fuel and water into steam.

Each tick a boiler burns up to its ``energy_consumption`` / 60 (1.8 MW: 30 kJ a
tick) from its burner energy source, divided by the burner's effectivity, to heat
water from its input box's segment to the prototype's ``target_temperature``
(165 °C) as steam into its output box's segment. Heating one unit takes the output
fluid's ``heat_capacity`` x (target - input temperature): 200 J x 150 = 30 kJ, so a
boiler makes 1 steam a tick, 60/s, as the wiki says; it burns only for what it
makes, so a boiler short of water or room for steam makes less and burns less
(Factorio's boiler works the same way; its buffer of heat is not modelled).

The water boiled counts as consumed and the steam as produced in the force's fluid production
statistics. Statuses: ``no_input_fluid`` (no water), ``full_output`` (no room for steam),
``no_fuel``; each sleeps until the boiler's fuel or one of its segments changes.
Working, it steps every tick (see pumping.py for why).
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .fluid_segments import Amount, whole
from .simulation import Machine, Simulation, exact
from .steady_member import SteadyMember

if TYPE_CHECKING:
    from .burner import Burner
    from .entity import Entity


class Boiler(SteadyMember, Machine):
    __slots__ = (
        "made",
        "steady",
        "burner",
        "energy_per_tick",
        "target",
        "source",
        "output",
        "steam",
        "steam_temperature",
        "heat",
        "effectivity",
        "_at",
    )

    def __init__(self, entity: Entity, sim: Simulation, burner: Burner) -> None:
        super().__init__(entity, sim)
        prototype = entity.prototype
        self.burner = burner
        self.energy_per_tick = exact(prototype.energy_consumption or 0.0) / 60
        self.target = exact(prototype.target_temperature or 0.0)
        self.steam_temperature = float(self.target)
        boxes = prototype.fluid_boxes
        self.source = next(i for i, b in enumerate(boxes, start=1) if b.production_type == "input")
        self.output = next(i for i, b in enumerate(boxes, start=1) if b.production_type == "output")
        self.steam = boxes[self.output - 1].filter or "steam"
        self.heat = exact(sim.fluids[self.steam].heat_capacity) if self.steam in sim.fluids else Fraction(0)
        self.effectivity = exact(prototype.effectivity)
        # For the last input temperature seen: (temperature, joules a unit, units a full tick, its fuel).
        self._at: tuple[float, Amount, Amount, Amount] | None = None
        self.made: tuple[Amount, Amount] = (0, 0)  # (steam, fuel) of its last working step
        self.steady: Any = None  # the steady steam plant it is in (steady_steam.py)

    def plain_ticks(self) -> int:
        return self.steady_ticks()

    def run_plain(self, ticks: int) -> None:
        self.run_steady(ticks)

    def _rates(self, temperature: float) -> tuple[float, Amount, Amount, Amount]:
        """Worked out once per input temperature (Fractions are slow; the water's is nearly always 15)."""
        at = self._at
        if at is None or at[0] != temperature:
            per_unit = (self.target - exact(temperature)) * self.heat
            full = self.energy_per_tick / per_unit if per_unit > 0 else Fraction(0)
            fuel = full * per_unit / self.effectivity
            at = self._at = (temperature, whole(per_unit), whole(full), whole(fuel))
        return at

    def step(self, tick: int) -> None:
        self.steady_over(tick)
        entity = self.entity
        if not entity.active:
            self.sleep("disabled_by_script")
            return
        segments = entity.surface.fluids
        water = segments.segment(entity, self.source)
        steam = segments.segment(entity, self.output)
        _, per_unit, units, need = self._rates(water.temperature)
        if water.amount <= 0 or per_unit <= 0:
            self.sleep("no_input_fluid")
            return
        room = steam.capacity - steam.amount
        if units > water.amount or units > room:  # short of water or of room: a part of a tick's steam
            units = whole(min(units, water.amount, room))
            need = whole(units * per_unit / self.effectivity)
        if units <= 0 or not steam.accepts(self.steam):
            self.sleep("full_output")
            return
        blocked = self.burner.draw(need, self._burnt)
        if blocked is not None:
            entity.energy = 0.0
            self.sleep(blocked)
            return
        entity.energy = float(need)
        self.made = (units, need)
        statistics = self.sim.fluid_statistics(entity)
        if water.fluid is not None:
            statistics.on_flow(water.fluid, -float(units))
        segments.take(entity, self.source, units)
        segments.give(entity, self.output, self.steam, units, self.steam_temperature)
        statistics.on_flow(self.steam, float(units))
        self.state = "working"

    def waits_on_fluid(self) -> bool:
        # Out of fuel, only fuel unblocks it (a change of its fuel inventory wakes it): the steam its
        # engines draw every tick would wake it for nothing, and it would read as working meanwhile.
        return self.state != "no_fuel"

    def _burnt(self, item: str) -> None:
        self.statistics().on_flow(item, -1)
