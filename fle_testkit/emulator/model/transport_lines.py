"""Moving transport lines: connected belt lanes merged into one line that stores the gaps between items.

As Factorio does since 0.16 (FFF-176, STYLE.md section 6), the lanes of
connected belts are merged into one *line* (here :class:`Line`) whose items
are kept as gaps: the back item first, each item's distance to the item in
front of it, and the front item's room to the line's end. A tick moves the
front item by the belt speed (``belt_speed`` of the prototype, tiles per tick)
as far as its room allows; when it is held, the item behind it closes up to
the item spacing (0.25 tile) and so on: only the gaps that close change, so a
moving line of any length is one update, and a line whose items all stand
(compressed against a dead end) is asleep and costs nothing.

Positions are Factorio's fixed point for belts: 256 units a tile, so spacing is
64 and a transport belt moves 8 units a tick (0.03125 tile): 7.5 items a
second a lane, 15 a belt. An item's position is its back edge: a lane of length
L holds items at 0 .. L - 64 (a straight belt lane: 4 items).

Which lanes merge (:func:`_topology`), following Factorio's belt rules:

- a belt's lane continues into the lane of the belt in front when that belt
  takes it from straight behind, or as a curve (the front belt has exactly one
  input, from a side, and none from behind): left lane to left lane;
- an underground entrance's lanes go underground (its lines 3 and 4, as long as
  the tiles to its exit) into its exit's lanes; an unpaired entrance is a dead end;
- lanes of different speeds do not merge: the item passes over (see below).

Where a line's end meets another line that it does not merge into (side-loading
onto a belt's near lane, a change of belt speed, a loop back into itself), the
front item passes over when it stands at the end and the other line has room
at the entry point: it is taken off this line and put onto the other. Lines are
updated in a fixed order within a tick (their ids), transfers first, so a tick
run in bulk equals ticks run one by one. Within a tick the lines move before any
machine reads or changes them (``Simulation.step_ahead``): an item an inserter
puts down moves from the next tick, whatever the order of the queue.

Choices where the game's behaviour is not known here, easy to change:

- lane lengths: a straight lane 1 tile; a curve's inner lane a quarter circle of
  radius 0.25 (101/256), its outer one of radius 0.75 (302/256); an underground's
  above-ground half 0.5 tile (as its line_length); splitter lanes 0.5 tile (an
  input half ends a line, an output half starts one; between them items choose
  their output as splitters.py says);
- side-loaded items enter the near lane at the middle of the belt (position 96,
  an item centred on the belt's centre line); both lanes of the side belt compete
  for that point, the lower line id first;
- when lines are rebuilt (a belt built, turned or removed), every item stays on
  its entity's lane at its position along it; items that no longer fit (a lane
  turned shorter) are pushed back while there is room behind, and lost otherwise.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

from . import belts, splitters
from .belt_waits import BeltWaits
from .errors import InvalidArgumentError
from .geometry import rotate_vector
from .inventory import StackRef
from .simulation import Machine, Simulation, exact

if TYPE_CHECKING:
    from ..gamedata import ItemPrototype
    from .entity import Entity

UNITS = 256  # belt positions in Factorio's fixed point: 1/256 tile
SPACING = 64  # 0.25 tile between two items on a lane
STRAIGHT = UNITS
#: A curve's lanes (see the module docstring: quarter circles of radius 0.25 and 0.75, rounded).
CURVE_INNER = 101
CURVE_OUTER = 302
HALF = UNITS // 2
#: Where a side-loaded item enters the near lane (its back edge), from the lane's start.
SIDE_ENTRY = HALF - SPACING // 2
NEVER = 2**62


class TransportLine:
    """One lane of one entity: a segment of a moving transport line (py).

    While it is part of a line (``line``) its items are kept there, as gaps; ``resting``
    holds them, as (position along this lane in 1/256 tile, name), only while the lines
    are rebuilt. ``length`` is set when they are (1/256 tile).
    """

    __slots__ = ("owner", "index", "length", "line", "resting")

    def __init__(self, owner: Entity, index: int) -> None:
        self.owner = owner
        self.index = index
        self.length = 0
        self.line: Any = None
        self.resting: list[tuple[int, str]] = []

    def items(self) -> list[tuple[int, str]]:
        """(position, name) of each item on this lane, back first."""
        return items_on(self)

    def can_insert_at_back(self) -> bool:
        return can_insert_at(self, 0)

    def insert_at_back(self, name: str) -> bool:
        return insert_at(self, 0, name)

    def contents(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _, name in self.items():
            counts[name] = counts.get(name, 0) + 1
        return counts

    def remove_item(self, name: str | None, count: int) -> int:
        return remove(self, name, count)


class BeltState:
    """What a belt connectable holds besides its position: lanes, underground type, splitter settings."""

    __slots__ = ("lines", "belt_to_ground_type", "input_priority", "output_priority", "filter", "turns", "neighbours")

    def __init__(self, entity: Entity) -> None:
        count = belts.LINE_COUNTS.get(entity.type, 2)
        self.lines = [TransportLine(entity, i + 1) for i in range(count)]
        self.belt_to_ground_type: str | None = "input" if entity.type == "underground-belt" else None
        self.input_priority = "none"
        self.output_priority = "none"
        self.filter: str | None = None
        self.turns = list(splitters.NEW_TURNS)  # a splitter's toggles (splitters.py)
        self.neighbours: Any = None  # belts.belt_neighbours' last answer, with the surface's belt_version

    def to_state(self) -> dict[str, Any]:
        return {
            # Exact positions (1/256 tile along each lane), so a loaded game moves on as the saved one would.
            "lines": [[[name, position] for position, name in line.items()] for line in self.lines],
            "belt_to_ground_type": self.belt_to_ground_type,
            "input_priority": self.input_priority,
            "output_priority": self.output_priority,
            "filter": self.filter,
            "turns": list(self.turns),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        for line, items in zip(self.lines, state.get("lines", ()), strict=False):
            # (States written before lines moved hold names only: a spacing apart from the back.)
            line.resting = [
                (int(item[1]), str(item[0])) if isinstance(item, list) else (k * 64, str(item))
                for k, item in enumerate(items)
            ]
        self.belt_to_ground_type = state.get("belt_to_ground_type", self.belt_to_ground_type)
        self.input_priority = str(state.get("input_priority", "none"))
        self.output_priority = str(state.get("output_priority", "none"))
        self.filter = state.get("filter")
        self.turns = [int(t) for t in state.get("turns", splitters.NEW_TURNS)]


def speed_units(entity: Entity) -> int:
    """Units a tick items move on the entity (0.03125 tile: 8)."""
    return _speed_units(entity.prototype.belt_speed or 0.0)


@functools.cache
def _speed_units(belt_speed: float) -> int:
    return int(exact(belt_speed) * UNITS)


class Line:
    """Merged lanes (segments, back first) and the items on them, kept as gaps."""

    __slots__ = (
        "id",
        "segments",
        "starts",
        "length",
        "speed",
        "names",
        "gaps",
        "total",
        "first_free",
        "output",
        "split",
        "feeders",
        "active",
        "version",
        "_index",
    )

    def __init__(self, line_id: int, segments: list[TransportLine], speed: int) -> None:
        self.id = line_id
        self.segments = segments  # (fixed: a change of the belts builds new lines)
        self._index = {id(segment): at for at, segment in enumerate(segments)}
        self.starts: list[int] = []  # each segment's start along the line
        length = 0
        for segment in segments:
            self.starts.append(length)
            length += segment.length
        self.length = length
        self.speed = speed
        self.names: list[str] = []  # back first
        # gaps[i]: from item i to item i + 1; the last: the front item's room to the end.
        self.gaps: list[int] = []
        self.total = 0  # sum(gaps), kept as they change: the back item's position without a pass over them
        self.first_free = -1  # items after this index stand at the end, compressed
        self.output: tuple[Line, int] | None = None  # the line the front passes onto, and where
        self.split: splitters.Split | None = None  # or the splitter lane its front chooses an output at
        self.feeders: list[Line] = []  # lines that pass onto this one
        self.active = False
        self.version = 0

    def __repr__(self) -> str:
        return f"<Line {self.id} segments={len(self.segments)} items={len(self.names)} active={self.active}>"

    def index_of(self, segment: TransportLine) -> int:
        """Where one of its segments is among them (without a pass over a long line's)."""
        return self._index[id(segment)]

    # --- positions --------------------------------------------------------------

    def positions(self) -> list[int]:
        """Each item's position along the line, back first."""
        n = len(self.gaps)
        if not n:
            return []
        out = [0] * n
        x = self.length - SPACING - self.gaps[-1]
        out[-1] = x
        for i in range(n - 2, -1, -1):
            x -= self.gaps[i]
            out[i] = x
        return out

    def set_items(self, items: list[tuple[int, str]]) -> None:
        """Items as (position, name), back first and at least a spacing apart."""
        self.names = [name for _, name in items]
        self.gaps = [items[i + 1][0] - items[i][0] for i in range(len(items) - 1)]
        if items:
            self.gaps.append(self.length - SPACING - items[-1][0])
        self.total = sum(self.gaps)
        self.first_free = len(items) - 1
        self.version += 1

    def back(self) -> int:
        """The back item's position (the line's length when empty), from the gaps' running total."""
        return self.length - SPACING - self.total if self.gaps else self.length

    def room_at(self, x: int) -> bool:
        """Whether an item fits with its back edge at ``x``."""
        if x < 0 or x > self.length - SPACING:
            return False
        back = self.back()
        if x <= back - SPACING:  # behind every item: the usual case (the back of a line)
            return True
        positions = self.positions()
        at = bisect.bisect_left(positions, x)
        if at < len(positions) and positions[at] - x < SPACING:
            return False
        return not (at > 0 and x - positions[at - 1] < SPACING)

    def insert(self, x: int, name: str) -> bool:
        if not self.room_at(x):
            return False
        if self.gaps and x <= self.back() - SPACING:
            gap = self.back() - x
            self.names.insert(0, name)
            self.gaps.insert(0, gap)
            self.total += gap
            self.first_free += 1  # (the items in front keep their state; the new one may move)
            self.version += 1
            return True
        items = list(zip(self.positions(), self.names, strict=True))
        bisect.insort(items, (x, name))
        self.set_items(items)
        return True

    def remove_at(self, index: int) -> None:
        items = list(zip(self.positions(), self.names, strict=True))
        del items[index]
        self.set_items(items)

    def pop_front(self) -> str:
        name = self.names.pop()
        room = self.gaps.pop()
        if self.gaps:
            self.gaps[-1] += room  # (the total stays)
        else:
            self.total = 0
        self.first_free = len(self.names) - 1
        self.version += 1
        return name

    # --- moving -----------------------------------------------------------------

    def tick(self) -> None:
        """One tick of movement (see the module docstring)."""
        gaps = self.gaps
        i = self.first_free
        if i < 0:
            return
        speed = self.speed
        n = len(gaps)
        carry = 0
        self.version += 1
        while i >= 0:
            room = gaps[i] + carry - (SPACING if i < n - 1 else 0)
            moved = speed if room >= speed else room
            gaps[i] += carry - moved
            self.total += carry - moved
            if moved == speed:
                return
            if moved == 0 and i == self.first_free:
                self.first_free = i - 1
            carry = moved
            i -= 1

    def plain_ticks(self) -> int:
        """Ticks from now on that only close the first open gap by a whole speed each."""
        i = self.first_free
        if i < 0:
            return NEVER
        room = self.gaps[i] - (SPACING if i < len(self.gaps) - 1 else 0)
        return room // self.speed

    def run_plain(self, ticks: int) -> None:
        if self.first_free >= 0:
            self.gaps[self.first_free] -= self.speed * ticks
            self.total -= self.speed * ticks
            self.version += 1

    def front_waiting(self) -> bool:
        """The front item stands at the end with somewhere to go (at a splitter: reaches it within the tick)."""
        if self.split is not None:
            return self.split.waiting(self)
        return self.output is not None and bool(self.gaps) and self.gaps[-1] == 0

    def moving(self) -> bool:
        return self.first_free >= 0 or self.front_waiting()

    def segment_at(self, x: int) -> int:
        return max(0, bisect.bisect_right(self.starts, x) - 1)


class TransportLines(Machine):
    """Every transport line of a surface, run as one machine (a fixed order within a tick)."""

    __slots__ = ("surface", "lines", "dirty", "loaded", "serial", "_active", "waits", "_plan")

    def __init__(self, surface: Any, sim: Simulation) -> None:
        super().__init__(cast(Any, _Anchor(surface)), sim)
        self.key = -int(surface.index)
        self.surface = surface
        self.lines: list[Line] = []
        self.dirty = True  # the topology changed: lines are rebuilt before their next use
        self.loaded = False  # some line held items when they were last dissolved
        self.serial = 0
        self._active: dict[int, Line] = {}  # by id
        self.waits = BeltWaits(sim.touch)  # inserters asleep until an item or a gap reaches their hand
        # The tick of the next step as last worked out over every moving line (None: work it out again).
        # Plain ticks keep it; a change to one line only brings it earlier (see :meth:`_plan_earlier`).
        self._plan: int | None = None
        self.sleep("working")  # (woken by items: an empty belt network never runs)

    def __repr__(self) -> str:
        return f"<TransportLines surface={self.surface.index} lines={len(self.lines)} active={len(self._active)}>"

    # --- the machine ------------------------------------------------------------

    def step(self, tick: int) -> None:
        self._plan = None
        rebuilt = self.dirty
        self.rebuild()
        active = sorted(self._active.values(), key=lambda line: line.id)
        split: set[int] = set()  # (a splitter's lane takes both its inputs at once)
        for line in active:
            if not line.front_waiting():
                continue
            if line.split is None:
                self._pass_on(line)
            elif id(line.split) not in split:
                split.add(id(line.split))
                for changed in line.split.pass_through():
                    self._activate(changed)
        for line in sorted(self._active.values(), key=lambda line: line.id):
            line.tick()
        moved = list(self._active.values())
        self.waits.check(self.lines if rebuilt else moved, self.serial, tick)  # (rebuilt: every line is new)
        for line in moved:
            if not line.moving():
                self._deactivate(line)
            elif line.first_free < 0 and line.output is not None and not self._may_pass(line):
                target = line.output[0]
                if not target.active:  # blocked by a line that stands: wait for it to move
                    self._deactivate(line)
            elif line.first_free < 0 and line.split is not None and line.split.stuck(line):
                self._deactivate(line)
        if not self._active:
            self.sleep("working")
        else:
            self.state = "working"

    def plain_ticks(self) -> int:
        if self.dirty or not self._active:  # (rebuilt by the step, not by each build that schedules it)
            return 0
        if self._plan is None:
            self._plan = self.synced + self._planned_ticks()
        return max(0, self._plan - self.synced)

    def _planned_ticks(self) -> int:
        """Plain ticks before some moving line or some belt wait needs a step."""
        found = NEVER
        for line in self._active.values():
            if line.front_waiting():
                return 0
            found = min(found, line.plain_ticks())
        due = self.waits.earliest(self._active.values(), self.serial)
        if due < NEVER:
            found = min(found, max(0, due - self.synced))
        return 0 if found == NEVER else found

    def run_plain(self, ticks: int) -> None:
        for line in self._active.values():
            line.run_plain(ticks)

    def _may_pass(self, line: Line) -> bool:
        target, entry = line.output or (None, 0)
        return target is not None and target.room_at(entry) and not (target is line and len(line.names) == 1)

    def _pass_on(self, line: Line) -> None:
        if line.output is None:
            return
        target, entry = line.output
        if target is line:
            if len(line.names) > 1 and line.back() >= entry + SPACING:
                line.insert(entry, line.pop_front())
            return
        if target.room_at(entry):
            target.insert(entry, line.pop_front())
            self._activate(target)

    def _activate(self, line: Line) -> None:
        if not line.active and line.names:
            line.active = True
            self._active[line.id] = line
            for feeder in line.feeders:
                self._activate(feeder)

    def _deactivate(self, line: Line) -> None:
        line.active = False
        self._active.pop(line.id, None)

    def changed_line(self, line: Line) -> None:
        """Items were put on or taken off ``line`` from outside (after :meth:`Machine.sync`)."""
        self.loaded = True
        line.first_free = len(line.names) - 1
        self._activate(line)
        for feeder in line.feeders:
            self._activate(feeder)
        due = self.waits.check((line,), self.serial, self.synced - 1)  # (first: the plan below uses its ticks)
        for changed in (line, *line.feeders):
            self._plan_earlier(0 if changed.front_waiting() else changed.plain_ticks())
        if due < NEVER:
            self._plan_earlier(due - self.synced)
        self.sim.touch(self)

    def _plan_earlier(self, ticks: int) -> None:
        """Something needs a step within ``ticks`` plain ticks (from ``synced``): the plan keeps the earlier."""
        if self._plan is not None and ticks < NEVER:
            self._plan = min(self._plan, self.synced + max(0, ticks))

    def wait_for(self, wait: Any) -> None:
        """A machine sleeps until ``wait`` (belt_waits.py) comes true: the lines plan their next step with it."""
        self.waits.add(wait)
        line = wait.segment.line
        if self.asleep or line is None or not line.active:
            return  # (nothing moves it: a change to the line checks it)
        moves = wait.ticks(line, line.positions())
        wait.due = self.synced - 1 + moves  # (the lines last moved on the tick before they are synced to)
        if self.due is None or wait.due < self.due:
            self._plan_earlier(wait.due - self.synced)
            self.sim.touch(self)

    # --- topology -----------------------------------------------------------------

    def topology_changed(self, holding: bool = False) -> None:
        """Lines are rebuilt before their next use; only lines with items need a step to rebuild them
        (an empty belt network never runs)."""
        self.sync()
        if not self.dirty:
            self.loaded = any(line.names for line in self.lines)
            self._dissolve()
        self.dirty = True
        self.loaded = self.loaded or holding
        if self.loaded:
            self.sim.touch(self)

    def _dissolve(self) -> None:
        """Every item back onto its segment, at its position there."""
        for line in self.lines:
            for x, name in zip(line.positions(), line.names, strict=True):
                segment = line.segments[line.segment_at(x)]
                segment.resting.append((x - line.starts[line.segment_at(x)], name))
            for segment in line.segments:
                segment.line = None
        self.lines = []
        self._active.clear()

    def rebuild(self) -> None:
        if not self.dirty:
            return
        self.dirty = False
        self._plan = None
        surface = self.surface
        entities = surface.find_entities_filtered(type=sorted(belts.BELT_TYPES))
        entities.sort(key=lambda e: e.id)
        topology = _topology(entities)
        self.lines = []
        for chain, speed in _chains(entities, topology):
            self.serial += 1
            line = Line(self.serial, chain, speed)
            for segment in chain:
                segment.line = line
            line.set_items(_gather(line))
            self.lines.append(line)
        for line in self.lines:
            end = line.segments[-1]
            target = topology.outputs.get(id(end))
            if target is not None and target[0].line is not None:
                goes, entry = target
                onto = goes.line
                if onto is not None:
                    at = onto.index_of(goes)
                    line.output = (onto, onto.starts[at] + entry)
                    onto.feeders.append(line)
        for entity in entities:
            if entity.type == "splitter":
                self._link_splitter(entity)
        for line in self.lines:
            self._activate(line)

    def _link_splitter(self, entity: Entity) -> None:
        """The lines ending at a splitter's inputs choose between the lines starting at its outputs."""
        for split in splitters.splits(entity):
            for line in split.inputs:
                line.split = split
                for target in split.outputs:
                    if line not in target.feeders:
                        target.feeders.append(line)

    def line_of(self, segment: TransportLine) -> Line | None:
        self.sim.step_ahead(self)  # (within a tick the lines move before a machine reads or changes them)
        self.sync()
        self.rebuild()
        return segment.line


class _Anchor:
    """Stands in for an entity where the simulation asks a machine for one (the surface's lines have none)."""

    __slots__ = ("surface", "id", "active")

    def __init__(self, surface: Any) -> None:
        self.surface = surface
        self.id = -int(surface.index)
        self.active = True


class Topology:
    """Which segment continues into which (merges) and which ends pass onto which (transfers)."""

    __slots__ = ("after", "before", "outputs")

    def __init__(self) -> None:
        self.after: dict[int, TransportLine] = {}  # id(segment) -> the segment it merges into
        self.before: dict[int, TransportLine] = {}
        self.outputs: dict[int, tuple[TransportLine, int]] = {}  # id(end segment) -> (segment, entry)


def _state(entity: Entity) -> BeltState:
    state = entity.belt
    if state is None:
        raise TypeError(f"{entity.name} is not a belt connectable")
    return state


def _side(of: Entity, other_direction: int) -> int:
    """Which side of ``of`` an input facing ``other_direction`` comes from: 0 behind, 1 left, 2 right."""
    turn = (other_direction - of.direction) % 16
    if turn == 0:
        return 0
    # Coming in facing east onto a belt facing north: from the belt's left (west) side.
    return 1 if turn == 4 else 2


def _topology(entities: list[Entity]) -> Topology:
    topology = Topology()
    grid = belts.BeltGrid(entities)
    curves = {entity.id: _curve(entity, grid) for entity in entities if entity.type == "transport-belt"}
    for entity in entities:
        state = _state(entity)
        lines = state.lines
        kind = entity.type
        for line in lines:
            line.length = 0
        if kind == "transport-belt":
            curve = curves[entity.id]
            for line in lines:
                line.length = STRAIGHT
            if curve:
                inner = 0 if curve == 1 else 1  # turning left, the left lane is the inner one
                lines[inner].length, lines[1 - inner].length = CURVE_INNER, CURVE_OUTER
        elif kind == "underground-belt":
            lines[0].length = lines[1].length = HALF
            if state.belt_to_ground_type == "input":
                partner = belts.partner_in(entity, grid)
                if partner is not None:
                    distance = round(
                        abs(partner.position.x - entity.position.x) + abs(partner.position.y - entity.position.y)
                    )
                    # Underground from the entrance's centre to the exit's: the halves above make the rest.
                    lines[2].length = lines[3].length = distance * UNITS
                    for k in (0, 1):
                        _merge(topology, lines[k], lines[2 + k])
                        _merge(topology, lines[2 + k], _state(partner).lines[k])
        else:
            for line in lines:
                line.length = HALF
    for entity in entities:
        if not _outputs_ahead(entity):
            continue
        for target in belts._feeds(entity, grid):
            _connect(topology, entity, target, curves.get(target.id, 0))
    return topology


def _outputs_ahead(entity: Entity) -> bool:
    state = _state(entity)
    return not (entity.type == "underground-belt" and state.belt_to_ground_type == "input")


def _curve(entity: Entity, place: belts.Place) -> int:
    """0 straight; 1 a curve turning left (its one input comes from the left side), 2 turning right."""
    sides = [_side(entity, other.direction) for other in belts._fed_by(entity, place)]
    if len(sides) != 1 or sides[0] == 0:
        return 0
    return sides[0]


def _merge(topology: Topology, back: TransportLine, front: TransportLine) -> None:
    topology.after[id(back)] = front
    topology.before[id(front)] = back


def _connect(topology: Topology, entity: Entity, target: Entity, curve: int) -> None:
    """``entity`` outputs into ``target``, whose ``curve`` is ``_curve``'s (0 for other than a transport belt)."""
    side = _side(target, entity.direction)
    same_speed = speed_units(entity) == speed_units(target)
    for tile, target_tile in splitters.tile_pairs(entity, target):  # (a splitter's tiles each meet one)
        lines = splitters.output_lanes(entity, tile)
        target_lines = splitters.input_lanes(target, target_tile)
        if side == 0 or curve:
            for k in (0, 1):
                if same_speed:
                    _merge(topology, lines[k], target_lines[k])
                else:
                    topology.outputs[id(lines[k])] = (target_lines[k], 0)
            continue
        near = target_lines[0] if side == 1 else target_lines[1]
        for k in (0, 1):
            topology.outputs[id(lines[k])] = (near, SIDE_ENTRY)


def _chains(entities: list[Entity], topology: Topology) -> Iterator[tuple[list[TransportLine], int]]:
    """Maximal runs of merged segments, back first, in a fixed order; a loop starts at its first segment."""
    seen: set[int] = set()
    for entity in entities:
        for segment in _state(entity).lines:
            if id(segment) in seen or segment.length <= 0:
                continue
            start = segment
            while True:
                back = topology.before.get(id(start))
                if back is None or back is segment or id(back) in seen:
                    break
                start = back
            chain = []
            current: TransportLine | None = start
            while current is not None and id(current) not in seen:
                seen.add(id(current))
                chain.append(current)
                current = topology.after.get(id(current))
            if current is not None and current is chain[0]:
                topology.outputs[id(chain[-1])] = (chain[0], 0)  # a loop passes its front onto its back
            yield chain, speed_units(chain[0].owner)


def _gather(line: Line) -> list[tuple[int, str]]:
    """The items resting on the line's segments, at their positions, a spacing apart (see the docstring)."""
    items: list[tuple[int, str]] = []
    for segment, start in zip(line.segments, line.starts, strict=True):
        for x, name in sorted(segment.resting):
            items.append((start + min(max(0, x), max(0, segment.length - 1)), name))
        segment.resting = []
    items.sort()
    kept: list[tuple[int, str]] = []
    limit = line.length - SPACING
    for x, name in reversed(items):
        x = min(x, limit)
        if x < 0:
            continue  # no room left behind: lost
        kept.append((x, name))
        limit = x - SPACING
    kept.reverse()
    return kept


# --- what the model and the API ask of a lane ------------------------------------------


def system(entity: Entity) -> TransportLines:
    """The transport lines of the entity's surface (made on first use)."""
    found = existing_system(entity)
    if found is None:
        surface: Any = entity.surface
        sim: Simulation = surface.world.simulation
        found = TransportLines(surface, sim)
        sim.add_machine(found)
    return found


def existing_system(entity: Entity) -> TransportLines | None:
    """The transport lines of the entity's surface if it has any (none made)."""
    surface: Any = entity.surface
    found = surface.world.simulation.machines.get(-int(surface.index))
    return found if isinstance(found, TransportLines) else None


def line_of(segment: TransportLine) -> Line | None:
    return system(segment.owner).line_of(segment)


def items_on(segment: TransportLine) -> list[tuple[int, str]]:
    """The items on one entity's lane as (position along it, name), back first."""
    line = line_of(segment)
    if line is None:
        return sorted(segment.resting)
    at = line.index_of(segment)
    start = line.starts[at]
    end = start + segment.length
    last = at == len(line.segments) - 1
    # Positions from the front item back (as Line.positions works them out), only as far back as this
    # segment: a lane read of each belt of a long line (FLE's serializer) is not a pass over all its items.
    gaps, names = line.gaps, line.names
    found = []
    if gaps:
        x = line.length - SPACING - gaps[-1]
        i = len(gaps) - 1
        while x >= start:
            if x < end or (last and x == end):
                found.append((x - start, names[i]))
            if i == 0:
                break
            i -= 1
            x -= gaps[i]
    found.reverse()
    return found


def insert_at(segment: TransportLine, position: int, name: str) -> bool:
    """Put an item on one entity's lane with its back edge at ``position`` (units from the lane's start)."""
    line = line_of(segment)
    if line is None:
        return False
    at = line.index_of(segment)
    placed = line.insert(line.starts[at] + position, name)
    if placed:
        system(segment.owner).changed_line(line)
    return placed


def can_insert_at(segment: TransportLine, position: int) -> bool:
    line = line_of(segment)
    if line is None:
        return False
    return line.room_at(line.starts[line.index_of(segment)] + position)


def remove(segment: TransportLine, name: str | None, count: int) -> int:
    """Take up to ``count`` items (of ``name``, or any) off one entity's lane, front first."""
    line = line_of(segment)
    if line is None:
        return 0
    at = line.index_of(segment)
    start = line.starts[at]
    end = start + segment.length
    removed = 0
    positions = line.positions()
    for index in range(len(positions) - 1, -1, -1):
        if removed >= count:
            break
        x = positions[index]
        inside = start <= x < end or (at == len(line.segments) - 1 and x == end)
        if inside and (name is None or line.names[index] == name):
            line.remove_at(index)
            removed += 1
    if removed:
        system(segment.owner).changed_line(line)
    return removed


def input_lines(segment: TransportLine) -> list[TransportLine]:
    line = line_of(segment)
    if line is None:
        return []
    at = line.index_of(segment)
    if at > 0:
        return [line.segments[at - 1]]
    return [
        feeder.segments[-1]
        for feeder in line.feeders
        if (feeder.output and feeder.output[1] == line.starts[0]) or feeder.split is not None
    ]


def output_lines(segment: TransportLine) -> list[TransportLine]:
    line = line_of(segment)
    if line is None:
        return []
    at = line.index_of(segment)
    if at < len(line.segments) - 1:
        return [line.segments[at + 1]]
    if line.split is not None:
        return splitters.split_outputs(segment)
    if line.output is None:
        return []
    target, entry = line.output
    return [target.segments[target.segment_at(entry)]]


def drop_onto(belt: Entity, x: float, y: float, name: str) -> bool:
    """Put an item onto the belt lane nearest (x, y), at the point across from it (a drill's drop).

    Factorio puts a drill's product on the lane nearest its drop position; the point along the
    lane is the drop position's projection on it, the item centred there.
    """
    found = nearest_point(belt, x, y)
    return found is not None and insert_at(found[0], found[1], name)


def nearest_point(belt: Entity, x: float, y: float) -> tuple[TransportLine, int] | None:
    """The lane nearest (x, y) and the point across from it there (see :func:`drop_onto`)."""
    left, along = belt_coordinates(belt, x, y)
    return lane_point(belt, 0 if left >= 0 else 1, along)


def belt_coordinates(belt: Entity, x: float, y: float) -> tuple[float, float]:
    """(x, y) relative to the belt's centre: how far towards its left lane, and how far along it
    (-0.5 at its back edge, 0.5 at its front edge)."""
    dx, dy = rotate_vector(-1.0, 0.0, belt.direction)  # towards the belt's left lane
    fx, fy = rotate_vector(0.0, -1.0, belt.direction)  # along the belt
    rx, ry = x - belt.position.x, y - belt.position.y
    return rx * dx + ry * dy, rx * fx + ry * fy


def lane_point(belt: Entity, lane: int, along: float) -> tuple[TransportLine, int] | None:
    """The lane (0 left, 1 right) and the position on it of an item centred ``along`` the belt (as
    :func:`belt_coordinates` gives it); None while the lane has no line (no length)."""
    segment = _state(belt).lines[lane]
    if line_of(segment) is None or segment.length <= 0:  # (lengths are set when the lines are built)
        return None
    position = int(round((along + 0.5) * segment.length)) - SPACING // 2
    return segment, min(max(0, position), max(0, segment.length - SPACING))


def configure_splitter(entity: Entity, **settings: str | None) -> None:
    """Set a splitter's ``input_priority``, ``output_priority`` or ``filter``: the lines run up to now by the
    old settings, and the lines at its inputs look again (an item that waited may go now)."""
    lines = system(entity)
    lines.sync()
    state = _state(entity)
    for name, value in settings.items():
        setattr(state, name, value)
    for segment in state.lines[:4]:
        line = lines.line_of(segment)
        if line is not None and line.names:
            lines.changed_line(line)


def belt_changed(entity: Entity) -> None:
    """A belt connectable was built, turned or removed: its surface's lines are rebuilt before next use."""
    holding = entity.belt is not None and any(line.resting for line in entity.belt.lines)  # (a loaded save's)
    system(entity).topology_changed(holding)


class LaneStack(StackRef):
    """The ``index``-th item (back first) of one entity's lane, as a LuaItemStack sees it (``line[i]``).

    Valid while the lane holds that many items; it reads whatever item is ``index``-th now.
    Setting a count of 0 takes the item off the lane; other counts are refused (a belt carries
    stacks of 1 here: belt stacking is not modelled).
    """

    __slots__ = ("segment", "index", "items")

    def __init__(self, segment: TransportLine, index: int, items: Mapping[str, ItemPrototype]) -> None:
        self.segment = segment
        self.index = index
        self.items = items

    @property
    def valid(self) -> bool:
        return bool(self.segment.owner.valid) and self.index < len(items_on(self.segment))

    @property
    def stack(self) -> tuple[str, int] | None:
        found = items_on(self.segment) if self.segment.owner.valid else []
        return (found[self.index][1], 1) if self.index < len(found) else None

    def set(self, name: str | None, count: int = 0) -> None:
        found = items_on(self.segment)
        if self.index >= len(found):
            return
        if name is None or count <= 0:
            line = line_of(self.segment)
            if line is not None:
                at = line.index_of(self.segment)
                x = line.starts[at] + found[self.index][0]
                line.remove_at(line.positions().index(x))
                system(self.segment.owner).changed_line(line)
            return
        raise InvalidArgumentError("an item on a belt is a stack of 1")

    def item(self, name: str) -> ItemPrototype:
        return self.items[name]

    def accepts(self, name: str) -> bool:
        return name in self.items
