"""Repeating cycles: a closed group of burner machines whose state repeats runs whole cycles at once.

A steady factory repeats itself: a burner drill mining into a furnace, an inserter taking the plates
to a chest, every 240 ticks the same steps in the same order. Only a few quantities move on from one
cycle to the next, each by the same amount: the fuel burnt, the items a chest or a furnace's result
gained or lost, the resource mined, the counters (``products_finished``) and the production
statistics. What a group does is fixed by its phase (everything but those quantities, which change
nothing of it short of a threshold), so once it comes back to a phase it was in, it repeats what it
did since, and the quantities move on by as much again: that is its cycle. Then the group
*freezes*: its members leave the queue, and nothing of it runs until something reads or
changes one of its entities, or it reaches the last cycle before a threshold. Then it *lands*: the
whole cycles up to that tick are applied at once (their changes times the number of cycles), and the
members step alone over the rest of the way (at most a cycle) to the current tick. A steady
factory nobody looks at costs nothing per tick, whatever its size; what it shows when read is what
stepping every tick shows (``suites/unit/emulator/model/test_simulation_cycles.py`` and
``suites/unit/emulator/test_cycles_api.py`` hold that against a world stepping every tick).

**What brings a group up to date** (:meth:`CycleGroup.touched`): a read or change of a member's
machine (``Machine.sync``, which every reader of progress, fuel or status goes through), of any of
its entities' inventories (``Inventory._check_valid``), of any of its entities through the Lua API
(``LuaEntity.check_valid``), of the production statistics (``LuaFlowStatistics``), and a save. A
build, a removal, a move or a turn anywhere, or a character given work, lands every group and
dissolves them (``Simulation.settle``): they are formed again at the next long run.

**The group.** The machines that touch one another's entities (an inserter and what it picks from and
drops into, a drill and the resources under it and its destination), with the chests and resources
they touch. A group takes part only when every machine in it can (``Machine.cycle_links``: burner
drills, furnaces and inserters between entities, none on a belt, the ground or a power network) and
no other machine touches its entities, so a frozen group is alone with its own future. Groups are
formed at the start of a long run (:data:`LEAST_SPAN` ticks or more): a level running a few ticks
between two handlers never forms any and pays nothing for them.

**The phase** (:meth:`CycleGroup.snapshot`, taken before the group's first member, its anchor,
steps; the cycles found are kept by the phase they start from, so a group brought up to date freezes
again as soon as it is back in a phase it knows): each member's progress, hand, what it holds, status, what it waits on, its next step
relative to now and its place in the queue among the group's members, and the inventories of its
entity, except what only moves on: a burner's fuel (the energy left in its burning item and fuel
slot, of a burner nothing in the group may put fuel into: ``_fed`` follows what each member may put
where), the item counts of chests and of the members' outputs, resource amounts and counters.

**How far a group may run frozen.** Never as far as a threshold where it would behave otherwise: a
fuel slot running empty (an inserter then refuels itself from what it picks up), a chest or an output
within two cycles and a hand of full or empty, a resource within two cycles of running out. A force
with a technology researched by a trigger not yet researched keeps its groups stepping (the count
could finish research mid-cycle), and so does a drill that draws its products by chance
(``probability`` below 1, a range of amounts): the draw follows the count of minings.

What a landing writes wakes no one (the members are planned again by hand, at their shifted ticks, in
the order they had), and the fuel it takes counts as consumed in the statistics as stepping counts it.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from . import control, research_triggers
from .burner import Burner, BurnerMachine

if TYPE_CHECKING:
    from .entity import Entity
    from .inventory import Inventory
    from .simulation import Machine, Simulation
    from .statistics import FlowStatistics

#: The shortest run that forms groups (ticks): shorter runs (a level's few ticks between two
#: handlers) step as before, at no cost.
LEAST_SPAN = 1200
#: The fewest cycles a group must be able to run before a threshold to freeze (fewer: it steps on).
LEAST_CYCLES = 2
#: The longest a group read sooner than a cycle after it froze waits before freezing again (ticks).
MOST_PATIENCE = 2**16
#: Snapshots a group keeps to find its period in (older ones are dropped).
KEPT_SNAPSHOTS = 64
#: Entity types a group may hold besides its machines: what only gains or loses items, and resources.
PASSIVE_TYPES = frozenset({"container", "logistic-container", "resource"})


class Recording:
    """A force's statistics as a group's members see them: flows go through, and are counted for the group."""

    __slots__ = ("statistics", "totals")

    def __init__(self, statistics: FlowStatistics, totals: dict[tuple[int, str, bool], float]) -> None:
        self.statistics = statistics
        self.totals = totals

    def on_flow(self, name: str, count: float) -> None:
        self.statistics.on_flow(name, count)
        key = (id(self.statistics), name, count > 0)  # (made and used apart: a furnace's ore is both)
        self.totals[key] = self.totals.get(key, 0) + count


class CycleGroup:
    """One closed group of machines: the phases it was seen in, the cycles found, and whether it is frozen."""

    __slots__ = (
        "sim",
        "members",
        "anchor",
        "containers",
        "stocks",
        "carried",
        "resources",
        "fuelled",
        "statistics",
        "flows",
        "seen",
        "known",
        "frozen",
        "waker",
        "landing",
        "entities",
        "patience",
        "resume",
    )

    def __init__(self, sim: Simulation, members: list[BurnerMachine], passive: list[Entity]) -> None:
        self.sim = sim
        self.members = sorted(members, key=lambda m: m.entity.id)
        self.anchor = self.members[0]
        self.containers = sorted((e for e in passive if e.prototype.type != "resource"), key=_id)
        # The inventories whose item counts may move on cycle to cycle: the chests', and the members'
        # outputs (a furnace's result: what it and an inserter taking from it do changes only when it is
        # full, or holds less than a hand).
        self.stocks: list[Inventory] = [
            *(i for c in self.containers for i in c.inventories.values()),
            *(i for m in self.members for i in m.entity.inventories.values() if i.name in control.OUTPUT_INVENTORIES),
        ]
        self.carried = max([1, *(m.cycle_carries() for m in self.members)])  # the most a step moves at once
        self.resources = sorted((e for e in passive if e.prototype.type == "resource"), key=_id)
        fed = _fed(self.members)
        # Burners whose fuel only goes down (by id): nothing in the group can put fuel into them.
        self.fuelled = {id(m) for m in self.members if isinstance(m.burner, Burner) and id(m.entity) not in fed}
        self.statistics: dict[int, FlowStatistics] = {}  # id -> the statistics its members count in
        # (statistics id, item, made) -> the flows counted since the group formed
        self.flows: dict[tuple[int, str, bool], float] = {}
        # phase -> the tick it was last seen at, what moves on then, and the flows counted
        self.seen: dict[tuple[Any, ...], tuple[int, dict[Any, Any], dict[Any, float]]] = {}
        self.known: dict[tuple[Any, ...], Cycle] = {}  # the cycles found, by the phase they start from
        self.frozen: Frozen | None = None  # the cycles it is running at once, while it does
        self.waker: Waker | None = None
        self.landing = False
        # Read sooner than a cycle after it froze, it waits before freezing again (twice as long each time,
        # from a period): freezing a group read that often costs more than stepping it.
        self.patience = 0
        self.resume = 0  # the first tick it may freeze again
        # Every entity of the group: reading or changing any of them brings the group up to date first.
        self.entities = [m.entity for m in self.members] + self.containers + self.resources
        for member in self.members:
            member.cycle = self
        for entity in self.entities:
            entity.cycle = self
            for inventory in entity.inventories.values():
                inventory.cycle = self

    def recording(self, statistics: FlowStatistics) -> Recording:
        self.statistics[id(statistics)] = statistics
        return Recording(statistics, self.flows)

    def release(self) -> None:
        """Up to date, and no longer a group (something around it changed)."""
        self.touched()
        for member in self.members:
            if member.cycle is self:
                member.cycle = None
        for entity in self.entities:
            if entity.cycle is self:
                entity.cycle = None
                for inventory in entity.inventories.values():
                    inventory.cycle = None

    # --- what repeats and what moves on -----------------------------------------

    def snapshot(self, tick: int) -> tuple[tuple[Any, ...], dict[Any, Any]]:
        """The group's phase (compared) and the quantities that move on (by key), at ``tick``."""
        members = self.members
        for member in members:
            member.sync()
        fuelled = self.fuelled
        awake = sorted(
            (i for i, m in enumerate(members) if not m.asleep and m.due is not None),
            key=lambda i: (members[i].due, members[i].order),
        )
        phase: list[Any] = [tuple(awake)]
        moving: dict[Any, Any] = {}
        for index, member in enumerate(members):
            entity = member.entity
            phase.append(
                (
                    member.cycle_phase(),
                    member.asleep,
                    member.state,
                    tuple(sorted(member.waits_on)),
                    member.waits_near,
                    None if member.asleep or member.due is None else member.due - tick,
                    member.synced - tick,
                    entity.energy,
                    entity.active,
                )
            )
            burner = member.burner
            fuel_inventory = burner.inventory if isinstance(burner, Burner) else None
            for inventory in entity.inventories.values():
                if inventory.name in control.OUTPUT_INVENTORIES:
                    continue  # (a stock, below)
                if inventory is not fuel_inventory or id(member) not in fuelled:
                    phase.append(tuple(inventory))
            if id(member) in fuelled:
                fuel = burner.steady_fuel()
                if fuel is not None:
                    phase.append(fuel[0])
                    moving[("fuel", index)] = fuel[1]
                elif burner.has_fuel():
                    moving[("fuel", index)] = None  # (two kinds of fuel, or one with a burnt result: stepped)
                else:
                    phase.append(None)
            elif isinstance(burner, Burner):  # (fed by the group: its fuel must repeat as well)
                phase.append(burner.exact_state())
            for name, count in member.cycle_counters().items():
                moving[("counter", index, name)] = count
        for index, inventory in enumerate(self.stocks):
            names = []
            for stack in inventory:
                if stack is not None and stack[0] not in names:
                    names.append(stack[0])
            phase.append(tuple(names))
            for name in names:
                moving[("items", index, name)] = inventory.get_item_count(name)
        for index, resource in enumerate(self.resources):
            phase.append(resource.valid)
            moving[("amount", index)] = resource.amount
        return tuple(phase), moving

    def before_step(self, tick: int) -> bool:
        """The anchor is about to step at ``tick``: look for the cycle; True when the group froze to run
        its cycles at once (the anchor does not step now).

        A phase seen again is a cycle: what the group does is fixed by its phase (the quantities that only
        move on change nothing of it short of a threshold), so from the second time on it does what it did
        since the first, and moves on by as much. The cycle is kept by its phase: a group brought up to
        date freezes again as soon as it comes back to a phase it knows."""
        if self.landing or tick < self.resume:
            return False
        phase, moving = self.snapshot(tick)
        if None in moving.values():
            return False
        cycle = self.known.get(phase)
        if cycle is None or cycle.change.keys() != moving.keys():
            flows = dict(self.flows)
            seen = self.seen
            earlier = seen.get(phase)
            if len(seen) >= KEPT_SNAPSHOTS:
                seen.clear()
            seen[phase] = (tick, moving, flows)
            if earlier is None or earlier[1].keys() != moving.keys():
                return False
            then, moved_then, flows_then = earlier
            change = {key: moving[key] - moved_then[key] for key in moving}
            flow_change = {k: flows.get(k, 0) - flows_then.get(k, 0) for k in flows.keys() | flows_then.keys()}
            cycle = Cycle(tick - then, change, flow_change)
            if len(self.known) >= KEPT_SNAPSHOTS:
                self.known.clear()
            self.known[phase] = cycle
        cycles = self._cycles_before_a_threshold(moving, cycle.change, cycle.flow_change)
        if cycles < LEAST_CYCLES:
            return False
        self._freeze(Frozen(tick, cycle, cycles))
        return True

    def _cycles_before_a_threshold(
        self, moving: dict[Any, Any], change: dict[Any, Any], flow_change: dict[tuple[int, str, bool], float]
    ) -> int:
        """How many cycles can be applied with no fuel slot, chest or resource reaching where the group
        would behave otherwise (see the module's docstring); 0 when a change goes the wrong way."""
        limit: int | Fraction = 2**62
        for key, delta in change.items():
            kind = key[0]
            if kind == "fuel":
                burner = self.members[key[1]].burner
                limit = min(limit, burner.steady_cycles(-delta))
            elif kind == "items" and delta:
                _, index, name = key
                inventory = self.stocks[index]
                margin = 2 * abs(delta) + self.carried
                room = inventory.get_insertable_count(name) if delta > 0 else moving[key]
                limit = min(limit, (room - margin) // abs(delta))
            elif kind == "amount" and delta:
                if delta > 0:
                    return 0
                limit = min(limit, (moving[key] - 2 * -delta - 1) // -delta)
        if self._counted_by_a_trigger(flow_change):
            return 0
        return max(0, int(limit))

    def _counted_by_a_trigger(self, flow_change: dict[tuple[int, str, bool], float]) -> bool:
        """Whether a technology not researched yet counts what the group makes or mines."""
        forces = {m.entity.force for m in self.members}
        made = [(research_triggers.CRAFT_ITEM, name) for (_, name, _), count in flow_change.items() if count > 0]
        mined = [(research_triggers.MINE_ENTITY, r.name) for r in self.resources]
        return any(research_triggers.pending(self.sim, force, *subject) for force in forces for subject in made + mined)

    def _freeze(self, frozen: Frozen) -> None:
        """Take the members out of the queue, as they are at ``frozen.tick``: they are brought up to date
        when read or changed (:meth:`touched`), or at the last cycle before a threshold (the waker)."""
        sim = self.sim
        awake = sorted((m for m in self.members if not m.asleep and m.due is not None), key=lambda m: (m.due, m.order))
        frozen.plan = [(m, (m.due or 0) - frozen.tick) for m in awake]  # (awake: due is a tick)
        for member in self.members:
            member.version += 1  # (its queue entry is stale; asleep, it stays asleep)
        self.frozen = frozen
        self.waker = Waker(self)
        sim.requeue(self.waker, frozen.tick + frozen.cycles * frozen.cycle.period)
        sim.cycle_jumps += 1

    def touched(self) -> None:
        """Something reads or changes one of the group's entities: bring it up to the current tick."""
        if self.frozen is not None and not self.landing:
            self.land(self.sim.now)

    def land(self, now: int) -> None:
        """Apply the whole cycles up to ``now`` at once, plan the members where those cycles leave them,
        and step them alone over the rest of the way (at most a cycle)."""
        frozen, sim = self.frozen, self.sim
        if frozen is None:
            return
        self.frozen = None
        if self.waker is not None:
            self.waker.version += 1
            self.waker = None
        # Whole cycles that end before ``now``: members that had stepped on the freezing tick before the anchor
        # are a tick ahead of it, so a read at exactly ``tick`` + n periods (before that tick has run) must see
        # n - 1 cycles applied and the last one stepped.
        cycles = min(frozen.cycles, max(0, (now - 1 - frozen.tick) // frozen.cycle.period))
        if cycles:
            self.patience = 0
        else:
            self.patience = min(max(2 * self.patience, frozen.cycle.period), MOST_PATIENCE)
            self.resume = now + self.patience
        self.landing = True
        try:
            self._apply(frozen, cycles)
            shift = cycles * frozen.cycle.period
            for member in self.members:
                member.synced += shift
            for member, offset in frozen.plan:
                sim.requeue(member, frozen.tick + shift + offset)
            if frozen.tick + shift < now:
                sim.run_alone(frozen.tick + shift, now)
        finally:
            self.landing = False
        self.seen.clear()

    def _apply(self, frozen: Frozen, cycles: int) -> None:
        """Each quantity that moves on, moved by ``cycles`` cycles (waking no one)."""
        members = self.members
        with self.sim.quietly():
            for key, delta in frozen.cycle.change.items():
                if not delta:
                    continue
                kind = key[0]
                if kind == "fuel":
                    member = members[key[1]]
                    member.burner.burn_in_bulk(-delta * cycles, member.fuel_consumed)
                elif kind == "counter":
                    member = members[key[1]]
                    member.add_to_counter(key[2], delta * cycles)
                elif kind == "items":
                    _, index, name = key
                    inventory = self.stocks[index]
                    moved = (
                        inventory.insert(name, delta * cycles) if delta > 0 else inventory.remove(name, -delta * cycles)
                    )
                    if moved != abs(delta) * cycles:
                        raise RuntimeError(
                            f"a group landing from its cycles moved {moved} {name}, not {abs(delta) * cycles}"
                        )
                elif kind == "amount":
                    self.resources[key[1]].amount += delta * cycles
            for key, count in frozen.cycle.flow_change.items():
                if count:
                    self.statistics[key[0]].on_flow(key[1], count * cycles)
                    self.flows[key] = self.flows.get(key, 0) + count * cycles


class Cycle:
    """What a group does from one time it is in a phase to the next: how long it takes, how much each
    quantity that moves on moves, and the flows it counts."""

    __slots__ = ("period", "change", "flow_change")

    def __init__(self, period: int, change: dict[Any, Any], flow_change: dict[Any, float]) -> None:
        self.period, self.change, self.flow_change = period, change, flow_change


class Frozen:
    """A group's cycles run at once: from ``tick``, at most ``cycles`` times ``cycle``."""

    __slots__ = ("tick", "cycle", "cycles", "plan")

    def __init__(self, tick: int, cycle: Cycle, cycles: int) -> None:
        self.tick, self.cycle, self.cycles = tick, cycle, cycles
        self.plan: list[tuple[BurnerMachine, int]] = []  # the awake members by their place in the queue, and
        # how long after ``tick`` each was to step


class Waker:
    """A frozen group's entry in the simulation's queue, at its last cycle before a threshold: it lands
    the group there. It steps as a machine of no entity (the queue's entries are machines)."""

    __slots__ = ("group", "version", "due", "order", "synced", "cycle", "key")

    def __init__(self, group: CycleGroup) -> None:
        self.group = group
        self.version = 0
        self.due: int | None = None
        self.order = 0
        self.synced = 0
        self.cycle = None
        self.key = None  # (in no simulation's machines: never planned again after its step)

    def run_plain(self, ticks: int) -> None:
        pass

    def step(self, tick: int) -> None:
        self.group.land(tick)


def run_in_cycles(sim: Simulation, end: int) -> Cycles | None:
    """The groups that may repeat, formed for a long run up to ``end`` (``Simulation.cycles``); None
    for a short one. They last until something is built, removed, moved or turned (``Simulation.settle``)."""
    if end - sim.now < LEAST_SPAN:
        return None
    cycles = Cycles(sim)
    cycles.form()
    return cycles


class Cycles:
    """The simulation's groups, formed at a long run's start and released when something is built or moved."""

    __slots__ = ("sim", "groups")

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.groups: list[CycleGroup] = []

    def form(self) -> None:
        """Find the closed groups of machines that may repeat (see the module's docstring)."""
        machines = list(self.sim.machines.values())
        parent: dict[int, int] = {}

        def root(key: int) -> int:
            while parent.setdefault(key, key) != key:
                parent[key] = parent[parent[key]]
                key = parent[key]
            return key

        links: dict[int, tuple[bool, list[Entity]]] = {}
        entities: dict[int, Entity] = {}
        owned: set[int] = set()
        for machine in machines:
            _, touched = links[id(machine)] = machine.cycle_links()
            own = machine.entity
            owned.add(id(own))
            for entity in touched:
                entities[id(entity)] = entity
                parent[root(id(entity))] = root(id(own))
        members: dict[int, list[Machine]] = {}
        spoilt: set[int] = set()
        for machine in machines:
            group = root(id(machine.entity))
            members.setdefault(group, []).append(machine)
            if not links[id(machine)][0]:
                spoilt.add(group)
        passive: dict[int, list[Entity]] = {}
        for key, entity in entities.items():
            if key not in owned:
                group = root(key)
                if entity.prototype.type not in PASSIVE_TYPES or not entity.valid:
                    spoilt.add(group)
                passive.setdefault(group, []).append(entity)
        self.groups = [
            CycleGroup(self.sim, [m for m in found if isinstance(m, BurnerMachine)], passive.get(group, []))
            for group, found in members.items()
            if group not in spoilt
        ]

    def release(self) -> None:
        for group in self.groups:
            group.release()
        self.groups = []


def _id(entity: Entity) -> int:
    return entity.id


def _fed(members: list[BurnerMachine]) -> set[int]:
    """The entities (by id) whose fuel slot a member may put fuel into: what each member may put where,
    followed through the group (an inserter passes on what may be picked up at its source: a chest's
    contents and what is put into it, a furnace's results of what may be put into it)."""
    given: dict[int, set[str]] = {}

    def pickable(entity: Entity) -> set[str]:
        held = {
            stack[0]
            for inventory in entity.inventories.values()
            if inventory.name in control.PICKUP_INVENTORIES
            for stack in inventory
            if stack is not None
        }
        into = given.get(id(entity), set())
        machine = entity.machine
        return held | (into if machine is None else machine.makes(into))

    changed = True
    while changed:
        changed = False
        for member in members:
            for destination, items in member.deliveries(pickable):
                known = given.setdefault(id(destination), set())
                if not items <= known:
                    known |= items
                    changed = True
    fed = set()
    for member in members:
        burner = member.burner
        if isinstance(burner, Burner) and any(burner.inventory.accepts(i) for i in given.get(id(member.entity), ())):
            fed.add(id(member.entity))
    return fed
