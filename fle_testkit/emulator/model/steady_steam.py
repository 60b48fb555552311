"""Steady steam: a network's steam plants run in bulk while every tick repeats the one before.

A steam plant's machines (offshore pumps, boilers, the network's stepping engine) step every
tick while the network draws steam (pumping.py, boiling.py, power.py). Once a whole tick repeats
the one before it (the plant's segments hold the same amounts at the same point of the tick,
every member made the same flows, in the same order, and the network's steam share is the same),
every following tick repeats it too, up to the first change: a boiler that must take a new fuel
item, a script or a build touching a member or one of its segments, a new steam share, a rebuild
of the networks. So the members run the ticks between in bulk (their plain ticks), exactly as
stepping them would: the segments keep their end-of-tick amounts (each tick takes and gives the
same), the burners burn each tick's fuel, the fluid statistics get each tick's flows in the
members' order (the same float sums), and the engines owe the steam of the last tick only (the
steam of every tick before was taken and made again).

The fluid statistics keep float totals: a run adds its plant's flows tick by tick in the members'
order, as stepping does, but when it is accounted (a sync, a step, its end), not interleaved tick by
tick with flows of the same fluids that other machines of the force count on the surface meanwhile
(another plant's run, a lone pump): where such flows meet, a total can differ from stepping's in a
float's last bits (its exact value does not).

A share change ends a run (the engines draw another amount a tick, and the segments settle at other
amounts within a tick or two): so a factory whose demand changes every few ticks gains little. Runs
whose draw changes linearly with the share (the boiler making one tick later what the engines took)
would keep them going; not done.

A plant is only recognised where nothing else touches its segments: the engines' segments hold
engines of this network and boilers' outputs, the boilers' water segments hold offshore pumps and
boilers' inputs, and no pump draws from any of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .boiling import Boiler
from .fluid_segments import whole
from .pumping import OffshorePump

if TYPE_CHECKING:
    from .simulation import Machine

PowerNetwork = Any  # (power.py imports this module: its types are named, not imported)
SteamEngine = Any

#: Fewest plain ticks worth planning (a shorter run steps as before).
LEAST_TICKS = 2


class Steady:
    """One planned run of repeating ticks: its members, segments and the tick it ends on."""

    __slots__ = ("network", "members", "segments", "end", "accounted", "flows", "burns", "owed")

    def __init__(self, network: PowerNetwork, members: list[Machine], segments: list[Any], start: int) -> None:
        self.network = network
        self.members = members  # in the order they step within a tick
        self.segments = segments
        self.end = start  # the first tick its members step again
        self.accounted = start  # ticks before this one are accounted
        # Each tick's fluid statistics flows, in the members' order: statistics -> [(fluid, amount)].
        self.flows: dict[Any, list[tuple[str, float]]] = {}
        self.burns: list[tuple[Any, Any]] = []  # (burner, fuel a tick)
        self.owed: list[tuple[SteamEngine, Any]] = []  # (engine, the steam a tick it owes)

    def advance(self, to: int) -> None:
        """Account the repeated ticks up to ``to`` (at most the end)."""
        to = min(to, self.end)
        ticks = to - self.accounted
        if ticks <= 0:
            return
        self.accounted = to
        for statistics, flows in self.flows.items():  # (each total's adds in its tick order, as stepping's)
            statistics.on_flows_repeated(flows, ticks)
        for burner, need in self.burns:
            burner.burn(need, ticks)
        # Each tick took the steam owed for the one before, and the boiler made it again: what is owed
        # now is the last tick's steam, taken at the next steam step.
        self.network.settle_steam()
        for engine, owed in self.owed:
            engine.owed = owed

    def finish(self) -> None:
        """No more repeated ticks: the members step again from their next step on."""
        for segment in self.segments:
            segment.steady = None
        for member in self.members:
            member.steady = None  # type: ignore[attr-defined]

    def interrupt(self, touched: Machine | None = None) -> None:
        """Something changed at the current tick: account up to it, and the members step now, in order
        (but ``touched``, which the touch plans itself)."""
        now = self.network.sim.now
        self.advance(now)
        self.end = min(self.end, now)
        self.finish()
        sim = self.network.sim
        for member in self.members:
            if member is not touched:
                sim.touch(member)

    def disturbed(self) -> None:
        """One of its segments changed: by its own members in the tick it was planned, or else from outside."""
        sim = self.network.sim
        if sim.now < self.accounted and sim.running in self.members:
            return
        self.interrupt()


def plan(engine: SteamEngine, tick: int) -> None:
    """At the network's steam step (``engine`` steps for its network): when this tick repeats the last one,
    plan the members' plain ticks up to the first tick some boiler must take a new fuel item."""
    network = engine.network
    if network is None:
        return
    found = _plant(engine)
    seen = engine.seen
    engine.seen = None
    if found is None:
        return
    members, segments = found
    signature = (
        tuple((s.fluid, s.amount, s.temperature) for s in segments),
        tuple((m.synced - tick, m.asleep, m.state, _effect(m)) for m in members),
        network.steam_share,
        tuple((e.offer, e.units) for e in network.engines),
    )
    engine.seen = (tick, signature)
    if seen is None or seen != (tick - 1, signature) or not _working(members):
        return
    ahead = [m for m in members if m.synced > tick]  # (stepped in this tick before the engine)
    end = tick + 1 + min(_ticks_left(m, m.synced > tick) for m in members)
    if end - (tick + 1) < LEAST_TICKS:
        return
    steady = Steady(network, members, segments, tick + 1)
    steady.end = end
    for member in members:
        statistics = member.sim.fluid_statistics(member.entity)
        if isinstance(member, OffshorePump) and member._source and member._source[0] is not None:
            steady.flows.setdefault(statistics, []).append((member._source[0], float(member.put)))
        elif isinstance(member, Boiler):
            units, need = member.made
            water = member.entity.surface.fluids.segment(member.entity, member.source).fluid
            if water is not None:
                steady.flows.setdefault(statistics, []).append((water, -float(units)))
            steady.flows.setdefault(statistics, []).append((member.steam, float(units)))
            steady.burns.append((member.burner, need))
    share = network.steam_share
    steady.owed = [(e, whole(e.units * share)) for e in network.engines if e.units]
    for segment in segments:
        segment.steady = steady
    for member in members:
        member.steady = steady  # type: ignore[attr-defined]
    for member in ahead:  # (the others plan their plain ticks when their step of this tick ends)
        if member is not engine:
            member.sim.reschedule(member)


