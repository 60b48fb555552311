"""A lab at work (one :class:`~.simulation.Machine`): it researches its force's current research.

A unit of a technology takes one of each ``unit.ingredients`` pack (times its
amount) from the lab's input when it starts, then ``unit.time`` seconds at
``researching_speed`` 1: a working tick adds ``researching_speed / unit.time / 60``
(times the network's satisfaction) to the unit's progress. A finished unit adds
``1 / unit count`` to the technology's saved progress (``LuaForce.research_progress``
adds what the units under way have made, :func:`under_way`);
the last one researches it: its recipes are unlocked, it leaves the queue (the
next entry becomes the current research) and the world queues
``on_research_finished`` for the level to raise after the ticks it runs.

Choices where the game's exact behaviour is not known, easy to change here:
Factorio spends a pack's durability over the unit, here the packs go when the
unit starts; a unit under way when the research changes is credited to the
technology it began for (if it is still unresearched). A lab without a current
research sleeps until its force's research changes (research.wake_key). Statuses: ``no_research_in_progress``, ``missing_science_packs``,
``no_power``, ``low_power``, ``working``.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .burner import BurnerMachine
from .research import wake_key
from .simulation import Simulation, exact

if TYPE_CHECKING:
    from .entity import Entity
    from .force import Technology
    from .inventory import Inventory


class Lab(BurnerMachine):
    __slots__ = ("packs", "technology")

    def __init__(self, entity: Entity, sim: Simulation, source: Any) -> None:
        super().__init__(entity, sim, source)
        self.packs: Inventory = next(i for i in entity.inventories.values() if i.name == "lab_input")
        self.technology: Technology | None = None  # the technology of the unit under way

    def step(self, tick: int) -> None:
        if self.stopped():
            return
        if self.technology is None and not self._start():
            return
        if self.work():
            self._finish_unit()

    def demanding(self) -> bool:
        """Researching a unit: a lab looking for a research asks for its drain only."""
        return super().demanding() and self.technology is not None

    def ready(self) -> bool:
        return self.technology is not None

    def _start(self) -> bool:
        current = self.entity.force.research.current
        unit = None if current is None else current.prototype.unit
        if current is None or unit is None:
            self.sleep("no_research_in_progress", (wake_key(self.entity.force.index),))
            return False
        for name, amount in unit.ingredients:
            if self.packs.get_item_count(name) < amount:
                self.sleep("missing_science_packs")
                return False
        if not self.burner.has_fuel():
            self.sleep(self.burner.out_of_energy)
            return False
        statistics = self.statistics()
        for name, amount in unit.ingredients:
            self.packs.remove(name, amount)
            statistics.on_flow(name, -amount)
        self.technology = current
        self.progress = Fraction(0)
        self.rate = exact(self.entity.prototype.researching_speed or 1.0) / exact(unit.time) / 60
        return True

    def _finish_unit(self) -> None:
        technology, self.technology = self.technology, None
        if technology is None or technology.researched:
            return
        count = units(technology)
        # saved_progress is a float in the model; a unit adds exactly 1/count, read back rounded.
        done = round(technology.saved_progress * count) + 1
        if done >= count:
            technology.researched = True  # (unlocks its recipes, leaves the queue)
            self.entity.force.research.previous = technology
            finished = self.sim.cache.setdefault("research-finished", [])
            finished.append((self.sim.now, technology))
        else:
            technology.saved_progress = done / count

    def to_state(self) -> dict[str, Any]:
        technology = self.technology
        return {**super().to_state(), "technology": None if technology is None else technology.name}

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        name = state.get("technology")
        if name is not None:
            self.technology = self.entity.force.technology(str(name))
            unit = self.technology.prototype.unit
            if unit is not None:
                self.rate = exact(self.entity.prototype.researching_speed or 1.0) / exact(unit.time) / 60


def units(technology: Technology) -> int:
    """The units a technology takes: its unit count (a count formula at its level is not evaluated: 1)."""
    unit = technology.prototype.unit
    if unit is None or unit.count is None:
        return 1
    return int(unit.count)


def under_way(machines: Iterable[object], technology: Technology) -> Fraction:
    """The share of ``technology`` the units labs are researching make so far (LuaForce.research_progress
    grows while labs work, as the game's research bar does, not only when a unit ends)."""
    found = Fraction(0)
    for machine in machines:
        if isinstance(machine, Lab) and machine.technology is technology:
            machine.sync()
            found += machine.progress
    return found / units(technology)
