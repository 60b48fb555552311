"""A burner energy source: the fuel an entity holds and the item it is burning.

Every entity whose prototype has a burner energy source (stone furnace,
burner inserter, burner mining drill, boiler...) owns one; it shares the
entity's ``fuel`` and ``burnt_result`` inventories.

While its machine works (see simulation.py), each tick draws the machine's
``energy_usage`` / 60 joules, divided by the burner's ``effectivity``, from the
item burning; when what is left of it cannot pay for a tick, the next fuel item
is taken from the fuel inventory (its burnt result, if any, goes to the
burnt-result inventory), counted as consumed in the force's production
statistics, and what was left of the previous item carries over.

Simplifications, chosen as the most plausible reading of the game and easy to
change here: Factorio moves fuel energy through a buffer (``LuaEntity.energy``)
and a machine short of energy runs slower; here a tick runs at full speed when
the fuel pays for it and not at all otherwise, and ``energy`` shows one tick's
worth while the machine has fuel. A burner takes a new item only when its
machine needs energy to work, so an idle furnace keeps its coal in the slot.
Remaining fuel is kept as an exact fraction, so many ticks burnt at once equal
the same ticks burnt one by one; the API reads it as a float.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .errors import InvalidArgumentError
from .simulation import Machine, Simulation, exact

if TYPE_CHECKING:
    from ..gamedata import ItemPrototype
    from .entity import Entity
    from .inventory import Inventory


class Burner:
    #: The status a machine shows when it works, and when this source cannot pay for a tick.
    working_status = "working"
    out_of_energy = "no_fuel"

    __slots__ = (
        "owner",
        "inventory",
        "burnt_result_inventory",
        "fuel_categories",
        "_currently_burning",
        "_remaining_burning_fuel",
        "_heat",
    )

    def __init__(
        self,
        owner: Entity,
        inventory: Inventory,
        burnt_result_inventory: Inventory | None,
        fuel_categories: tuple[str, ...],
    ) -> None:
        self.owner = owner
        self.inventory = inventory
        self.burnt_result_inventory = burnt_result_inventory
        self.fuel_categories = fuel_categories
        self._currently_burning: ItemPrototype | None = None
        # Joules, exact: a whole number while it is one (most fuel values), kept as int for speed.
        self._remaining_burning_fuel: Fraction | int = 0
        self._heat = 0.0

    def __repr__(self) -> str:
        burning = self._currently_burning.name if self._currently_burning else None
        return f"<Burner burning={burning} remaining={self._remaining_burning_fuel}>"

    @property
    def valid(self) -> bool:
        return bool(self.owner.valid)

    def _sync(self) -> None:
        machine = self.owner.machine
        if machine is not None:
            machine.sync()

    @property
    def currently_burning(self) -> ItemPrototype | None:
        return self._currently_burning

    @currently_burning.setter
    def currently_burning(self, item: ItemPrototype | None) -> None:
        """Writing corrects the remaining fuel, as the API docs say: a fresh item burns from full."""
        if item is not None and item.fuel_category not in self.fuel_categories:
            raise InvalidArgumentError(f"{item.name} is not a fuel of categories {', '.join(self.fuel_categories)}")
        self._sync()
        self._currently_burning = item
        self._remaining_burning_fuel = _whole(Fraction(item.fuel_value)) if item is not None else 0
        self.owner.changed()

    @property
    def remaining_burning_fuel(self) -> float:
        self._sync()
        return float(self._remaining_burning_fuel)

    @remaining_burning_fuel.setter
    def remaining_burning_fuel(self, value: float) -> None:
        """Silently nothing without a burning item (API docs); otherwise kept within 0..the item's fuel value."""
        if self._currently_burning is None:
            return
        self._sync()
        bounded = min(max(0.0, float(value)), self._currently_burning.fuel_value)
        self._remaining_burning_fuel = _whole(Fraction(bounded))
        self.owner.changed()

    @property
    def heat(self) -> float:
        return self._heat

    @heat.setter
    def heat(self, value: float) -> None:
        # Factorio's bound, heat_capacity, is not modelled; only negatives are refused here.
        self._heat = max(0.0, float(value))

    # --- the simulation's use ------------------------------------------------

    def fuel_per_tick(self, energy_usage: float) -> Fraction | int:
        """The fuel energy one working tick burns for a machine using ``energy_usage`` watts."""
        return _whole(exact(energy_usage) / 60 / exact(self.owner.prototype.effectivity))

    def ticks_left(self, need: Fraction | int) -> int:
        """Working ticks the burning item still pays for before a new one must be taken."""
        return int(self._remaining_burning_fuel // need) if need > 0 else 2**62

    def burn(self, need: Fraction | int, ticks: int) -> None:
        """``ticks`` working ticks the burning item pays for (see :meth:`ticks_left`)."""
        self._remaining_burning_fuel -= need * ticks

    def draw(self, need: Fraction | int, consumed: Callable[[str], None]) -> str | None:
        """One working tick's fuel; None when paid, else the status that blocks it.

        Takes fuel items as needed; ``consumed`` is told of each item taken.
        """
        while self._remaining_burning_fuel < need:
            blocked = self._take_fuel(consumed)
            if blocked is not None:
                if self._remaining_burning_fuel == 0:
                    self._currently_burning = None
                return blocked
        self._remaining_burning_fuel -= need
        return None

    def _take_fuel(self, consumed: Callable[[str], None]) -> str | None:
        stack = next((s for s in self.inventory if s is not None), None)
        if stack is None:
            return "no_fuel"
        item = self.inventory.item(stack[0])
        if item.fuel_value <= 0:
            return "no_fuel"
        burnt = item.burnt_result
        if burnt is not None:
            out = self.burnt_result_inventory
            if out is None or out.get_insertable_count(burnt) < 1:
                return "full_burnt_result_output"
            out.insert(burnt, 1)
        self.inventory.remove(item.name, 1)
        consumed(item.name)
        self._currently_burning = item
        self._remaining_burning_fuel += _whole(Fraction(item.fuel_value))
        return None

    def start_burning(self, item: ItemPrototype, share: float) -> None:
        """The fuel a new entity is built with: ``item`` burning, ``share`` of its fuel value left
        (BurnerEnergySource ``initial_fuel`` and ``initial_fuel_percent``: a burner inserter's 25 % of a wood)."""
        self._currently_burning = item
        self._remaining_burning_fuel = _whole(Fraction(item.fuel_value) * exact(share))

    def exact_state(self) -> tuple[str | None, Fraction | int]:
        """The item burning and the exact energy left in it."""
        item = self._currently_burning
        return None if item is None else item.name, self._remaining_burning_fuel

    def steady_fuel(self) -> tuple[str, Fraction | int] | None:
        """The item burning and the energy left in it and in the fuel slot, when the slot holds only
        that item and it leaves no burnt result (what a cycle jump burns from, cycles.py); else None."""
        item = self._currently_burning
        if item is None or item.burnt_result is not None:
            return None
        count = 0
        for stack in self.inventory:
            if stack is not None:
                if stack[0] != item.name:
                    return None
                count += stack[1]
        return item.name, self._remaining_burning_fuel + count * _whole(Fraction(item.fuel_value))

    def steady_cycles(self, per_cycle: Fraction | int) -> int:
        """How many cycles burning ``per_cycle`` joules each it can pay for with its fuel slot never
        running empty, two cycles' fuel to spare (an empty slot changes what an inserter picks up)."""
        item = self._currently_burning
        if per_cycle < 0 or item is None or self.steady_fuel() is None:
            return 0
        if per_cycle == 0:
            return 2**62
        value = _whole(Fraction(item.fuel_value))
        spare = 1 + math.ceil(2 * per_cycle / value)
        count = self.inventory.get_item_count(item.name)
        if count < spare:
            return 0
        return int((self._remaining_burning_fuel + (count - spare) * value) // per_cycle)

    def burn_in_bulk(self, joules: Fraction | int, consumed: Callable[[str], None]) -> None:
        """Burn ``joules`` of working ticks at once, taking fuel items exactly as tick by tick: an item
        only when what is left cannot pay (so the fewest that cover it); within :meth:`steady_cycles`."""
        item = self._currently_burning
        if item is None or joules <= 0:
            return
        value = _whole(Fraction(item.fuel_value))
        taken = max(0, math.ceil((joules - self._remaining_burning_fuel) / value))
        if self.inventory.remove(item.name, taken) != taken:
            raise RuntimeError(f"a cycle jump found fewer than {taken} {item.name} in the fuel slot")
        for _ in range(taken):
            consumed(item.name)
        self._remaining_burning_fuel = _whole(Fraction(self._remaining_burning_fuel + taken * value - joules))

    def has_fuel(self) -> bool:
        """Something burning or something to burn."""
        return self._remaining_burning_fuel > 0 or not self.inventory.is_empty()

    def to_state(self) -> dict[str, object]:
        self._sync()
        remaining = Fraction(self._remaining_burning_fuel)
        return {
            "currently_burning": self._currently_burning.name if self._currently_burning else None,
            "remaining_burning_fuel": float(remaining),
            # Exact, so a loaded game burns exactly as the saved one would have.
            "remaining_burning_fuel_exact": [remaining.numerator, remaining.denominator],
            "heat": self._heat,
        }

    def load_state(self, state: dict[str, Any], items: Mapping[str, ItemPrototype]) -> None:
        name = state.get("currently_burning")
        self._currently_burning = items[str(name)] if name is not None else None
        saved = state.get("remaining_burning_fuel_exact")
        if saved is not None:
            self._remaining_burning_fuel = _whole(Fraction(int(saved[0]), int(saved[1])))
        else:
            self._remaining_burning_fuel = _whole(Fraction(float(state.get("remaining_burning_fuel") or 0.0)))
        self._heat = float(state.get("heat") or 0.0)


#: The states of a machine that works (at full or low power).
WORKING = frozenset({"working", "low_power"})


def _whole(value: Fraction) -> Fraction | int:
    """An int when the value is whole: int sums are several times faster than Fraction ones."""
    return value.numerator if value.denominator == 1 else value


class BurnerMachine(Machine):
    """A machine that burns fuel to move a progress from 0 to 1, then does its thing (mines, crafts).

    ``rate`` is the progress of one working tick, ``held`` what it made and could not put out yet.
    The ticks between two steps are plain when it is working, holds nothing and is :meth:`ready`:
    each burns one tick of fuel and adds ``rate``, up to the tick that takes a new fuel item or
    completes the progress.
    """

    __slots__ = ("burner", "need", "energy_per_tick", "_num", "_den", "_step", "_base", "held")

    def __init__(self, entity: Entity, sim: Simulation, burner: Any) -> None:
        super().__init__(entity, sim)
        # A Burner, or an electric one (power.ElectricSource) whose speed is its network's satisfaction.
        self.burner: Burner = burner
        if getattr(burner, "machine", False) is None:
            burner.machine = self
        self._base = Fraction(0)  # the rate at full speed
        self.need = burner.fuel_per_tick(entity.prototype.energy_usage or 0.0)
        self.energy_per_tick = float(self.need * exact(entity.prototype.effectivity))  # what ``energy`` shows
        # The progress is _num / _den and a working tick adds _step / _den: whole numbers, so the
        # ticks run at every step cost integer sums (the same exact values as fractions, faster).
        self._num, self._den, self._step = 0, 1, 0
        self.held: list[tuple[str, int]] = []

    @property
    def progress(self) -> Fraction:
        return Fraction(self._num, self._den)

    @progress.setter
    def progress(self, value: Fraction) -> None:
        self._rescale(value.denominator)
        self._num = value.numerator * (self._den // value.denominator)

    @property
    def rate(self) -> Fraction:
        """The progress of a working tick at full speed (an electric machine's is scaled by its power)."""
        return self._base

    @rate.setter
    def rate(self, value: Fraction) -> None:
        self._base = value
        scaled = value * self.speed()
        self._rescale(scaled.denominator)
        self._step = scaled.numerator * (self._den // scaled.denominator)

    def speed(self) -> Fraction | int:
        return getattr(self.burner, "speed", 1)

    def speed_changed(self) -> None:
        """Its electric network's satisfaction changed (it was synced first): go on at the new speed."""
        self.rate = self._base

    def demanding(self) -> bool:
        """Whether it asks for its working energy (awake and not stopped by a script)."""
        return not self.asleep and self.entity.active

    def scheduled(self) -> None:
        demand_changed = getattr(self.burner, "demand_changed", None)
        if demand_changed is not None:
            demand_changed()

    def _rescale(self, denominator: int) -> None:
        """Make ``_den`` a multiple of ``denominator``, keeping progress and rate."""
        if self._den % denominator:
            factor = math.lcm(self._den, denominator) // self._den
            self._num, self._den, self._step = self._num * factor, self._den * factor, self._step * factor

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"<{name} {self.entity.unit_number} {self.state} progress={float(self.progress):.3f}>"

    def ready(self) -> bool:
        """Whether what it works on is still there (checked before ticks are run in bulk)."""
        return True

    def holding(self) -> bool:
        """Whether something it made waits to be put out."""
        return bool(self.held)

    def stopped(self) -> bool:
        """A script stopped it (``active = false``): it sleeps until started."""
        if self.entity.active:
            return False
        self.sleep("disabled_by_script")
        return True

    def work(self) -> bool:
        """One working tick: pay its fuel and add ``rate``; True when the progress reached 1."""
        entity = self.entity
        blocked = self.burner.draw(self.need, self.fuel_consumed)
        if blocked is not None:
            entity.energy = 0.0
            self.sleep(blocked)
            return False
        entity.energy = self.energy_per_tick
        self.state = self.burner.working_status
        self._num += self._step
        if self._num < self._den:
            return False
        self._num -= self._den
        return True

    def plain_ticks(self) -> int:
        if self.state not in WORKING or self.held or not self.entity.active or not self.ready() or not self._step:
            return 0
        before_complete = -((self._num - self._den) // self._step) - 1  # ceil((den - num) / step) - 1
        return max(0, min(self.burner.ticks_left(self.need), before_complete))

    def run_plain(self, ticks: int) -> None:
        self.burner.burn(self.need, ticks)
        self._num += self._step * ticks

    def fuel_consumed(self, item: str) -> None:
        """A fuel item was taken: consumed in the statistics (not counted as a cycle's flow: a cycle
        jump burns its fuel itself, see cycles.py)."""
        self.sim.item_statistics(self.entity).on_flow(item, -1)

    # --- repeating cycles (cycles.py) ---------------------------------------------

    def cycle_phase(self) -> tuple[Any, ...]:
        return (self.progress, self.rate, tuple(self.held))

    def to_state(self) -> dict[str, Any]:
        return {
            "progress": [self.progress.numerator, self.progress.denominator],  # (in lowest terms)
            "held": [[name, count] for name, count in self.held],
        }

    def load_state(self, state: dict[str, Any]) -> None:
        numerator, denominator = state.get("progress", (0, 1))
        self.progress = Fraction(int(numerator), int(denominator))
        self.held = [(str(name), int(count)) for name, count in state.get("held", ())]
