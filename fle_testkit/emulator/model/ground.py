"""Items on the ground: ``item-on-ground`` entities, each carrying one item stack.

A drill or inserter with nothing at its drop position puts its item down as
one such entity; an inserter picks items up from the tile of its pickup
position; a script reads one through ``LuaEntity.stack`` (:class:`GroundStack`).

Building over items on the ground: in Factorio items on the ground never stop
a build, and the new entity pushes them out from under itself. The exact 2.0
rule (where they go) is not documented; here each item whose box overlaps the
new entity's collision box, when the entity's collision mask has the ``item``
layer, moves to the nearest spot where it collides with nothing
(``find_non_colliding_position`` for the item entity), or stays if none is near.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .inventory import EntityStack

if TYPE_CHECKING:
    from .entity import Entity
    from .geometry import BoundingBox, Position

# ``surface`` below is a Surface (typed Any: surface.py imports this module).

#: The entity that carries one item stack on the ground.
ITEM_ON_GROUND = "item-on-ground"
#: Its type.
ITEM_ENTITY = "item-entity"
#: The collision layer items on the ground are on (a build whose mask has it pushes them aside).
ITEM_LAYER = "item"
#: How far (tiles) an item pushed aside may go at most.
PUSH_RADIUS = 5.0


def put_down(surface: Any, position: Position, name: str, count: int) -> Entity:
    """An item entity holding ``count`` of ``name`` at ``position``."""
    return surface.create_entity(ITEM_ON_GROUND, (position.x, position.y), force="neutral", stack=(name, count))


def taken(surface: Any, position: Position) -> bool:
    """Whether an item lies at ``position`` already (a drop there waits until it is gone)."""
    return bool(surface.find_entities_filtered(position=(position.x, position.y), type=ITEM_ENTITY, limit=1))


def items_on_tile(surface: Any, position: Position) -> list[Entity]:
    """The items lying on the tile that holds ``position``, in creation order."""
    x, y = math.floor(position.x), math.floor(position.y)
    found = surface.find_entities_filtered(area=((x, y), (x + 1, y + 1)), type=ITEM_ENTITY)
    return [e for e in found if math.floor(e.position.x) == x and math.floor(e.position.y) == y and e.stack]


def push_aside(surface: Any, built: Entity) -> None:
    """Move the items lying under a newly built entity out from under it (see the module docstring)."""
    if built.type == ITEM_ENTITY or ITEM_LAYER not in built.prototype.collision_layers:
        return
    box: BoundingBox = built.bounding_box
    if box.is_empty:
        return
    for item in surface.find_entities_filtered(area=((box.left, box.top), (box.right, box.bottom)), type=ITEM_ENTITY):
        if not item.bounding_box.overlaps(box):
            continue
        spot = surface.find_non_colliding_position(ITEM_ON_GROUND, item.position, PUSH_RADIUS, 0.1)
        if spot is not None:
            item.teleport(spot.x, spot.y)


class GroundStack(EntityStack):
    """The stack an item entity carries, as a LuaItemStack sees it (``LuaEntity.stack``).

    Emptying it (count 0, ``clear``) leaves an item entity with nothing, which Factorio would
    remove; here the entity goes, as the most plausible reading.
    """

    __slots__ = ()

    @property
    def stack(self) -> tuple[str, int] | None:
        return self.entity.stack if self.entity.valid else None

    def set(self, name: str | None, count: int = 0) -> None:
        if name is None or count <= 0:
            self.entity.destroy()
            return
        self.entity.stack = (name, count)
