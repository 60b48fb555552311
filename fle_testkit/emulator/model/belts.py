"""Belt connectables (transport belts, underground belts, splitters): lanes and who feeds whom.

A transport line here is one lane of one entity; transport_lines.py merges
connected lanes into moving lines and keeps their items. Which belts feed
which is worked out from positions and directions each time it is asked, as
Factorio's rules for belt connections give it:

- an entity's lane tiles each output into the tile in front (an underground
  entrance outputs underground instead, to its exit: ``neighbours``);
- a belt takes input from anything outputting into one of its tiles except
  head-on; a splitter only from straight behind; an underground entrance from
  behind or the sides, an underground exit only from the sides (its back is
  underground);
- an underground entrance pairs with the first underground of its own name on
  its axis within ``max_distance`` tiles ahead, if that is an exit facing the
  same way (any other one on the axis ends the search).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from .geometry import rotate_vector

if TYPE_CHECKING:
    from .entity import Entity

#: Entity types that carry items on lanes (BeltConnectable).
BELT_TYPES = frozenset({"transport-belt", "underground-belt", "splitter", "loader", "loader-1x1", "linked-belt"})
#: ``get_max_transport_line_index`` by type (Factorio 2.0); 2 for the others.
LINE_COUNTS = {"transport-belt": 2, "underground-belt": 4, "splitter": 8}
SPLITTER_PRIORITIES = ("left", "none", "right")


class Place(Protocol):
    """Where belt lookups look: the belt connectables carrying items on the tile at a point."""

    def belts_at(self, x: float, y: float) -> list[Entity]: ...


class BeltGrid:
    """Given belts by the tiles they carry items on: every belt's neighbours in one topology build
    without a surface search each (nine a belt: its inputs, its curve, its outputs' curves)."""

    __slots__ = ("_at",)

    def __init__(self, entities: Iterable[Entity]) -> None:
        self._at: dict[tuple[int, int], list[Entity]] = {}
        for entity in entities:  # (in the order given)
            for cell in lane_cells(entity):
                self._at.setdefault(cell, []).append(entity)

    def belts_at(self, x: float, y: float) -> list[Entity]:
        return self._at.get((math.floor(x), math.floor(y)), [])


def forward(direction: int) -> tuple[float, float]:
    """The unit step an entity facing ``direction`` moves items along."""
    return rotate_vector(0.0, -1.0, direction)


def lane_tiles(entity: Entity) -> list[tuple[float, float]]:
    """Tile centres the entity carries items on: a splitter's two, else its own."""
    x, y = entity.position.x, entity.position.y
    if entity.type != "splitter":
        return [(x, y)]
    dx, dy = rotate_vector(0.5, 0.0, entity.direction)
    return [(x - dx, y - dy), (x + dx, y + dy)]


def lane_cells(entity: Entity) -> list[tuple[int, int]]:
    """The tiles (as whole coordinates) the entity carries items on."""
    return [(math.floor(x), math.floor(y)) for x, y in lane_tiles(entity)]


def _outputs_ahead(entity: Entity) -> bool:
    """An underground entrance sends its items underground, not into the tile in front."""
    return not (entity.type == "underground-belt" and _belt(entity).belt_to_ground_type == "input")


def _accepts(target: Entity, from_direction: int) -> bool:
    """Whether ``target`` takes items from a neighbour outputting into it facing ``from_direction``."""
    if (from_direction - target.direction) % 16 == 8:  # head-on
        return False
    same = from_direction == target.direction
    if target.type == "splitter":
        return same
    if target.type == "underground-belt" and _belt(target).belt_to_ground_type == "output":
        return not same
    return True


def _fed_by(entity: Entity, surface: Place) -> Iterator[Entity]:
    """Entities whose output lands on one of ``entity``'s tiles and which it accepts."""
    seen: set[int] = set()
    for x, y in lane_tiles(entity):
        for direction in (0, 4, 8, 12):
            dx, dy = forward(direction)
            for other in surface.belts_at(x - dx, y - dy):
                if other is entity or other.id in seen or other.direction != direction or not _outputs_ahead(other):
                    continue
                if any(abs(tx + dx - x) < 1e-6 and abs(ty + dy - y) < 1e-6 for tx, ty in lane_tiles(other)):
                    if _accepts(entity, other.direction):
                        seen.add(other.id)
                        yield other


def _feeds(entity: Entity, surface: Place) -> Iterator[Entity]:
    if not _outputs_ahead(entity):
        return
    dx, dy = forward(entity.direction)
    seen: set[int] = set()
    for x, y in lane_tiles(entity):
        for other in surface.belts_at(x + dx, y + dy):
            if other is not entity and other.id not in seen and _accepts(other, entity.direction):
                seen.add(other.id)
                yield other


class Surface(Place, Protocol):
    #: Bumped whenever a belt connectable comes, goes, moves or turns.
    belt_version: int


def belt_neighbours(entity: Entity, surface: Surface) -> tuple[list[Entity], list[Entity]]:
    """(inputs, outputs), each in creation order. Kept with the entity until a belt changes: FLE's
    serializer asks a belt for them half a dozen times, for every belt, on every look at the factory."""
    state = _belt(entity)
    kept = state.neighbours
    if kept is None or kept[0] != surface.belt_version:
        inputs = sorted(_fed_by(entity, surface), key=lambda e: e.id)
        outputs = sorted(_feeds(entity, surface), key=lambda e: e.id)
        kept = state.neighbours = (surface.belt_version, inputs, outputs)
    return list(kept[1]), list(kept[2])


def underground_partner(entity: Entity, surface: Place) -> Entity | None:
    """The other end of an underground belt, or None."""
    return partner_in(entity, surface)


def partner_in(entity: Entity, surface: Place) -> Entity | None:
    """The other end of an underground belt among the belts of ``surface`` (a surface or a ``BeltGrid``), or None."""
    state = _belt(entity)
    reach = entity.prototype.max_underground_distance or 0
    dx, dy = forward(entity.direction)
    sign = 1 if state.belt_to_ground_type == "input" else -1
    wanted = "output" if state.belt_to_ground_type == "input" else "input"
    x, y = entity.position.x, entity.position.y
    for step in range(1, reach + 1):
        px, py = x + sign * step * dx, y + sign * step * dy
        for other in surface.belts_at(px, py):
            if other.name != entity.name:
                continue
            if other.direction % 8 != entity.direction % 8:
                continue  # across the axis: passed under
            ok = other.direction == entity.direction and _belt(other).belt_to_ground_type == wanted
            return other if ok else None
    return None


def _belt(entity: Entity) -> Any:
    state = entity.belt
    if state is None:
        raise TypeError(f"{entity.name} is not a belt connectable")
    return state
