"""The tick simulation: machines over the model, run only while they have something to do.

Factorio updates a working machine every tick and lets a blocked one sleep
until the change that unblocks it (STYLE.md, "Factorio's own engine"). Here a
:class:`Machine` goes further: between two ticks on which something discrete
happens (a fuel item is taken, an ore is mined, a craft finishes) every tick
only moves continuous state along (progress, remaining fuel) by the same
amount, so the machine says how many such *plain* ticks lie ahead and the
engine runs them in one step, exactly as ticking them would (progress and fuel
are exact fractions, so n plain ticks at once equal n single ones). Only the
ticks where something happens are *steps*, kept in one queue ordered by tick.

A sleeping machine (no fuel, output full, nothing to mine) is out of the queue
and costs nothing; it is woken by the change that may unblock it:

- any change to its own entity's inventories (:meth:`Simulation.changed`);
- a change to the inventories of an entity it waits on (a full chest it outputs into);
- an entity appearing, leaving or moving on a tile it watches (:meth:`Machine.watched_tiles`:
  a drill's drop position and mining area), when it waits on its surroundings (a chest placed
  at a drill's drop position, ore placed under it). The same changes tell an awake machine
  that what it found there may have changed (:meth:`Machine.surroundings_changed`).

A woken machine steps at the current tick; if it is still blocked it sleeps
again, so a wake that changed nothing costs one step. Machines woken together
wake (and so step) in the order of their entities' ids, never in a set's order:
that follows the memory the objects sit at, which differs between two worlds of
one process, and two identical worlds must run alike. A steady factory costs a
step per discrete event, an idle one nothing, and ``game.speed`` is bounded by
events, not ticks. Closed groups of burner machines whose state repeats run
whole cycles at once, when something reads them (cycles.py).

Continuous state between steps is brought up to date only when read
(:meth:`Machine.sync`), or when the world is saved.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..gamedata import FluidPrototype, RecipePrototype, TilePrototype
    from .entity import Entity
    from .statistics import FlowStatistics


def exact(value: float) -> Fraction:
    """A number of the prototype data as the decimal the data wrote (3.2 is 16/5, not 3.2000000000000002).

    Rates are exact fractions so that a burner drill makes an ore on every 240th tick and a stone
    furnace a plate on every 192nd, as Factorio's documented rates (0.25/s, 0.3125/s) say.
    """
    return Fraction(repr(float(value)))


def covered_tiles(entity: Entity) -> list[tuple[int, int]]:
    """The tiles an entity's collision box touches (a box-less entity: the tile of its centre)."""
    box = entity.bounding_box
    if box.is_empty:
        centre = entity.position
        return [(math.floor(centre.x), math.floor(centre.y))]
    return [
        (x, y)
        for x in range(math.floor(box.left), math.ceil(box.right))
        for y in range(math.floor(box.top), math.ceil(box.bottom))
    ]


