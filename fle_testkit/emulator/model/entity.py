"""An entity on a surface: a prototype at a position, owned by a force.

An entity is created only through :meth:`Surface.create_entity`, which places
it in the surface's spatial index; moving or turning it goes through the
entity so the index stays right. ``destroy`` makes it and its inventories
invalid for good, like a LuaEntity whose game object is gone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from .errors import InvalidObjectError
from .geometry import BoundingBox, Position, check_direction, rotate_box
from .inventory import Inventory

if TYPE_CHECKING:
    from ..gamedata import EntityPrototype
    from .force import Force


class Place(Protocol):
    """What an entity needs of the surface it stands on (a :class:`Surface`).

    Named here so this module needs nothing of ``surface.py``, which builds entities.
    """

    index: int

    def reindex_entity(self, entity: Entity, change: Callable[[], None]) -> None: ...

    def remove_entity(self, entity: Entity) -> None: ...


class Entity:
    __slots__ = (
        "id",
        "prototype",
        "surface",
        "force",
        "unit_number",
        "health",
        "amount",
        "inventories",
        "valid",
        "_x",
        "_y",
        "_direction",
    )

    def __init__(
        self,
        id: int,
        prototype: EntityPrototype,
        surface: Place,
        x: float,
        y: float,
        direction: int,
        force: Force,
        unit_number: int | None,
        inventories: dict[int, Inventory],
    ) -> None:
        self.id = id  # the world's serial number: creation order, never reused
        self.prototype = prototype
        self.surface = surface
        self.force = force
        self.unit_number = unit_number
        self.health: float | None = prototype.max_health if prototype.has_health else None
        self.amount: int | None = None  # what is left in a resource entity
        self.inventories = inventories
        self.valid = True
        self._x = float(x)
        self._y = float(y)
        self._direction = direction

    def __repr__(self) -> str:
        state = "" if self.valid else " invalid"
        return f"<Entity {self.name} #{self.unit_number or '-'} at ({self._x}, {self._y}){state}>"

    def _check_valid(self) -> None:
        if not self.valid:
            raise InvalidObjectError(f"entity {self.prototype.name} is no longer valid")

    @property
    def name(self) -> str:
        return self.prototype.name

    @property
    def type(self) -> str:
        return self.prototype.type

    @property
    def position(self) -> Position:
        return Position(self._x, self._y)

    @property
    def direction(self) -> int:
        return self._direction

    @direction.setter
    def direction(self, value: int) -> None:
        self._check_valid()
        direction = check_direction(value)
        self.surface.reindex_entity(self, lambda: setattr(self, "_direction", direction))

    @property
    def bounding_box(self) -> BoundingBox:
        """The collision box, turned to the entity's direction, in map coordinates."""
        box = rotate_box(BoundingBox.of(self.prototype.collision_box), self._direction)
        return box.moved(self._x, self._y)

    def teleport(self, x: float, y: float) -> None:
        """Move to exactly (x, y) on the same surface."""
        self._check_valid()
        self.surface.reindex_entity(self, lambda: self._move(x, y))

    def _move(self, x: float, y: float) -> None:
        self._x, self._y = float(x), float(y)

    def get_inventory(self, index: int) -> Inventory | None:
        """The inventory with this ``defines.inventory`` number, or None if it has none."""
        self._check_valid()
        return self.inventories.get(index)

    def destroy(self) -> None:
        """Remove from the surface; the entity and its inventories become invalid."""
        self._check_valid()
        self.surface.remove_entity(self)
        for inventory in self.inventories.values():
            inventory.invalidate()
        self.valid = False

    def to_state(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "position": [self._x, self._y],
            "direction": self._direction,
            "force": self.force.name,
            "unit_number": self.unit_number,
            "health": self.health,
            "amount": self.amount,
            "inventories": [[index, inv.to_state()] for index, inv in sorted(self.inventories.items())],
        }
