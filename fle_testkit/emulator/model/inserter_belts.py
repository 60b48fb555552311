"""An inserter's hand over a belt: which items it takes from the belt's tile, where it puts items onto
a belt, and the waits (belt_waits.py) it sleeps on until an item or a gap reaches its hand.

Picking up (Factorio 2.0 takes from the area of the belt tile the hand reaches, either lane): the
items on the lanes of the belt at the pickup position, the lane on the inserter's side first (the
near lane of a belt that passes across the inserter; the left lane of one that runs towards or away
from it, as players measured, reddit.com/r/factorio/comments/1g4r488), on each lane the item furthest
along first. The hand takes that item and then more of its name from the tile, up to its size.

Dropping (the wiki's "Inserters": "Inserters will always place the item on the further lane"): onto
the lane away from the inserter, at the drop position's point along the belt, only where an item fits
(a quarter tile clear either side); a hand of several puts one item a tick while there is room, so
they go one by one as the lane's gaps pass.

Choices where the game's behaviour is not known here, easy to change:

- a hand of more than one takes what the tile holds at once and swings; it does not wait there for
  more to come (2.0's inserters wait a little for a fuller hand; how long is not documented);
- a belt that runs straight towards or away from the inserter takes its items on the right lane (no
  lane is further then; the wiki does not say);
- splitters and loaders are neither picked from nor dropped onto (their lanes pass nothing on yet).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeGuard

from . import transport_lines
from .belt_waits import GapWait, ItemWait

if TYPE_CHECKING:
    from .entity import Entity
    from .geometry import Position
    from .transport_lines import TransportLine

#: Belt types an inserter's hand reaches into (their first two lanes lie on their own tile).
REACHED = frozenset({"transport-belt", "underground-belt"})


def reaches(entity: Entity | None) -> TypeGuard[Entity]:
    """Whether ``entity`` is a belt an inserter takes from or puts onto."""
    return entity is not None and entity.belt is not None and entity.type in REACHED


def _side(inserter: Entity, belt: Entity) -> float:
    """How far the inserter stands towards the belt's left lane (0: in line with the belt)."""
    left, _ = transport_lines.belt_coordinates(belt, inserter.position.x, inserter.position.y)
    return left


def _lanes(belt: Entity) -> list[TransportLine]:
    """The belt's two lanes on its own tile: left, right."""
    return belt.belt.lines[:2] if belt.belt is not None else []


def pickup_lanes(inserter: Entity, belt: Entity) -> list[TransportLine]:
    """The belt's two lanes in the order the hand looks at them (see the module docstring)."""
    lanes = _lanes(belt)
    return lanes[::-1] if _side(inserter, belt) < -0.25 else lanes


def find(inserter: Entity, belt: Entity, wanted: Callable[[str], bool]) -> tuple[Callable[[str, int], int], str] | None:
    """How to take the first wanted item on the belt's tile (a function of name and count), and its name."""
    lanes = pickup_lanes(inserter, belt)
    for segment in lanes:
        for _, name in reversed(segment.items()):  # (the item furthest along first)
            if wanted(name):
                return _taker(lanes), name
    return None


def _taker(lanes: list[TransportLine]) -> Callable[[str, int], int]:
    def take(name: str, count: int) -> int:
        taken = 0
        for segment in lanes:
            taken += transport_lines.remove(segment, name, count - taken)
            if taken == count:
                break
        return taken

    return take


def names_on(belt: Entity) -> set[str]:
    """The names of the items on the belt's tile."""
    return {name for segment in _lanes(belt) for _, name in segment.items()}


def drop_point(inserter: Entity, belt: Entity, position: Position) -> tuple[TransportLine, int] | None:
    """Where the hand puts an item onto the belt: the far lane, at the drop position's point along it."""
    _, along = transport_lines.belt_coordinates(belt, position.x, position.y)
    far = 0 if _side(inserter, belt) < -0.25 else 1  # (in line with the belt: the right lane, as the docstring says)
    return transport_lines.lane_point(belt, far, along)


def drop(inserter: Entity, belt: Entity, position: Position, name: str) -> bool:
    """Put one item onto the belt if it fits now."""
    point = drop_point(inserter, belt, position)
    return point is not None and transport_lines.insert_at(point[0], point[1], name)


def forget(machine: object, inserter: Entity) -> None:
    """Drop what the machine waited for on its surface's belts (it sleeps anew, or woke)."""
    lines = transport_lines.existing_system(inserter)
    if lines is not None:
        lines.waits.drop(machine)


def wait_for_items(machine: object, belt: Entity, ignore: frozenset[str]) -> None:
    """Sleep until an item not in ``ignore`` is on the belt's tile (the machine is already asleep)."""
    lines = transport_lines.system(belt)
    for segment in _lanes(belt):
        if segment.length > 0:
            lines.wait_for(ItemWait(machine, segment, 0, segment.length, ignore))


def wait_for_gap(machine: object, inserter: Entity, belt: Entity, position: Position) -> None:
    """Sleep until an item fits where the hand drops onto the belt."""
    point = drop_point(inserter, belt, position)
    if point is not None:
        transport_lines.system(belt).wait_for(GapWait(machine, point[0], point[1]))