class Machine:
    """One simulated entity. Subclasses define a tick (:meth:`step`) and how many plain ticks follow."""

    #: Whether any change to its own entity's inventories wakes it. A machine that sleeps until it is
    #: given work (a character) says False, and waits on its own entity when a change may unblock it.
    wakes_on_change = True

    __slots__ = (
        "entity",
        "sim",
        "synced",
        "asleep",
        "due",
        "version",
        "state",
        "waits_on",
        "waits_near",
        "tiles",
        "key",
        "order",
        "cycle",
    )

    def __init__(self, entity: Entity, sim: Simulation) -> None:
        self.entity = entity
        self.key = entity.id  # its key in Simulation.machines (a machine of no one entity: a negative one)
        self.sim = sim
        self.synced = sim.now  # ticks before this one have run for this machine
        self.asleep = False
        self.due: int | None = None  # the tick of its next step while awake
        self.version = 0  # bumped on every reschedule: older queue entries are stale
        # The status its last step found (a defines.entity_status name); None before its first step.
        self.state: str | None = None
        self.waits_on: frozenset[int] = frozenset()  # entity ids whose inventory changes wake it
        self.waits_near = False  # woken by entities appearing or leaving on its watched tiles
        self.tiles: tuple[tuple[int, int], ...] = ()  # the tiles it is registered on
        self.order = 0  # its place among the steps of its due tick (the queue's order)
        self.cycle: Any = None  # the group of machines it may repeat cycles in, while groups are formed (cycles.py)

    # --- what a kind of machine defines -------------------------------------

    def step(self, tick: int) -> None:
        """Run tick ``tick`` in full; call :meth:`sleep` when blocked."""
        raise NotImplementedError

    def plain_ticks(self) -> int:
        """How many ticks from ``synced`` on change only continuous state (0: the next one is a step)."""
        return 0

    def run_plain(self, ticks: int) -> None:
        """Run ``ticks`` plain ticks at once."""

    def watched_tiles(self) -> Iterable[tuple[int, int]]:
        """The tiles whose entities matter to it (what it puts into, what it mines)."""
        return ()

    def surroundings_changed(self) -> None:
        """An entity appeared, left or moved on a watched tile (drop what was found there)."""

    def waits_on_fluid(self) -> bool:
        """Asleep, whether a change of a fluid segment it is on may unblock it (fluid_segments.py wakes it)."""
        return True

    def touched(self) -> bool:
        """Something it depends on changed: True when it planned itself again (a steady steam plant's member)."""
        return False

    def scheduled(self) -> None:
        """It was planned again (woken, put to sleep, or after a step): an electric one tells its network."""

    def to_state(self) -> dict[str, Any]:
        return {}

    def load_state(self, state: dict[str, Any]) -> None:
        pass

    # --- repeating cycles (cycles.py) ---------------------------------------

    def cycle_links(self) -> tuple[bool, list[Entity]]:
        """Whether it may run in repeating cycles, and the other entities its steps touch. A kind that
        does not say keeps every machine touching its entity out of them."""
        return False, []

    def deliveries(self, pickable: Callable[[Entity], set[str]]) -> list[tuple[Entity, set[str]]]:
        """The items its steps may put into other entities, by entity (``pickable``: what may be picked
        up from an entity): which burners of a group may get fuel (cycles.py)."""
        return []

    def cycle_carries(self) -> int:
        """The most items one of its steps moves at once (an inserter's hand)."""
        return 1

    def makes(self, given: set[str]) -> set[str]:
        """The items it may make from what it holds and ``given`` (what may be put into it)."""
        return set()

    def cycle_phase(self) -> tuple[Any, ...]:
        """What its next steps depend on besides its entity's inventories, status and plan."""
        return ()

    def cycle_counters(self) -> dict[str, int]:
        """Counts that only go up while it works (compared cycle to cycle, not as a phase)."""
        return {}

    def add_to_counter(self, name: str, amount: int) -> None:
        setattr(self, name, getattr(self, name) + amount)

    # --- helpers ------------------------------------------------------------

    def sleep(self, state: str, waits_on: Iterable[int] = (), near: bool = False) -> None:
        """Blocked: no step until a wake. ``state`` is the status it shows meanwhile."""
        self.asleep = True
        self.state = state
        self.waits_on = frozenset(waits_on)
        self.waits_near = near

    def sync(self) -> None:
        """Bring continuous state up to the simulation's current tick (before reading or changing it)."""
        cycle = self.cycle
        if cycle is not None and cycle.frozen is not None:
            cycle.touched()  # (its group runs whole cycles at once: brought up to date first)
        now = self.sim.now
        if self.synced < now:
            if not self.asleep:  # (asleep, a tick changes nothing)
                self.run_plain(now - self.synced)
            self.synced = now

    def statistics(self) -> FlowStatistics:
        """The item production statistics of the entity's force on its surface (counted for its
        repeating group as well, when it has one)."""
        statistics = self.sim.item_statistics(self.entity)
        cycle = self.cycle
        return statistics if cycle is None else cycle.recording(statistics)


