"""Electricity: the energy solve of each electric network, and the energy sources of its members.

electric.py says which network an entity is on; this module moves the energy.
Each network is solved when what it asks or offers changes, not every tick:
between two solves every tick moves the same energy (rates are exact
fractions), so the ticks between run in bulk as the simulation's plain ticks
do, a solve costs a pass over the network's generators and accumulators, and an
idle network (every consumer asleep, no accumulator filling or emptying) costs
nothing. A tick-by-tick solve would give the same numbers.

The rules followed (Factorio 2.0 as the wiki's Electric system and Accumulator
pages and the prototype docs describe them; per tick, energies in joules):

- a consumer asks ``energy_usage / 60`` while it works (an inserter: its swing's energy,
  see inserting.py) plus its ``drain / 60`` always; a crafting machine whose energy source
  names no drain drains ``energy_usage / 30`` (the wiki's 75 kW + 2.5 kW for an assembling
  machine 1; assumed to be the engine's default for crafting machines only);
- generators offer what they can (worked out when the network is rebuilt): a solar panel its ``production`` times the surface's
  daylight (FLE keeps ``always_day``: full; with a day-night cycle the light is read when the
  network is solved, not followed through the day: a simplification), a steam engine what
  the steam on its fluid segment lets it give this tick (:meth:`SteamEngine.steam_power`, worked
  out again each tick while its network draws steam, :meth:`PowerNetwork.steam_step`);
- priorities (wiki, "Power production/Dealing with priorities": solar panel, then steam engine,
  then accumulator; the prototypes' ``usage_priority`` "solar" and "secondary-output" agree):
  solar panels are used first, then steam engines (which "slow down so that no power is wasted",
  wiki "Electric system"; engines share what is left in proportion to what each offers:
  assumed), then accumulators;
  accumulators charge only from what is left once every consumer is served, each up to its
  ``input_flow_limit / 60`` and its room, and discharge to cover what generators cannot, each up
  to its ``output_flow_limit / 60`` and its charge; shares among accumulators are equal
  (assumed: the game's exact split is not documented);
- a steam engine draws the steam for the energy the network takes of it, ``energy / ((temperature
  - 15 °C) x heat capacity x effectivity)`` units, from its segment through
  :func:`~.fluid_segments.take`: the tick after the energy was accounted (the accounting is exact
  between solves; the steam follows it);
- energy "is evenly distributed to all machines in the network" (wiki, "Electric system"):
  one satisfaction for every consumer of a network;
- satisfaction = supplied / demanded (at most 1); every consumer's speed is scaled by it and
  it shows ``working`` at 1, ``low_power`` below, and ``no_power`` at 0 or off every network;
- the network's ``electric_network_statistics`` count joules: consumers' use as output per
  prototype, generators' production as input, accumulators' charge as output and their
  discharge as input (2.0 shows accumulators on both sides).

Assumed, not confirmed: a consumer's electric buffer is not modelled (it takes each tick
what the solve gives it, ``LuaEntity.energy`` shows that tick's share); a change of demand
found in a machine's step applies from that tick on. For steam engines (the game's own order
within a tick is not documented): an engine's offer is the steam on its whole segment (not its
box's share of it: engines sharing a segment split it by their usage), worked out when its
network's steam step runs, so steam a boiler makes later in the tick is offered the next tick;
the steam for a tick's energy is taken at the next steam step, so a segment holds it meanwhile;
engines sharing a segment across two networks each offer their share as if alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from . import steady_steam
from .fluid_segments import take, whole
from .simulation import Machine, Simulation, exact
from .steady_member import SteadyMember

if TYPE_CHECKING:
    from .entity import Entity
    from .statistics import FlowStatistics

FOREVER = 2**62
#: Crafting machines drain this share of their energy_usage when their energy source names no drain.
CRAFTING_DRAIN_SHARE = Fraction(1, 30)
CRAFTING_TYPES = frozenset({"assembling-machine", "furnace", "rocket-silo"})


def drain_per_tick(prototype: Any) -> Fraction:
    if prototype.electric_drain is not None:
        return exact(prototype.electric_drain) / 60
    if prototype.type in CRAFTING_TYPES and prototype.energy_usage:
        return exact(prototype.energy_usage) * CRAFTING_DRAIN_SHARE / 60
    return Fraction(0)


class ElectricSource:
    """A consumer's electric energy source; stands where a :class:`~.burner.Burner` does for a machine.

    Its ``speed`` is its network's satisfaction (0 off every network); the network accounts the
    energy, so burning is nothing here.
    """

    __slots__ = ("owner", "machine", "network", "speed", "demand", "drain")

    inventory = None  # (no fuel slots: an electric inserter never feeds itself)
    out_of_energy = "no_power"

    def __init__(self, owner: Entity) -> None:
        self.owner = owner
        self.machine: Any = None  # the consumer machine, set by it
        self.network: PowerNetwork | None = None
        self.speed = Fraction(0)
        self.demand = Fraction(0)  # joules a tick it asks of its network now
        self.drain = drain_per_tick(owner.prototype)

    @property
    def working_status(self) -> str:
        return "working" if self.speed >= 1 else "low_power"

    def fuel_per_tick(self, energy_usage: float) -> Fraction | int:
        return exact(energy_usage) / 60

    def ticks_left(self, need: Fraction | int) -> int:
        return FOREVER if self.speed > 0 else 0

    def burn(self, need: Fraction | int, ticks: int) -> None:
        pass  # (the network counts what its consumers take)

    def draw(self, need: Fraction | int, consumed: Any) -> str | None:
        return None if self.speed > 0 else "no_power"

    def has_fuel(self) -> bool:
        return self.speed > 0

    def asks(self) -> Fraction:
        """What it asks a tick: its drain, and its working energy while its machine works or is about to."""
        machine = self.machine
        working = machine is not None and machine.demanding()
        return self.drain + (Fraction(machine.need) if working else 0)

    def demand_changed(self) -> None:
        network = self.network
        if network is not None:
            asks = self.asks()
            if asks != self.demand:
                network.set_demand(self, asks)


class GeneratorMachine(Machine):
    """A generator: what it can give a tick (:meth:`available`); its network's solve takes from its
    generators by priority tier, in proportion to what each offers within a tier. A solar panel never
    steps by itself after its first step; a steam engine steps while its network draws steam (a
    generator whose offer changes tells its network, :meth:`PowerNetwork.offers_changed`).

    On no network it shows ``not_plugged_in_electric_network`` whatever it could give (the define's
    documented users are generators and solar panels; FLE's tests expect it of a steam engine fed with
    steam and no pole): set again each time the networks are rebuilt."""

    __slots__ = ("network",)

    def __init__(self, entity: Entity, sim: Simulation) -> None:
        super().__init__(entity, sim)
        self.network: PowerNetwork | None = None

    def step(self, tick: int) -> None:
        self.sleep(self.status())

    def status(self) -> str:
        return "working" if self.network is not None else "not_plugged_in_electric_network"

    def available(self) -> Fraction:
        raise NotImplementedError

    def generated_last_tick(self) -> Fraction:
        """Joules it gave its network in the last tick: its offer times its tier's used share (0 off every
        network). LuaEntity reads it as ``energy_generated_last_tick`` and as the energy in its buffer."""
        network = self.network
        return Fraction(0) if network is None else network.generating(self)


class SolarPanel(GeneratorMachine):
    __slots__ = ()

    def available(self) -> Fraction:
        return exact(self.entity.prototype.production or 0.0) / 60 * daylight(self.entity.surface)

    def status(self) -> str:
        if self.network is None:
            return "not_plugged_in_electric_network"
        return "working" if self.available() > 0 else "no_power"


class SteamEngine(SteadyMember, GeneratorMachine):
    """A steam engine: up to ``fluid_usage_per_tick`` units of its box's steam a tick, each giving
    ``(temperature - the steam's default) x heat capacity x effectivity`` joules, the temperature capped
    at its ``maximum_temperature``: 30 kJ a unit of 165 °C steam, 900 kW at full use (FluidPrototype: 200 J/°C).

    What it offers its network (:attr:`offer`) is worked out at its network's steam step
    (:meth:`PowerNetwork.steam_step`) from the steam on its segment, shared with the segment's other
    engines by their usage (:attr:`units` a tick); the network's solve sets the share of its offer its
    network uses, and the units that share owes accrue until the next steam step takes them through
    :func:`~.fluid_segments.take`. So steam is drawn one tick behind the energy it paid for, as
    exactly as the energy is accounted. While its network draws steam, the network's first engine
    steps every tick and runs the steam step for all of them (a boiler and its engines change one
    segment tick by tick, see pumping.py); the others sleep, and every engine sleeps while nothing is
    drawn, until its segment changes or its network gives it a share.
    """

    __slots__ = (
        "offer",
        "units",
        "owed",
        "per_unit",
        "_usage",
        "_hot",
        "_heat",
        "_cold",
        "_at",
        "_sharing",
        "steady",
        "seen",
    )

    def __init__(self, entity: Entity, sim: Simulation) -> None:
        super().__init__(entity, sim)
        prototype = entity.prototype
        self.offer = Fraction(0)  # joules a tick it offers its network, from its last steam step
        self.units = Fraction(0)  # units of steam a tick its offer stands for (offer = units x per_unit)
        self.owed: Fraction | int = 0  # units of steam paid for by energy accounted, not yet taken
        self.per_unit = Fraction(0)  # joules a unit of the steam its offer was worked out from
        steam = sim.fluids.get(prototype.fluid_boxes[0].filter or "steam")
        self._usage = exact(prototype.fluid_usage_per_tick or 0.0)  # units a tick at full power
        self._hot = exact(prototype.maximum_temperature or 0.0)
        effectivity = exact(prototype.generator_effectivity or 1.0)
        self._heat = exact(steam.heat_capacity) * effectivity if steam is not None else Fraction(0)
        self._cold = exact(steam.default_temperature) if steam is not None else Fraction(0)
        self._at: tuple[float, Fraction] = (float("nan"), Fraction(0))  # (temperature, joules a unit)
        self._sharing: tuple[Any, int, Fraction] | None = None  # (segment, grid version, usage of its engines)
        self.steady: Any = None  # the steady steam plant whose ticks it runs in bulk (steady_steam.py)
        self.seen: tuple[int, Any] | None = None  # (tick, what its plant did in it): steady_steam.plan

    def plain_ticks(self) -> int:
        return self.steady_ticks()

    def run_plain(self, ticks: int) -> None:
        self.run_steady(ticks)

    def energy_per_unit(self, temperature: Fraction) -> Fraction:
        """Joules one unit of steam at ``temperature`` gives (capped at the engine's maximum temperature)."""
        return max(Fraction(0), (min(temperature, self._hot) - self._cold) * self._heat)

    def usage(self) -> Fraction:
        """Units of steam a tick at full power."""
        return self._usage

    def max_power(self) -> Fraction:
        """Joules a tick at full steam of the engine's maximum temperature (the engine's 900 kW / 60)."""
        return self._usage * self.energy_per_unit(self._hot)

    def steam_power(self) -> Fraction:
        """Joules a tick the steam on its segment lets it give now: its share of the segment's steam (by
        usage, among the segment's engines on a network), at most a tick's usage, times a unit's energy."""
        entity = self.entity
        segment = entity.surface.fluids.segment(entity, 1)
        box = entity.prototype.fluid_boxes[0]
        self.units = self.per_unit = Fraction(0)
        if segment.amount <= 0 or segment.fluid is None or (box.filter is not None and segment.fluid != box.filter):
            return self.units
        temperature = segment.temperature
        if box.minimum_temperature is not None and temperature < box.minimum_temperature:
            return self.units
        at = self._at
        if at[0] != temperature:  # (worked out once per temperature: nearly always the boiler's 165)
            at = self._at = (temperature, self.energy_per_unit(exact(temperature)))
        self.per_unit = at[1]
        usage = self._usage
        wanted = self._wanted(segment)
        self.units = usage if segment.amount >= wanted else segment.amount * usage / wanted
        return self.units * self.per_unit

    def _wanted(self, segment: Any) -> Fraction:
        """Units a tick the segment's engines on a network use at full power (kept while the segment and
        the electric networks stand)."""
        version = self.sim.power.version if self.sim.power is not None else 0
        sharing = self._sharing
        if sharing is None or sharing[0] is not segment or sharing[1] != version:
            engines = [m for m in (e.machine for e in segment.entities) if type(m) is SteamEngine and m.network]
            wanted = sum((m._usage for m in engines), Fraction(0)) or self._usage
            sharing = self._sharing = (segment, version, wanted)
        return sharing[2]

    def available(self) -> Fraction:
        return self.offer

    def waits_on_fluid(self) -> bool:
        # On no network it draws nothing, whatever its steam; while its network draws, the network's
        # steam step reads every engine's segment each tick anyway.
        network = self.network
        return network is not None and not network.drawing

    def buffered(self) -> Fraction:
        """Joules in its buffer as LuaEntity.energy reads it: on a network, what it gave in the last tick;
        on none, a full buffer (a tick's full output, electric_buffer.py) as far as its steam fills it.

        Not documented: FLE 0.4.3's tests, written against 2.0, expect a steam engine fed with steam and
        joined to no pole to show energy above 0 (tests/connect/test_fluid_handlers.py:30-51,
        tests/connect/test_connect_poles.py:307-353), as a generator that fills its buffer whatever
        draws on it would. Assumed, and kept to what is read: the steam that fill would take (half a
        unit an engine) stays on the segment, and the buffer is not handed to a network joined later.
        """
        if self.network is not None:
            return self.generated_last_tick()
        saved = (self.units, self.per_unit)
        try:
            return min(self.max_power(), self.steam_power())
        finally:
            self.units, self.per_unit = saved

    def step(self, tick: int) -> None:
        self.steady_over(tick)
        network = self.network
        if network is None:
            self.offer = Fraction(0)
            self.sleep("not_plugged_in_electric_network")
            return
        network.steam_step(tick)
        if network.drawing and network.engines[0] is self:
            self.state = self.status()
            steady_steam.plan(self, tick)
        else:
            self.sleep(self.status())

    def status(self) -> str:
        if self.network is None:
            return "not_plugged_in_electric_network"
        return "working" if self.offer > 0 else "no_input_fluid"

    def to_state(self) -> dict[str, Any]:
        if self.network is not None:
            self.network.settle_steam()
        return {
            "offer": _pair(self.offer),
            "owed": _pair(Fraction(self.owed)),
            "per_unit": _pair(self.per_unit),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self.offer = _unpair(state.get("offer"))
        self.owed = whole(_unpair(state.get("owed")))
        self.per_unit = _unpair(state.get("per_unit"))


def _take_owed(engines: list[SteamEngine]) -> None:
    """The steam the engines owe, taken from their segments: once a segment, what its engines owe together."""
    owed: dict[int, tuple[SteamEngine, Fraction | int]] = {}
    for engine in engines:
        if engine.owed > 0:
            entity = engine.entity
            key = id(entity.surface.fluids.segment(entity, 1))
            first, total = owed.get(key, (engine, 0))
            owed[key] = (first, whole(total + engine.owed))
            engine.owed = 0
    for first, total in owed.values():
        take(first.entity, 1, total, first.entity.prototype.fluid_boxes[0].filter)


def _pair(value: Fraction) -> list[int]:
    return [value.numerator, value.denominator]


def _unpair(pair: Any) -> Fraction:
    if not pair:
        return Fraction(0)
    return Fraction(int(pair[0]), int(pair[1]))


class Accumulator(Machine):
    """An accumulator: its charge (exact joules), filled or emptied at the rate its network's solve set.

    It steps when it becomes full or empty (its network solves again then) and sleeps while idle.
    """

    __slots__ = ("charge", "rate", "capacity", "network", "_takes", "_gives")

    def __init__(self, entity: Entity, sim: Simulation) -> None:
        super().__init__(entity, sim)
        prototype = entity.prototype
        self.charge = Fraction(0)
        self.rate = Fraction(0)  # joules a tick: positive charging, negative discharging
        self.capacity = exact(prototype.buffer_capacity or 0.0)
        self._takes = exact(prototype.input_flow_limit or 0.0) / 60
        self._gives = exact(prototype.output_flow_limit or 0.0) / 60
        self.network: PowerNetwork | None = None

    def limits(self) -> tuple[Fraction, Fraction]:
        """Joules it may take and give this tick (flow limits, room, charge)."""
        return min(self._takes, self.capacity - self.charge), min(self._gives, self.charge)

    def step(self, tick: int) -> None:
        network = self.network
        if network is not None:
            network.solve()
        if self.rate == 0:
            self.sleep("working")

    def plain_ticks(self) -> int:
        """Up to the tick it is full or empty (its charge is its network's as of the network's ``synced``)."""
        network = self.network
        if network is None or self.rate == 0:
            return FOREVER
        left = self.capacity - self.charge if self.rate > 0 else self.charge
        return max(0, network.synced + int(left // abs(self.rate)) - self.synced)

    def run_plain(self, ticks: int) -> None:
        pass  # (its network moves the charge when it accounts its ticks)

    def sync(self) -> None:
        network = self.network
        if network is not None:
            network.advance()
        self.synced = self.sim.now
        self.entity.energy = float(self.charge)  # (LuaEntity.energy reads an accumulator's charge)

    def set_charge(self, joules: float) -> None:
        """A script wrote ``LuaEntity.energy``: the charge, within 0..its capacity; its network solves again."""
        self.sync()
        self.charge = min(self.capacity, max(Fraction(0), exact(joules)))
        self.entity.energy = float(self.charge)
        if self.network is not None:
            self.network.solve()
        self.sim.touch(self)

    def to_state(self) -> dict[str, Any]:
        self.sync()
        return {"charge": [self.charge.numerator, self.charge.denominator]}

    def load_state(self, state: dict[str, Any]) -> None:
        numerator, denominator = state.get("charge", (0, 1))
        self.charge = Fraction(int(numerator), int(denominator))


def daylight(surface: Any) -> Fraction:
    """The share of solar power the surface's light gives: full with ``always_day``.

    Otherwise Factorio's default cycle (dusk 0.25, evening 0.45, morning 0.55, dawn 0.75 of the day):
    full by day, none by night, linear between.
    """
    if getattr(surface, "always_day", True):
        return Fraction(1)
    time = exact(getattr(surface, "daytime", 0.0))
    dusk, evening, morning, dawn = Fraction(1, 4), Fraction(45, 100), Fraction(55, 100), Fraction(3, 4)
    if time <= dusk or time >= dawn:
        return Fraction(1)
    if evening <= time <= morning:
        return Fraction(0)
    if time < evening:
        return (evening - time) / (evening - dusk)
    return (time - morning) / (dawn - morning)


class PowerNetwork:
    """One electric network's members and its last solve; accounts its energy up to ``synced``."""

    __slots__ = (
        "sim",
        "statistics",
        "consumers",
        "generators",
        "engines",
        "accumulators",
        "demand",
        "by_name",
        "satisfaction",
        "used",
        "synced",
        "_solving",
        "_again",
        "_offers",
        "_generated",
        "_totals",
        "_shares",
        "_units",
        "_steam_tick",
        "_tier_keys",
        "drawing",
        "steam_synced",
        "steam_share",
        "share_ticks",
    )

    def __init__(self, sim: Simulation, statistics: FlowStatistics | None) -> None:
        self.sim = sim
        self.statistics = statistics
        self.consumers: list[ElectricSource] = []
        self.generators: list[GeneratorMachine] = []
        self.engines: list[SteamEngine] = []  # (its generators that draw steam)
        self.accumulators: list[Accumulator] = []
        self.demand = Fraction(0)
        self.by_name: dict[str, Fraction] = {}  # consumers' demand a tick, by prototype
        self.satisfaction = Fraction(0)
        self.used = Fraction(0)  # joules a tick the generators give, by the last solve
        self.synced = sim.now
        self._solving = False
        self._again = False
        self._offers: list[list[tuple[str, Fraction]]] | None = None
        self._generated = Fraction(0)
        self._totals: list[Fraction] = []  # each tier's offer, worked out with the offers
        self._shares: tuple[Fraction, list[Fraction]] | None = None  # (used, the tiers' shares of it)
        self._units: bool | None = None  # whether some engine offers steam (None: not yet worked out)
        self._steam_tick = -1  # the tick of its last steam step
        self._tier_keys: list[int] = []  # the tiers (SOLAR_TIER, STEAM_TIER) that offer something
        self.drawing = False  # whether some engine of it draws steam (its first engine steps every tick)
        self.steam_synced = sim.now  # its engines owe steam for the ticks before this one
        self.steam_share = Fraction(0)  # the part of the engines' offers the last solve uses
        self.share_ticks = Fraction(0)  # steam_share x ticks, summed since the engines' owed was settled

    def set_demand(self, source: ElectricSource, asks: Fraction) -> None:
        self.advance()
        name = source.owner.name
        self.by_name[name] = self.by_name.get(name, Fraction(0)) + asks - source.demand
        self.demand += asks - source.demand
        source.demand = asks
        self.solve()

    def advance(self) -> None:
        """Account the ticks from ``synced`` to now at the last solve's rates."""
        ticks = self.sim.now - self.synced
        if ticks <= 0:
            return
        self.synced = self.sim.now
        statistics = self.statistics
        for accumulator in self.accumulators:
            if accumulator.rate:
                accumulator.charge += accumulator.rate * ticks
                if statistics is not None:
                    statistics.on_flow(accumulator.entity.name, float(-accumulator.rate * ticks))
        if statistics is None:
            return
        satisfaction = self.satisfaction
        if satisfaction > 0:
            for name, asks in self.by_name.items():
                if asks:
                    statistics.on_flow(name, -float(asks * satisfaction * ticks))
        for tier, share in zip(self.offers(), self._tier_shares(), strict=True):
            if share <= 0:
                break
            for name, offer in tier:
                if offer:
                    statistics.on_flow(name, float(offer * share * ticks))

    def _accrue_steam(self) -> None:
        """The steam tier's used share over the ticks from ``steam_synced`` to now, summed: an engine owes
        its offered units times the sum (one product a solve, whatever the number of engines; kept apart
        from :meth:`advance`, so that a tick's steam step does not account the statistics every tick)."""
        ticks = self.sim.now - self.steam_synced
        if ticks > 0:
            self.steam_synced = self.sim.now
            if self.steam_share:
                self.share_ticks += self.steam_share * ticks

    def settle_steam(self) -> None:
        """What each engine owes up to now, into its ``owed`` (before its steam is taken or its offer changes)."""
        self._accrue_steam()
        share_ticks = self.share_ticks
        if share_ticks:
            self.share_ticks = Fraction(0)
            for engine in self.engines:
                if engine.units:
                    engine.owed = whole(engine.owed + engine.units * share_ticks)

    def _tier_shares(self) -> list[Fraction]:
        """The part of each priority tier's offer the last solve uses (a tier is used up before the next)."""
        self.offers()
        left = self.used
        cached = self._shares
        if cached is not None and cached[0] == left:  # (a solve reads them, and the accounting after it)
            return cached[1]
        shares = []
        for total in self._totals:
            taken = min(left, total) if left > 0 else Fraction(0)
            left -= taken
            shares.append(taken / total if total else Fraction(0))
        self._shares = (self.used, shares)
        return shares

    def steam_step(self, tick: int) -> None:
        """Once a tick while an engine of it steps: the steam paid for by the ticks accounted is taken from
        the engines' segments, and what each engine offers is worked out again from the steam left; a
        changed offer solves the network again (from this tick on)."""
        if self._steam_tick == tick:
            return
        self._steam_tick = tick
        self.settle_steam()
        engines = self.engines
        _take_owed(engines)
        changed = False
        for engine in engines:
            offer = engine.steam_power()
            if offer != engine.offer:
                engine.offer = offer
                changed = True
        if changed:
            self.offers_changed()
            for engine in engines:
                if engine.asleep and engine.network is self:
                    engine.state = engine.status()  # (a sleeping engine shows its offer as it is now)
        self._units = any(engine.units > 0 for engine in engines)
        self.drawing = self.steam_share > 0 and self._units

    def _offering(self) -> bool:
        """Whether some engine offers steam (worked out at each steam step, which alone changes it)."""
        if self._units is None:
            self._units = any(engine.units > 0 for engine in self.engines)
        return self._units

    def solve(self) -> None:
        """Share this tick's energy out; consumers whose speed changed go on at the new one."""
        if self._solving:
            self._again = True
            return
        self._solving = True
        try:
            self._again = True
            while self._again:
                self._again = False
                self.advance()
                self._solve_once()
        finally:
            self._solving = False

    def _solve_once(self) -> None:
        demand = self.demand
        generated = self.generated()
        accumulators = self.accumulators
        if generated >= demand:
            satisfaction = Fraction(1) if demand > 0 or generated > 0 else Fraction(0)
            self.used = demand
            if accumulators:
                charging = _share(generated - demand, [a.limits()[0] for a in accumulators])
                self.used += sum(charging, Fraction(0))
                self._set_rates(charging)
        else:
            giving = _share(demand - generated, [a.limits()[1] for a in accumulators]) if accumulators else []
            self._set_rates([-joules for joules in giving])
            self.used = generated
            satisfaction = (generated + sum(giving, Fraction(0))) / demand
        if self.engines:
            self._set_draws()
        if satisfaction != self.satisfaction:
            self.satisfaction = satisfaction
            for consumer in self.consumers:
                set_speed(consumer, satisfaction)

    def _set_draws(self) -> None:
        """Each engine delivers its offer times the steam tier's used share, and draws its units times it."""
        self._accrue_steam()  # (the old share up to now)
        shares = self._tier_shares()
        share = dict(zip(self._tier_keys, shares, strict=True)).get(STEAM_TIER, Fraction(0))
        first = self.engines[0]
        if share != self.steam_share and first.steady is not None:
            first.steady.interrupt()  # (the ticks repeated at the old share up to now)
        self.steam_share = share
        self.drawing = share > 0 and self._offering()
        if (self.drawing or self.share_ticks) and first.asleep:
            first.sim.touch(first)

    def _set_rates(self, rates: list[Fraction]) -> None:
        for accumulator, rate in zip(self.accumulators, rates, strict=True):
            if rate != accumulator.rate:
                accumulator.rate = rate
                self.sim.touch(accumulator)

    def offers(self) -> list[list[tuple[str, Fraction]]]:
        """What the generators can give a tick, by prototype, in priority tiers (solar panels first, then
        the rest): worked out once per rebuild, or again after :meth:`offers_changed` (a steam engine's
        offer changed at a steam step)."""
        offers = self._offers
        if offers is None:
            tiers: list[dict[str, Fraction]] = [{}, {}]
            for generator in self.generators:
                _add(tiers[_tier(generator)], generator.entity.name, generator.available())
            self._tier_keys = [key for key, tier in enumerate(tiers) if tier]
            offers = self._offers = [list(tiers[key].items()) for key in self._tier_keys]
            self._totals = [sum((offer for _, offer in tier), Fraction(0)) for tier in offers]
            self._generated = sum(self._totals, Fraction(0))
            self._shares = None
        return offers

    def generated(self) -> Fraction:
        self.offers()
        return self._generated

    def generating(self, generator: GeneratorMachine) -> Fraction:
        """What ``generator`` gives a tick at the last solve: its offer times its tier's used share."""
        self.offers()
        tier = _tier(generator)
        if tier not in self._tier_keys:
            return Fraction(0)
        share = self._tier_shares()[self._tier_keys.index(tier)]
        return generator.available() * share if share > 0 else Fraction(0)

    def offers_changed(self) -> None:
        self.advance()
        self._offers = None
        self.solve()


#: Priority tiers of generators, used in this order: solar panels' ``usage_priority`` is "solar", steam
#: engines' "secondary-output" (the prototype docs' ElectricUsagePriority: "Used in steam generators");
#: the wiki's "Power production/Dealing with priorities" uses solar first and steam for the rest.
SOLAR_TIER, STEAM_TIER = 0, 1


def _tier(generator: GeneratorMachine) -> int:
    return SOLAR_TIER if generator.entity.type == "solar-panel" else STEAM_TIER


def set_speed(source: ElectricSource, speed: Fraction) -> None:
    """The consumer goes on at ``speed`` from now (woken when power came back to it)."""
    if speed == source.speed:
        return
    machine = source.machine
    if machine is None:
        source.speed = speed
        return
    machine.sync()
    source.speed = speed
    machine.speed_changed()
    if not machine.asleep or (speed > 0 and machine.state == "no_power"):
        machine.sim.touch(machine)


def _share(total: Fraction, limits: list[Fraction]) -> list[Fraction]:
    """``total`` (or what the limits allow) in equal parts, each within its limit."""
    shares = [Fraction(0)] * len(limits)
    open_ = [i for i, limit in enumerate(limits) if limit > 0]
    left = total
    while left > 0 and open_:
        part = left / len(open_)
        still = []
        for i in open_:
            given = min(part, limits[i] - shares[i])
            shares[i] += given
            left -= given
            if shares[i] < limits[i]:
                still.append(i)
        if len(still) == len(open_):
            break
        open_ = still
    return shares


def _add(flows: dict[str, Fraction], name: str, joules: Fraction) -> None:
    if joules:
        flows[name] = flows.get(name, Fraction(0)) + joules


class PowerGrid:
    """Every surface's power networks, rebuilt from the topology (electric.py) when it changed."""

    __slots__ = ("sim", "networks", "members", "_versions", "dirty", "statistics", "version")

    def __init__(self, sim: Simulation, statistics: Any) -> None:
        self.sim = sim
        # (surface, network id, a member) -> that network's electric statistics
        self.statistics = statistics
        self.networks: dict[tuple[int, int], PowerNetwork] = {}
        self.members: dict[int, Machine] = {}  # electric machines by entity id
        self._versions: dict[int, tuple[Any, int]] = {}  # surface index -> (surface, topology version)
        self.dirty = False
        self.version = 0  # bumped at each rebuild (what machines cache of the networks is kept until then)

    def joined(self, machine: Machine) -> None:
        self.members[machine.entity.id] = machine
        self.dirty = True

    def left(self, machine: Machine) -> None:
        if self.members.pop(machine.entity.id, None) is not None:
            self.dirty = True

    def check(self) -> None:
        """Rebuild when a member came or went or some surface's topology changed (before a tick runs)."""
        if not self.dirty:
            for surface, version in self._versions.values():
                if surface.electric.version != version:
                    self.dirty = True
                    break
            if not self.dirty:
                return
        self.dirty = False
        self.version += 1
        for stale in self.networks.values():
            if stale.engines and stale.engines[0].steady is not None:
                stale.engines[0].steady.interrupt()
            stale.advance()
            stale.settle_steam()
        self.networks = {}
        self._versions = {}
        for machine in sorted(self.members.values(), key=lambda m: m.entity.id):
            entity = machine.entity
            place: Any = entity.surface
            self._versions[place.index] = (place, place.electric.version)
            network_id = place.electric.network_id(entity)
            network: PowerNetwork | None = None
            if network_id is not None:
                key = (place.index, network_id)
                network = self.networks.get(key)
                if network is None:
                    stats = self.statistics(place, network_id, entity)
                    network = self.networks[key] = PowerNetwork(self.sim, stats)
            _join(network, machine)
        for network in self.networks.values():
            network.satisfaction = Fraction(-1)  # (every consumer's speed is set again)
            network.solve()

    def all_networks(self) -> Iterable[PowerNetwork]:
        return self.networks.values()

    def sync(self) -> None:
        """Account every network's energy up to now (before its statistics are read or the world saved)."""
        self.check()
        for network in self.networks.values():
            network.advance()
            network.settle_steam()


def _join(network: PowerNetwork | None, machine: Machine) -> None:
    source = getattr(machine, "burner", None)
    if isinstance(source, ElectricSource):
        source.network = network
        source.demand = Fraction(0)
        if network is None:
            set_speed(source, Fraction(0))
            return
        network.consumers.append(source)
        asks = source.asks()
        source.demand = asks
        network.demand += asks
        network.by_name[machine.entity.name] = network.by_name.get(machine.entity.name, Fraction(0)) + asks
    elif isinstance(machine, Accumulator):
        machine.network = network
        if network is not None:
            network.accumulators.append(machine)
        else:
            machine.rate = Fraction(0)
    elif isinstance(machine, GeneratorMachine):
        machine.network = network
        if network is not None:
            network.generators.append(machine)
            if isinstance(machine, SteamEngine):
                network.engines.append(machine)
        if isinstance(machine, SteamEngine):
            if machine.asleep:  # (it works its offer out again at its new network's steam step)
                machine.sim.touch(machine)
        if machine.state is not None:  # (it stepped: show where it stands now)
            machine.state = machine.status()
