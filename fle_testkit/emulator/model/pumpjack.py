"""A pumpjack at work (a :class:`~.mining.MiningDrill` whose products are fluid): crude oil into its segment.

A pumpjack is a mining drill (type ``mining-drill``, electric) over a resource whose
products are fluids. Its cycles run as a drill's: ``mining_speed / mining_time / 60`` of
progress a working tick (one cycle a second for vanilla's pumpjack on crude oil), at its
network's satisfaction. What a cycle gives, as the wiki's "Pumpjack" says and the resource
prototype's ``normal``, ``minimum`` and ``infinite_depletion_amount`` make it:

- an infinite resource yields ``amount / normal`` of the product's amount (crude oil: 10 units
  at 100 %, 300,000 being 100 %), and each cycle takes ``infinite_depletion_amount`` (10) of its
  amount, never below ``minimum`` (60,000: 20 %, 2 units a cycle): "1 % per 300 pumpjack cycles";
- a finite fluid resource (none on Nauvis) gives the product's amount and loses one unit a cycle;
- the units go into the pumpjack's fluid box segment (fluid_segments.py) at the fluid's default
  temperature and count as produced in the force's fluid production statistics.

Chosen where the game's behaviour is not documented: a cycle's units that do not fit are held and
the pumpjack waits (``waiting_for_space_in_destination``, as a drill whose output is blocked shows)
until its segment changes; the wiki's cap of 1,000 units a cycle (yield above 9,999 %) is not applied;
a product's ``amount_min``/``amount_max`` give their mean.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from . import control, research_triggers
from .fluid_segments import Amount, Held, held_from_state, held_to_state, whole
from .mining import MiningDrill

if TYPE_CHECKING:
    from .entity import Entity


def is_pumpjack(entity: Entity) -> bool:
    """A drill whose fluid boxes only give out (the pumpjack); an electric drill's box takes fluid in."""
    boxes = entity.prototype.fluid_boxes
    return bool(boxes) and all(c.flow_direction == "output" for b in boxes for c in b.pipe_connections)


def cycle_yield(resource: Entity) -> list[tuple[str, Amount]]:
    """The fluid units one cycle over ``resource`` gives, by fluid."""
    prototype = resource.prototype
    if prototype.minable is None:
        return []
    found = []
    for product in prototype.minable.products:
        if product.type != "fluid":
            continue
        if product.amount is not None:
            base = Fraction(repr(float(product.amount)))
        else:
            base = (Fraction(repr(float(product.amount_min or 0))) + Fraction(repr(float(product.amount_max or 0)))) / 2
        if prototype.infinite_resource and prototype.normal_resource_amount > 0:
            amount = max(resource.amount or 0, prototype.minimum_resource_amount)
            base = base * amount / prototype.normal_resource_amount
        if base > 0:
            found.append((product.name, whole(base)))
    return found


def deplete(resource: Entity) -> None:
    """One cycle's take of the resource's amount (an infinite one down to its minimum)."""
    prototype = resource.prototype
    if prototype.infinite_resource:
        left = (resource.amount or 0) - prototype.infinite_depletion_amount
        resource.amount = max(left, prototype.minimum_resource_amount, 1)
        return
    control.take_one(resource)


class Pumpjack(MiningDrill):
    __slots__ = ("fluid_held",)

    def __init__(self, entity: Entity, sim: Any, burner: Any) -> None:
        super().__init__(entity, sim, burner)
        self.fluid_held: Held = []  # what a cycle gave and its segment could not take yet

    def holding(self) -> bool:
        return bool(self.fluid_held)

    def _mine(self, target: Entity) -> None:
        self.mined += 1
        statistics = self.sim.fluid_statistics(self.entity)
        for name, units in cycle_yield(target):
            statistics.on_flow(name, float(units))
            fluid = self.sim.fluids.get(name)
            self.fluid_held.append((1, name, units, fluid.default_temperature if fluid is not None else 15.0))
        research_triggers.mined(self.sim, self.entity.force, target.name)  # (oil processing: mine crude oil)
        deplete(target)

    def _output(self) -> bool:
        if self.entity.surface.fluids.give_held(self.entity, self.fluid_held):
            return True
        self.sleep("waiting_for_space_in_destination")
        return False

    def to_state(self) -> dict[str, Any]:
        return {**super().to_state(), "fluid_held": held_to_state(self.fluid_held)}

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        self.fluid_held = held_from_state(state.get("fluid_held", ()))