class Simulation:
    """The queue of machine steps and the wake-ups; owned by the world, run by the level."""

    __slots__ = (
        "now",
        "machines",
        "_build",
        "_statistics",
        "_fluid_statistics",
        "_queue",
        "_seq",
        "_waiting",
        "_tiles",
        "_running",
        "steps_run",
        "recipes",
        "fluids",
        "tiles",
        "cache",
        "power",
        "belt_changed",
        "cycles",
        "cycle_groups",
        "cycle_jumps",
        "quiet",
    )

    def __init__(
        self,
        build: Callable[[Entity, Simulation], Machine | None],
        statistics: Callable[[Entity], FlowStatistics],
        recipes: Mapping[str, RecipePrototype],
        fluids: Mapping[str, FluidPrototype] | None = None,
        tiles: Mapping[str, TilePrototype] | None = None,
        fluid_statistics: Callable[[Entity], FlowStatistics] | None = None,
    ) -> None:
        self.now = 0  # every tick before this one has run
        self.recipes = recipes  # the game's recipes (what a furnace or an inserted item may use)
        self.fluids = fluids or {}  # the game's fluids (temperatures, heat capacities) and tiles (water's fluid)
        self.tiles = tiles or {}
        self.cache: dict[Any, Any] = {}  # what machines work out once from the prototypes
        self.machines: dict[int, Machine] = {}  # by Entity.id
        self._build = build
        self._statistics = statistics
        self._fluid_statistics = fluid_statistics or statistics
        self._queue: list[tuple[int, int, int, Machine]] = []  # (tick, order, version, machine)
        self._seq = itertools.count()
        self._waiting: dict[int, set[Machine]] = {}  # entity id -> machines its changes wake
        self._tiles: dict[tuple[int, int], set[Machine]] = {}  # tile -> machines watching it
        self._running: Machine | None = None  # the machine whose step is running
        self.steps_run = 0  # steps run since the game started here (a figure, not saved)
        self.power: Any = None  # the electric networks' energy (power.PowerGrid), set by the world
        # Told when a belt connectable is built, turned or removed (the transport lines are rebuilt).
        self.belt_changed: Callable[[Entity], None] | None = None
        # What looks for machines repeating in cycles in a long run (cycles.run_in_cycles, set by the
        # world: that module imports the machine kinds, which import this one); None: every tick is
        # stepped (a test's reference world).
        self.cycles: Callable[[Simulation, int], Any] | None = None
        self.cycle_groups: Any = None  # the groups formed (cycles.Cycles), until something is built or moved
        self.cycle_jumps = 0  # times a group froze since the game started here (a figure, not saved)
        self.quiet = False  # what a group landing from its cycles changes wakes no one (cycles.py replans it)

    def __repr__(self) -> str:
        return f"<Simulation tick={self.now} machines={len(self.machines)} queued={len(self._queue)}>"

    def item_statistics(self, entity: Entity) -> FlowStatistics:
        return self._statistics(entity)

    def fluid_statistics(self, entity: Entity) -> FlowStatistics:
        return self._fluid_statistics(entity)

    # --- the model tells it of changes --------------------------------------

    def added(self, entity: Entity, state: dict[str, Any] | None = None) -> None:
        """A new entity: a machine for it if its kind is simulated (its first step is now)."""
        machine = self._build(entity, self)
        if machine is not None:
            if state:
                machine.load_state(state)
            self.machines[entity.id] = machine
            entity.machine = machine
            if self.power is not None and getattr(entity.prototype, "energy_source", None) == "electric":
                self.power.joined(machine)
            self._watch(machine)
            self._schedule(machine)
        self._surroundings(entity)
        self._belts(entity)

    def add_machine(self, machine: Machine) -> None:
        """A machine of no one entity (a surface's transport lines), under its own key; it steps now."""
        self.machines[machine.key] = machine
        self._schedule(machine)

    def _belts(self, entity: Entity) -> None:
        if entity.belt is not None and self.belt_changed is not None:
            self.belt_changed(entity)

    def removed(self, entity: Entity) -> None:
        machine = self.machines.pop(entity.id, None)
        if machine is not None:
            if self.power is not None:
                self.power.left(machine)
            self._unwait(machine)
            self._unwatch(machine)
            machine.version += 1
            machine.due = None
        self._wake(self._waiting.pop(entity.id, ()))
        self._surroundings(entity)
        self._belts(entity)

    def moved(self, entity: Entity, before: Iterable[tuple[int, int]] = ()) -> None:
        """Moved or turned (``before``: the tiles it covered): its own machine, and whatever waits
        on it or watches where it was or is, look again."""
        machine = self.machines.get(entity.id)
        if machine is not None:
            self._unwatch(machine)
            self._watch(machine)
            machine.surroundings_changed()
        self.changed(entity)
        self._surroundings(entity, before)
        self._belts(entity)

    def changed(self, entity: Entity) -> None:
        """The contents of one of the entity's inventories changed (or its settings did)."""
        if self.quiet:
            return
        machine = self.machines.get(entity.id)
        if machine is not None and machine.wakes_on_change:
            self.touch(machine)
        self.notify(entity.id)

    def notify(self, key: int) -> None:
        """Wake the machines that sleep waiting on ``key``: an entity's id, or another thing's key
        (a force's research: research.wake_key)."""
        waiting = self._waiting.get(key)
        if waiting:
            self._wake(waiting)

    def replan(self, machine: Machine) -> None:
        """What the machine works on was changed by a script (a character's queue or mining state):
        its watched tiles are read again and it plans again, awake, from the current tick."""
        if machine.key not in self.machines:
            return
        self.settle()  # (what it works on may be another group's)
        self._unwatch(machine)
        self._watch(machine)
        machine.surroundings_changed()
        self.touch(machine)

    def _wake(self, machines: Iterable[Machine]) -> None:
        # By key (the entity's id), not in the set's order: a set of machines iterates in the order of
        # their memory addresses, which one world's objects share with every other of the process, so
        # two identical worlds woke (and stepped) the same machines in different orders.
        for machine in sorted(machines, key=_key):  # (a copy: waking takes machines out of the set)
            self.touch(machine)

    def _watch(self, machine: Machine) -> None:
        machine.tiles = tuple(machine.watched_tiles())
        for tile in machine.tiles:
            self._tiles.setdefault(tile, set()).add(machine)

    def _unwatch(self, machine: Machine) -> None:
        _discard(self._tiles, machine.tiles, machine)
        machine.tiles = ()

    def _surroundings(self, entity: Entity, before: Iterable[tuple[int, int]] = ()) -> None:
        """An entity appeared, left or moved: the machines watching its tiles look again."""
        if not self._tiles:
            return
        found: set[Machine] = set()
        for tile in itertools.chain(covered_tiles(entity), before):
            watchers = self._tiles.get(tile)
            if watchers:
                found |= watchers
        for machine in sorted(found, key=lambda m: m.entity.id):  # (a set's order is not repeatable)
            if machine.entity is entity:
                continue
            machine.surroundings_changed()
            if machine.asleep and machine.waits_near:
                self.touch(machine)

    def touch(self, machine: Machine) -> None:
        """Something the machine depends on changed at the current tick: wake it, or plan again."""
        if machine is self._running or machine.key not in self.machines:
            return  # (running: it plans again when its step ends)
        if machine.touched():
            return
        machine.sync()
        if machine.asleep:
            machine.asleep = False
            # What blocked it may be gone: until its next step its status is read from its
            # state (status.py), as a script that just gave it fuel or ore expects.
            machine.state = None
            self._unwait(machine)
        self._schedule(machine)

    @property
    def running(self) -> Machine | None:
        """The machine whose step is running."""
        return self._running

    @contextlib.contextmanager
    def quietly(self) -> Iterator[None]:
        """Changes made inside wake no machine (a landing group's, whose members are replanned by hand)."""
        self.quiet = True
        try:
            yield
        finally:
            self.quiet = False

    def requeue(self, machine: Any, due: int) -> None:
        """Plan an awake machine's next step at ``due``, after the steps already planned for that tick
        (a machine, or a group's waker: cycles.py)."""
        machine.version += 1
        machine.due = due
        machine.order = order = next(self._seq)
        heapq.heappush(self._queue, (due, order, machine.version, machine))

    def reschedule(self, machine: Machine) -> None:
        """Plan an awake machine's next step again (what it plans changed outside its step)."""
        if machine.key in self.machines and not machine.asleep:
            self._schedule(machine)

    def _unwait(self, machine: Machine) -> None:
        _discard(self._waiting, machine.waits_on, machine)
        machine.waits_on = frozenset()

    def _schedule(self, machine: Machine) -> None:
        machine.scheduled()  # (first: what it tells its network may plan it again, with an older version)
        machine.version += 1
        if machine.asleep:
            machine.due = None
            for entity_id in machine.waits_on:
                self._waiting.setdefault(entity_id, set()).add(machine)
            return
        due = machine.synced + machine.plain_ticks()
        machine.due = due
        machine.order = order = next(self._seq)
        heapq.heappush(self._queue, (due, order, machine.version, machine))

    def step_ahead(self, machine: Machine) -> None:
        """From inside another machine's step, run ``machine``'s step of the current tick now if it has not
        run yet and it is awake: a machine that goes first in every tick (a surface's transport lines, which
        move before any machine reads or changes them), whatever order the queue had them in."""
        running, tick = self._running, self.now
        if running is None or running is machine or machine.synced > tick or machine.key not in self.machines:
            return
        if machine.asleep:
            machine.synced = tick + 1  # (asleep its tick changes nothing: a wake now plans it from the next)
            return
        self._step(machine, tick)
        self._running = running

    def _step(self, machine: Machine, tick: int) -> None:
        """Run the machine's step of ``tick`` (its plain ticks before it first) and plan its next."""
        if machine.synced < tick:
            machine.run_plain(tick - machine.synced)
        self._running = machine
        try:
            machine.step(tick)
        finally:
            self._running = None
        machine.synced = tick + 1
        self.steps_run += 1
        if machine.key in self.machines:
            self._schedule(machine)

    def check_power(self) -> None:
        """Electric networks whose members or wiring changed are rebuilt before the next tick runs."""
        if self.power is not None:
            self.power.check()

    # --- running ------------------------------------------------------------

    def next_step_tick(self) -> int | None:
        """The tick of the next step, or None when every machine sleeps (nothing would change)."""
        self.check_power()
        queue = self._queue
        while queue and queue[0][3].version != queue[0][2]:
            heapq.heappop(queue)
        return queue[0][0] if queue else None

    def run_until(self, end: int, should_stop: Callable[[], bool] | None = None) -> int:
        """Run every tick before ``end``; returns the tick reached (``end`` unless stopped).

        ``should_stop`` is asked between ticks, every few steps: a game that cannot keep up stops
        at a tick boundary, with every step before it run (the clock then runs slower). A long run
        forms the closed groups of machines that may freeze and run whole cycles at once (cycles.py).
        """
        self.check_power()
        if self.cycle_groups is None and self.cycles is not None:
            self.cycle_groups = self.cycles(self, end)
        return self._run(end, should_stop)

    def run_alone(self, start: int, end: int) -> None:
        """Step the machines planned before ``end``, from ``start`` (before the current tick): a group
        landing from its cycles steps its members alone over the ticks the others have run."""
        now, running = self.now, self._running
        self.now = start
        try:
            self._run(end, None)
        finally:
            self.now, self._running = max(now, end), running

    def settle(self) -> None:
        """Something is about to be built, removed, moved or turned: every group running cycles is brought
        up to date, and the groups are formed again at the next long run (cycles.py)."""
        groups = self.cycle_groups
        if groups is not None:
            self.cycle_groups = None
            groups.release()

    def bring_up_to_date(self) -> None:
        """Every group running cycles at once is brought up to the current tick (statistics are read)."""
        groups = self.cycle_groups
        if groups is not None:
            for group in groups.groups:
                group.touched()

    def _run(self, end: int, should_stop: Callable[[], bool] | None) -> int:
        queue = self._queue
        checked = self.steps_run
        while queue:
            tick, _, version, machine = queue[0]
            if machine.version != version:
                heapq.heappop(queue)
                continue
            if tick >= end:
                break
            if should_stop is not None and tick > self.now and self.steps_run - checked >= 64:
                checked = self.steps_run
                if should_stop():
                    self.now = tick
                    return tick
            heapq.heappop(queue)
            self.now = tick
            group = machine.cycle
            if group is not None and group.anchor is machine and group.before_step(tick):
                continue  # (its group runs whole cycles at once: it steps when brought up to date)
            self._step(machine, tick)
        self.now = max(self.now, end)
        return self.now

    def sync_all(self) -> None:
        """Bring every machine's continuous state up to now (before the world is saved)."""
        for machine in self.machines.values():
            machine.sync()
        self.sync_power()

    def sync_power(self) -> None:
        """Electric networks' energy and statistics up to now."""
        if self.power is not None:
            self.power.sync()

    def to_state(self) -> dict[str, Any]:
        """The tick, and the order of what runs next: machines sharing a tick step in queue order, and one
        asleep stays asleep (a woken sleeper steps on the tick it is woken; one stepped anew would not),
        so a loaded game steps its machines in the saved order, as the saved one goes on to."""
        # A surface's transport lines (an anchor with a negative id, transport_lines.py) are not saved:
        # a load rebuilds them from the belts, and that rebuild schedules them itself.
        queued = sorted(
            (due, order, m)
            for due, order, version, m in self._queue
            if m.version == version and isinstance(m, Machine) and m.entity.id >= 0
        )
        return {
            "tick": self.now,
            "queue": [m.entity.id for _, _, m in queued],
            "asleep": [
                [m.entity.id, m.state, sorted(m.waits_on), m.waits_near]
                for m in self.machines.values()
                if m.asleep and m.entity.id >= 0
            ],
        }

    def load_order(self, state: Mapping[str, Any]) -> None:
        """After the machines are restored (each first queued at now): the saved queue order and sleepers."""
        for entity_id, status, waits_on, near in state.get("asleep", ()):
            machine = self.machines.get(int(entity_id))
            if machine is not None:
                machine.sleep(status, (int(i) for i in waits_on), bool(near))
                self._schedule(machine)
        for entity_id in state.get("queue", ()):
            machine = self.machines.get(int(entity_id))
            if machine is not None and not machine.asleep:
                self._schedule(machine)


def _key(machine: Machine) -> int:
    return machine.key


def _discard(index: dict[Any, set[Machine]], keys: Iterable[Any], machine: Machine) -> None:
    """Take ``machine`` out of ``index``'s sets under ``keys``, dropping sets left empty."""
    for key in keys:
        found = index.get(key)
        if found is not None:
            found.discard(machine)
            if not found:
                del index[key]