def _working(members: list[Machine]) -> bool:
    return all(not m.asleep and m.state == "working" for m in members)


def _effect(member: Machine) -> Any:
    if isinstance(member, OffshorePump):
        return member.put
    if isinstance(member, Boiler):
        return member.made
    return None


def _ticks_left(member: Machine, stepped: bool) -> int:
    """Plain ticks after this one before a boiler must take a fuel item (its tick's draw not yet made: one less)."""
    if not isinstance(member, Boiler):
        return 2**62
    need = member.made[1]
    left = member.burner.ticks_left(need)
    return left if stepped else max(0, left - 1)


def _plant(engine: SteamEngine) -> tuple[list[Machine], list[Any]] | None:
    """The network's steam plants: its engines' segments, the boilers making their steam and the offshore
    pumps giving those boilers' water, each segment touched by none else; members in queue order."""
    network = engine.network
    if network is None:
        return None
    fluids = engine.entity.surface.fluids
    segments: dict[int, Any] = {}
    members: dict[int, Machine] = {id(engine): engine}
    boilers: list[Boiler] = []
    for each in network.engines:
        if each.entity.surface is not engine.entity.surface:
            return None
        segment = fluids.segment(each.entity, 1)
        if id(segment) in segments:
            continue
        if segment.fed:
            return None
        segments[id(segment)] = segment
        for entity in segment.entities:
            machine = entity.machine
            if type(machine) is type(engine):
                if machine.network is not network:
                    return None
            elif type(machine) is Boiler and fluids.segment(entity, machine.output) is segment:
                boilers.append(machine)
            else:
                return None
    for boiler in boilers:
        members[id(boiler)] = boiler
        water = fluids.segment(boiler.entity, boiler.source)
        if water.fed or id(water) in segments:
            return None
        segments[id(water)] = water
        for entity in water.entities:
            machine = entity.machine
            if type(machine) is OffshorePump:
                members[id(machine)] = machine
            elif type(machine) is not Boiler or fluids.segment(entity, machine.source) is not water:
                return None
            elif id(machine) not in {id(b) for b in boilers}:
                return None
    tick = engine.sim.now

    def place(m: Machine) -> tuple[int, int]:  # (stepped this tick before the engine, the engine, after it)
        return (0 if m.synced > tick else 1 if m is engine else 2), m.order

    return sorted(members.values(), key=place), list(segments.values())
