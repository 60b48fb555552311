"""Fluid content: what each fluid segment of a surface holds, as Factorio 2.0's fluid system keeps it.

Factorio 2.0 (FFF-416, wiki "Fluid system") no longer moves fluid pipe by pipe:
"Pipes, underground pipes, and storage tanks are merged into fluid segments",
and a segment holds one fluid with one amount and one temperature; machines
(offshore pumps, boilers, pumps, crafting machines, generators) keep their own
fluid boxes and exchange fluid with the segments they touch, at a limited rate.

The rules adopted here:

- A segment is a connected group of fluid boxes (model/fluids.py's connections),
  holding one fluid, an exact amount (an int while whole, else a Fraction) and a
  temperature; its capacity is the sum of its boxes' volumes. Its id
  (``get_fluid_segment_id``) is its smallest box key (entity serial number x 16 + box
  index): stable while the network stays as it is. Factorio's ids are other numbers
  with the same property.
- Machines' boxes join the segment of the pipes they connect to, instead of being
  their own segments with a transfer between (a deliberate simplification, chosen
  because the transfer's rate limit is not documented: with it, a box's content is
  the segment's, shared by volume, as it is in 2.0 once the flow has settled).
  Two boxes of one machine (a boiler's water and steam) are never joined through
  the machine, so they are separate segments; nor are the two sides of a pump's one
  box (fluids.one_way): its box is in the segment ahead, and the segment behind
  lists the pump among the machines it wakes (``fed``).
- A box's content (``LuaFluidBox[i]``) is the segment's share for the box's volume:
  amount x volume / capacity, at the segment's temperature. Writing it fills the segment to
  the level that gives the box the amount written; clearing a box empties its segment.
- Filters: a segment whose boxes filter one fluid (a boiler's input: water) takes only
  that fluid; fluid of another kind is refused (:func:`give` gives 0). Mixing is refused
  the same way: a segment holding a fluid takes no other. Filters' temperature bounds
  are not checked.
- When entities are built, removed, moved or turned the segments they touch are worked
  out again (lazily, on the next read; the others are kept): each old segment's content
  is first shared among its boxes by volume, and each new segment gets the sum of its
  boxes' shares; a box that left takes its share with it (a removed pipe's fluid is
  lost: the most plausible reading, as a mined pipe gives back no fluid). Where shares
  of two fluids meet (Factorio refuses such a build; not modelled), the fluid with the
  greater amount stays and the other is lost.
- Temperatures of one fluid merged or added are mixed by amount.

Machines on a segment (model/pumping.py, model/boiling.py) change it only in their
steps; every change wakes the sleeping machines on the segment. Saved per segment
(its boxes and exact amount), restored exactly.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from . import fluids

if TYPE_CHECKING:
    from .entity import Entity
    from .simulation import Simulation

Key = tuple[int, int]  # (Entity.id, 1-based box index)
Amount = Fraction | int  # exact; an int while whole (int sums are several times faster than Fraction ones)
#: What a machine made and its boxes' segments could not take yet: (box, fluid, amount, temperature).
Held = list[tuple[int, str, Amount, float]]


def whole(value: Amount) -> Amount:
    """An int when the value is whole."""
    if type(value) is int:
        return value
    return value.numerator if value.denominator == 1 else value


@dataclass(eq=False)
class Segment:
    """One connected group of fluid boxes and what it holds."""

    id: int
    boxes: list[tuple[Entity, int]]
    capacity: Amount
    filters: frozenset[str]
    fluid: str | None = None
    amount: Amount = 0
    temperature: float = 0.0
    entities: list[Entity] = field(default_factory=list)  # the boxes' entities that run a machine
    # Machines that draw from it with no box in it (a pump whose input side meets it): woken by its changes.
    fed: list[Entity] = field(default_factory=list)
    steady: Any = None  # the steady steam plant whose ticks repeat on it (steady_steam.py): a change ends them

    @property
    def room(self) -> Amount:
        return self.capacity - self.amount

    def accepts(self, fluid: str) -> bool:
        if self.filters and fluid not in self.filters:
            return False
        return self.fluid is None or self.fluid == fluid or self.amount == 0

    def share(self, volume: float) -> Amount:
        """The part of the amount a box of ``volume`` holds."""
        if self.capacity == 0:
            return 0
        return whole(Fraction(self.amount) * Fraction(repr(float(volume))) / self.capacity)


def _volume(entity: Entity, box: int) -> Amount:
    return whole(Fraction(repr(float(entity.prototype.fluid_boxes[box - 1].volume))))


def has_fluid_boxes(entity: Entity) -> bool:
    return bool(entity.prototype.fluid_boxes)


class FluidSegments:
    """One surface's segments, worked out on demand; the surface reports its fluid entities' changes."""

    def __init__(self, surface: Any, simulation: Simulation) -> None:
        # (the Surface: its entities, and what model/fluids.py searches; Any, as its keyword
        # search does not fit fluids.Place's signature)
        self._surface = surface
        self._simulation = simulation
        self._dirty = True
        self._full = True  # no segments worked out yet: all of them at the next read
        self._segments: dict[Key, Segment] = {}
        # What changed since the last read: only these segments, and the ones built entities join,
        # are worked out again (a whole surface's would cost a connect_entities a full pass a pipe).
        self._stale: dict[int, Segment] = {}
        self._added: dict[int, Entity] = {}

    # --- the surface tells it of changes ----------------------------------------

    def added(self, entity: Entity) -> None:
        if has_fluid_boxes(entity):
            self._added[entity.id] = entity
            self._dirty = True
            if not self._full:  # the machines of the segments it joins look again
                for box in range(1, len(entity.prototype.fluid_boxes) + 1):
                    for other, other_box in fluids.connected_boxes(entity, box, self._surface):
                        segment = self._segments.get((other.id, other_box))
                        if segment is not None:
                            self._wake(segment)

    def removed(self, entity: Entity) -> None:
        if has_fluid_boxes(entity):
            self._added.pop(entity.id, None)
            for box in range(1, len(entity.prototype.fluid_boxes) + 1):
                segment = self._segments.get((entity.id, box))
                if segment is not None:
                    self._stale[id(segment)] = segment
                    self._wake(segment)  # (its machines look again: the segment splits or shrinks)
            self._dirty = True

    def moved(self, entity: Entity) -> None:
        self.removed(entity)
        self.added(entity)

    # --- reading ---------------------------------------------------------------------

    def segment(self, entity: Entity, box: int) -> Segment:
        if self._dirty:
            self._rebuild()
        found = self._segments.get((entity.id, box))
        if found is None:  # (an entity built since, not yet reported: cannot happen through the surface)
            self._dirty = self._full = True
            self._rebuild()
            found = self._segments[(entity.id, box)]
        return found

    def box_content(self, entity: Entity, box: int) -> tuple[str, Amount, float] | None:
        """(fluid, amount, temperature) of one box, or None when it holds nothing."""
        segment = self.segment(entity, box)
        if segment.fluid is None or segment.amount <= 0:
            return None
        return segment.fluid, segment.share(entity.prototype.fluid_boxes[box - 1].volume), segment.temperature

    # --- changing ----------------------------------------------------------------------

    def give(self, entity: Entity, box: int, fluid: str, amount: Amount, temperature: float) -> Amount:
        """Put up to ``amount`` of ``fluid`` into the box's segment; returns what went in."""
        segment = self.segment(entity, box)
        if amount <= 0 or not segment.accepts(fluid):
            return 0
        room = segment.capacity - segment.amount
        put = amount if amount <= room else room
        if put <= 0:
            return 0
        if segment.amount == 0:
            segment.temperature = temperature
        elif temperature != segment.temperature:
            total = segment.amount + put
            segment.temperature = float(
                (segment.amount * Fraction(segment.temperature) + put * Fraction(temperature)) / total
            )
        segment.fluid = fluid
        segment.amount = whole(segment.amount + put)
        self._wake(segment)
        return put

    def take(self, entity: Entity, box: int, amount: Amount, fluid: str | None = None) -> Amount:
        """Take up to ``amount`` (of ``fluid`` only, if given) from the box's segment; returns what was taken."""
        segment = self.segment(entity, box)
        if amount <= 0 or segment.amount <= 0 or (fluid is not None and segment.fluid != fluid):
            return 0
        taken = amount if amount <= segment.amount else segment.amount
        segment.amount = whole(segment.amount - taken)
        if segment.amount == 0:
            segment.fluid = None
        self._wake(segment)
        return taken

    def set_box(self, entity: Entity, box: int, content: tuple[str, Amount, float] | None) -> None:
        """Write one box's content (``fluidbox[i] = ...``): its segment is filled to the level that gives
        the box that amount (read back as written, up to the segment's capacity), of that fluid and
        temperature; nil empties the segment. A box holds no fluid of its own apart from its segment's
        level, so this is the most plausible reading; Factorio 2.0's own is not documented."""
        segment = self.segment(entity, box)
        volume = Fraction(repr(float(entity.prototype.fluid_boxes[box - 1].volume)))
        if content is None or content[1] <= 0 or volume == 0:
            segment.amount, segment.fluid = 0, None
        else:
            fluid, amount, temperature = content
            segment.fluid = fluid
            segment.amount = whole(min(Fraction(segment.capacity), amount * segment.capacity / volume))
            segment.temperature = temperature
        self._wake(segment)

    def give_held(self, entity: Entity, held: Held) -> bool:
        """Put what a machine holds into its boxes' segments, in order; False when some stays held."""
        while held:
            box, fluid, amount, temperature = held[0]
            put = self.give(entity, box, fluid, amount, temperature)
            if put < amount:
                held[0] = (box, fluid, whole(amount - put), temperature)
                return False
            held.pop(0)
        return True

    def clear(self, entity: Entity, box: int) -> None:
        segment = self.segment(entity, box)
        segment.amount, segment.fluid = 0, None
        self._wake(segment)

    # --- an entity's boxes together (LuaEntity's fluid methods) -------------------------

    def contents(self, entity: Entity) -> dict[str, Amount]:
        """What the entity's boxes hold, by fluid (each box its segment's share)."""
        found: dict[str, Amount] = {}
        for box in range(1, len(entity.prototype.fluid_boxes) + 1):
            content = self.box_content(entity, box)
            if content is not None:
                found[content[0]] = whole(found.get(content[0], 0) + content[1])
        return found

    def insert(self, entity: Entity, fluid: str, amount: Amount, temperature: float) -> Amount:
        """Into the entity's boxes in order, as much as their segments take; returns what went in."""
        put: Amount = 0
        for box in range(1, len(entity.prototype.fluid_boxes) + 1):
            if put < amount:
                put = whole(put + self.give(entity, box, fluid, amount - put, temperature))
        return put

    def remove(self, entity: Entity, fluid: str, amount: Amount) -> Amount:
        """Out of the entity's boxes holding ``fluid``, each at most its share; returns what was taken."""
        taken: Amount = 0
        for box in range(1, len(entity.prototype.fluid_boxes) + 1):
            content = self.box_content(entity, box)
            if content is not None and content[0] == fluid and taken < amount:
                taken = whole(taken + self.take(entity, box, min(content[1], amount - taken), fluid))
        return taken

    def clear_entity(self, entity: Entity) -> None:
        """Every box's segment emptied (``clear_fluid_inside``: a box's fluid is its segment's level)."""
        for box in range(1, len(entity.prototype.fluid_boxes) + 1):
            self.clear(entity, box)

    def _wake(self, segment: Segment) -> None:
        if segment.steady is not None:
            segment.steady.disturbed()
        sim = self._simulation
        for entity in itertools.chain(segment.entities, segment.fed):
            machine = entity.machine
            if machine is not None and machine.asleep and machine.waits_on_fluid():
                sim.touch(machine)

    # --- working segments out --------------------------------------------------------

    def _rebuild(self) -> None:
        if self._full:
            stale = list({id(s): s for s in self._segments.values()}.values())
            starts = [e for e in self._surface.entities if has_fluid_boxes(e)]
        else:
            for entity in self._added.values():  # the segments built entities join are worked out again
                for box in range(1, len(entity.prototype.fluid_boxes) + 1):
                    for other, other_box in fluids.connected_boxes(entity, box, self._surface):
                        segment = self._segments.get((other.id, other_box))
                        if segment is not None:
                            self._stale[id(segment)] = segment
            stale = list(self._stale.values())
            starts = list(self._added.values())
            starts += [e for s in stale for e, _ in s.boxes if e.valid and e.id not in self._added]
        shares: dict[Key, tuple[str, Amount, float]] = {}
        for segment in stale:
            for entity, box in segment.boxes:
                self._segments.pop((entity.id, box), None)
                if entity.valid and segment.fluid is not None and segment.amount > 0:
                    # (a removed entity's share goes with it)
                    volume = entity.prototype.fluid_boxes[box - 1].volume
                    shares[(entity.id, box)] = (segment.fluid, segment.share(volume), segment.temperature)
        for entity in starts:
            for box in range(1, len(entity.prototype.fluid_boxes) + 1):
                if (entity.id, box) not in self._segments:
                    self._group(entity, box, shares)
        self._dirty = self._full = False
        self._stale.clear()
        self._added.clear()

    def _group(self, entity: Entity, box: int, shares: dict[Key, tuple[str, Amount, float]]) -> None:
        seen = {(entity.id, box): (entity, box)}
        queue = [(entity, box)]
        fed: list[Entity] = []
        while queue:
            current, current_box = queue.pop()
            for other, other_box in fluids.joined_boxes(current, current_box, self._surface, fed):
                if (other.id, other_box) not in seen:
                    seen[(other.id, other_box)] = (other, other_box)
                    queue.append((other, other_box))
        keys = sorted(seen)
        boxes = [seen[k] for k in keys]
        filters = frozenset(f for f in (e.prototype.fluid_boxes[b - 1].filter for e, b in boxes) if f is not None)
        segment = Segment(
            id=keys[0][0] * 16 + keys[0][1],
            boxes=boxes,
            capacity=whole(sum((_volume(e, b) for e, b in boxes), Fraction(0))),
            filters=filters,
            entities=sorted({e.id: e for e, _ in boxes if e.machine is not None}.values(), key=lambda e: e.id),
            fed=sorted(fed, key=lambda e: e.id),
        )
        by_fluid: dict[str, list[tuple[Amount, float]]] = {}
        for key in keys:
            if key in shares:
                fluid, amount, temperature = shares[key]
                by_fluid.setdefault(fluid, []).append((amount, temperature))
        if by_fluid:
            fluid = max(sorted(by_fluid), key=lambda f: sum(a for a, _ in by_fluid[f]))
            parts = by_fluid[fluid]
            total = sum((a for a, _ in parts), Fraction(0))
            if total > 0 and segment.accepts(fluid):
                segment.fluid = fluid
                segment.amount = whole(min(total, Fraction(segment.capacity)))
                segment.temperature = float(sum(a * Fraction(t) for a, t in parts) / total)
        for key in keys:
            self._segments[key] = segment

    # --- saving ------------------------------------------------------------------------

    def to_state(self) -> list[dict[str, Any]]:
        if self._dirty:
            self._rebuild()
        found = []
        for segment in self.unique_segments():
            if segment.fluid is not None and segment.amount > 0:
                entity, box = segment.boxes[0]
                found.append(
                    {
                        "box": [entity.id, box],
                        "fluid": segment.fluid,
                        "amount": [Fraction(segment.amount).numerator, Fraction(segment.amount).denominator],
                        "temperature": segment.temperature,
                    }
                )
        return found

    def load_state(self, state: Iterable[dict[str, Any]]) -> None:
        """After the surface's entities are restored: each saved segment's content, exactly."""
        self._full = True
        self._rebuild()
        for saved in state:
            entity_id, box = saved["box"]
            segment = self._segments.get((int(entity_id), int(box)))
            if segment is None:
                continue
            numerator, denominator = saved["amount"]
            segment.fluid = str(saved["fluid"])
            segment.amount = whole(Fraction(int(numerator), int(denominator)))
            segment.temperature = float(saved["temperature"])

    def unique_segments(self) -> list[Segment]:
        if self._dirty:
            self._rebuild()
        return list({id(s): s for s in self._segments.values()}.values())


def take(entity: Entity, box: int, amount: Amount, fluid: str | None = None) -> Amount:
    """What a consumer (a steam engine, for the power simulation) calls to draw fluid from its own box.

    Takes up to ``amount`` units (of ``fluid`` only, if given) from the segment of ``entity``'s box
    ``box`` (1-based) and returns what it took; the machines sleeping on the segment wake (a boiler
    whose output was full makes steam again).
    """
    return entity.surface.fluids.take(entity, box, whole(amount), fluid)


def held_to_state(held: Held) -> list[list[Any]]:
    return [[box, fluid, Fraction(a).numerator, Fraction(a).denominator, t] for box, fluid, a, t in held]


def held_from_state(state: Iterable[Any]) -> Held:
    return [(int(box), str(fluid), whole(Fraction(int(n), int(d))), float(t)) for box, fluid, n, d, t in state]
