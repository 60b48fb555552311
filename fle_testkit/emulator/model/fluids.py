"""Pipe connections between fluid boxes, from the prototypes' pipe_connections.

This is the shape of the fluid network: where each connection of each fluid box
points and which fluid box (if any) it meets; fluid_segments.py groups the boxes
into segments and keeps what they hold. As in Factorio 2.0:

- a connection's ``position`` is the tile inside the entity it leaves from and
  its ``target_position`` the tile it points at (one step in its direction);
  both are the prototype's (facing north) turned with the entity;
- two normal connections meet when each one's target is the other's position,
  unless both only take fluid in or both only give it out;
- an underground connection meets the first underground connection of an entity
  of the same name facing it within ``max_underground_distance`` tiles; unpaired,
  its target position is taken to be the next tile (not checked against the game).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .geometry import rotate_vector

if TYPE_CHECKING:
    from ..gamedata import PipeConnectionDefinition
    from .entity import Entity


class Place(Protocol):
    def find_entities_filtered(self, **filters: Any) -> list[Entity]: ...


@dataclass(frozen=True)
class PipeConnection:
    """One connection of one fluid box of a placed entity."""

    owner: Entity
    box: int  # 1-based fluid box index
    index: int  # 1-based connection index within the box
    definition: PipeConnectionDefinition
    direction: int
    position: tuple[float, float]

    @property
    def connection_type(self) -> str:
        return self.definition.connection_type

    @property
    def flow_direction(self) -> str:
        return self.definition.flow_direction


def _step(direction: int) -> tuple[float, float]:
    return rotate_vector(0.0, -1.0, direction)


def connections(entity: Entity, box: int) -> list[PipeConnection]:
    """The connections of fluid box ``box`` (1-based) as placed."""
    prototype = entity.prototype.fluid_boxes[box - 1]
    turns = (entity.direction // 4) % 4
    found = []
    for i, definition in enumerate(prototype.pipe_connections, start=1):
        if definition.positions:  # one position per direction, already turned
            px, py = definition.positions[turns]
        else:
            px, py = rotate_vector(definition.position[0], definition.position[1], entity.direction)
        position = (entity.position.x + px, entity.position.y + py)
        direction = (definition.direction + entity.direction) % 16
        found.append(PipeConnection(entity, box, i, definition, direction, position))
    return found


def _near(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] - b[0]) < 1e-6 and abs(a[1] - b[1]) < 1e-6


def _flows_meet(a: PipeConnection, b: PipeConnection) -> bool:
    return not (a.flow_direction == b.flow_direction and a.flow_direction in ("input", "output"))


def _candidates(surface: Place, x: float, y: float, name: str | None = None) -> list[Entity]:
    found = surface.find_entities_filtered(position=(x, y), **({} if name is None else {"name": name}))
    return [e for e in found if e.prototype.fluid_boxes]


def _underground_target(connection: PipeConnection, surface: Place) -> PipeConnection | None:
    dx, dy = _step(connection.direction)
    x, y = connection.position
    for distance in range(1, connection.definition.max_underground_distance + 1):
        for other in _candidates(surface, x + dx * distance, y + dy * distance, connection.owner.name):
            for box in range(1, len(other.prototype.fluid_boxes) + 1):
                for candidate in connections(other, box):
                    if (
                        candidate.connection_type == "underground"
                        and (candidate.direction - connection.direction) % 16 == 8
                    ):
                        return candidate
    return None


def target_position(connection: PipeConnection, surface: Place) -> tuple[float, float]:
    if connection.connection_type == "underground":
        partner = _underground_target(connection, surface)
        if partner is not None:
            return partner.position
    dx, dy = _step(connection.direction)
    return connection.position[0] + dx, connection.position[1] + dy


def target(connection: PipeConnection, surface: Place) -> PipeConnection | None:
    """The connection this one meets, or None."""
    if connection.connection_type == "underground":
        return _underground_target(connection, surface)
    if connection.connection_type != "normal":
        return None  # linked connections join only by script; none are modelled
    aim = target_position(connection, surface)
    for other in _candidates(surface, *aim):
        if other is connection.owner:
            continue
        for box in range(1, len(other.prototype.fluid_boxes) + 1):
            for candidate in connections(other, box):
                if (
                    candidate.connection_type == "normal"
                    and _near(candidate.position, aim)
                    and _near(target_position(candidate, surface), connection.position)
                    and _flows_meet(connection, candidate)
                ):
                    return candidate
    return None


def one_way(entity: Entity, box: int) -> bool:
    """A box that takes fluid in on one side and gives it out on another (a pump's): it joins the
    segment it gives into, and draws from the one it takes from (fluid_segments.py)."""
    flows = {c.flow_direction for c in entity.prototype.fluid_boxes[box - 1].pipe_connections}
    return "input" in flows and "output" in flows


def joined_boxes(entity: Entity, box: int, surface: Place, fed: list[Entity] | None = None) -> list[tuple[Entity, int]]:
    """The boxes that share a segment with ``entity``'s box ``box``: the connected ones, except across the
    input side of a one-way box (:func:`one_way`); a one-way box met there is added to ``fed`` (its
    machine draws from this segment)."""
    found: list[tuple[Entity, int]] = []
    own_one_way = one_way(entity, box)
    for connection in connections(entity, box):
        if own_one_way and connection.flow_direction == "input":
            continue
        other = target(connection, surface)
        if other is None or (other.owner, other.box) in found:
            continue
        if other.flow_direction == "input" and one_way(other.owner, other.box):
            if fed is not None and other.owner not in fed:
                fed.append(other.owner)
            continue
        found.append((other.owner, other.box))
    return found


def input_target(entity: Entity, box: int, surface: Place) -> PipeConnection | None:
    """What the input side of a one-way box meets: the box it draws from."""
    for connection in connections(entity, box):
        if connection.flow_direction == "input":
            return target(connection, surface)
    return None


def connected_boxes(entity: Entity, box: int, surface: Place) -> list[tuple[Entity, int]]:
    """The (entity, box) pairs fluid box ``box`` of ``entity`` is connected to, in connection order."""
    found: list[tuple[Entity, int]] = []
    for connection in connections(entity, box):
        other = target(connection, surface)
        if other is not None and (other.owner, other.box) not in found:
            found.append((other.owner, other.box))
    return found
