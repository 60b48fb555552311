"""Where an inserter or mining drill takes from and puts to, and what is there.

Positions come from the prototype's vectors (inserter ``pickup_position`` and
``insert_position``, drill ``vector_to_place_result``) turned to the entity's
direction. The target at a position is the first entity a search finds (newest first)
whose collision box holds it, other than the entity itself; item entities on
the ground and resources are not targets. A drill's mining target is the
first resource within its ``resource_searching_radius`` of its centre.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from .geometry import Position, rotate_vector

if TYPE_CHECKING:
    from .entity import Entity

#: What an entity never targets.
_NOT_TARGETS = frozenset({"resource", "item-entity", "character", "tree", "simple-entity", "cliff"})


class Finder(Protocol):
    """The search a surface offers (a :class:`Surface`)."""

    def find_entities_filtered(self, **filters: object) -> list[Entity]: ...


def _offset(entity: Entity, vector: tuple[float, float] | None) -> Position | None:
    if vector is None:
        return None
    dx, dy = rotate_vector(vector[0], vector[1], entity.direction)
    position = entity.position
    return Position(position.x + dx, position.y + dy)


def pickup_position(entity: Entity) -> Position | None:
    return _offset(entity, entity.prototype.pickup_position)


def drop_position(entity: Entity) -> Position | None:
    if entity.type == "mining-drill":
        return _offset(entity, entity.prototype.vector_to_place_result)
    return _offset(entity, entity.prototype.insert_position)


def target_at(entity: Entity, position: Position | None, surface: Finder) -> Entity | None:
    if position is None:
        return None
    for found in surface.find_entities_filtered(position=(position.x, position.y)):
        if found is not entity and found.type not in _NOT_TARGETS:
            return found
    return None


def mining_target(drill: Entity, surface: Finder) -> Entity | None:
    for found in mining_targets(drill, surface):
        return found
    return None


def mining_targets(drill: Entity, surface: Finder) -> Iterator[Entity]:
    """The resources a drill may mine, in the order it takes them (the first is mined)."""
    radius = drill.prototype.resource_searching_radius
    if drill.type != "mining-drill" or radius is None:
        return
    centre = drill.position
    area = ((centre.x - radius, centre.y - radius), (centre.x + radius, centre.y + radius))
    categories = drill.prototype.resource_categories
    for found in surface.find_entities_filtered(area=area, type="resource"):
        if not categories or found.prototype.resource_category in categories:
            yield found
