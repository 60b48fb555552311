"""An entity on a surface: a prototype at a position, owned by a force.

An entity is created only through :meth:`Surface.create_entity`, which places
it in the surface's spatial index; moving or turning it goes through the
entity so the index stays right. ``destroy`` makes it and its inventories
invalid for good, like a LuaEntity whose game object is gone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from .belts import BELT_TYPES
from .burner import Burner
from .character import CharacterState
from .errors import InvalidObjectError
from .geometry import OFF_GRID_FLAG, BoundingBox, Position, check_direction, rotate_box, rotated_size
from .geometry import snap_to_grid as snap_position
from .inventory import Inventory
from .tiles import Tiles
from .transport_lines import BeltState

if TYPE_CHECKING:
    from ..gamedata import EntityPrototype
    from .electric import ElectricNetworks
    from .fluid_segments import FluidSegments
    from .force import Force, Recipe
    from .simulation import Machine


#: Entity types that have a direction a player can turn (Factorio 2.0 vanilla).
ROTATABLE_TYPES = frozenset(
    {
        "transport-belt",
        "underground-belt",
        "splitter",
        "loader",
        "loader-1x1",
        "inserter",
        "pipe-to-ground",
        "pump",
        "offshore-pump",
        "mining-drill",
        "boiler",
        "generator",
        "storage-tank",
        "assembling-machine",
        "train-stop",
        "rail-signal",
        "rail-chain-signal",
        "arithmetic-combinator",
        "decider-combinator",
        "selector-combinator",
        "constant-combinator",
        "gate",
        "burner-generator",
    }
)


#: Entity types whose two ends are alike, so they face one of two ways: north-south or east-west
#: (a steam engine turns between upright and lying). Not documented in the 2.0 API: the choice
#: here is that such an entity built or turned to face south shows north, and west shows east.
#: FLE 0.4.3's own test relies on it (tests/functional/test_electricity_unit.py:68-84 builds a
#: steam engine facing a boiler that faces south and expects it to face north). Which other types
#: fold is unknown; only the generator (steam engine, steam turbine) does here.
TWO_WAY_TYPES = frozenset({"generator"})


def built_direction(entity_type: str, direction: int) -> int:
    """The direction an entity of this type shows once built or turned to ``direction``."""
    if entity_type in TWO_WAY_TYPES:
        return direction % 8
    return direction


class Place(Protocol):
    """What an entity needs of the surface it stands on (a :class:`Surface`).

    Named here so this module needs nothing of ``surface.py``, which builds entities.
    """

    index: int
    tiles: Tiles
    electric: ElectricNetworks
    fluids: FluidSegments
    world: Any

    def reindex_entity(self, entity: Entity, change: Callable[[], None]) -> None: ...

    def remove_entity(self, entity: Entity) -> None: ...

    def entity_changed(self, entity: Entity) -> None: ...


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
        "burner",
        "belt",
        "recipe",
        "character",
        "energy",
        "minable_flag",
        "active",
        "destructible",
        "machine",
        "cycle",
        "stack",
        "valid",
        "_x",
        "_y",
        "_position",
        "_direction",
        "_box",
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
        self.burner = _burner(self, inventories)
        self.belt = BeltState(self) if prototype.type in BELT_TYPES else None  # lanes, underground type
        self.recipe: Recipe | None = None  # an assembling machine's recipe (see crafter.py)
        self.character = CharacterState() if prototype.type == "character" else None
        self.energy = 0.0  # joules in the entity's buffer (a burner machine's: see burner.py)
        self.minable_flag = True  # a script may make a minable entity unminable (LuaEntity.minable)
        self.active = True  # a script may stop the entity: its machine then does nothing
        self.machine: Machine | None = None  # set by the tick simulation for the kinds it runs
        self.cycle: Any = None  # the group of machines running cycles at once it belongs to (cycles.py)
        self.stack: tuple[str, int] | None = None  # an item on the ground (item-entity): what it is
        self.destructible = True  # a script may make it immune to damage (kept; nothing damages it yet)
        self.valid = True
        self._x = float(x)
        self._y = float(y)
        self._position = Position(self._x, self._y)  # (immutable: one object until it moves)
        self._direction = built_direction(prototype.type, direction)
        self._box: BoundingBox | None = None  # bounding_box, until the entity moves or turns

    def __repr__(self) -> str:
        state = "" if self.valid else " invalid"
        return f"<Entity {self.name} #{self.unit_number or '-'} at ({self._x}, {self._y}){state}>"

    def check_valid(self) -> None:
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
        return self._position

    @property
    def direction(self) -> int:
        return self._direction

    @direction.setter
    def direction(self, value: int) -> None:
        self.check_valid()
        direction = check_direction(value)
        self.surface.reindex_entity(self, lambda: self._turn(direction))

    @property
    def bounding_box(self) -> BoundingBox:
        """The collision box, turned to the entity's direction, in map coordinates."""
        box = self._box
        if box is None:
            turned = rotate_box(BoundingBox.of(self.prototype.collision_box), self._direction)
            box = self._box = turned.moved(self._x, self._y)
        return box

    @property
    def minable(self) -> bool:
        """Minable by its prototype and not made unminable by a script."""
        return self.prototype.minable is not None and self.minable_flag

    @property
    def rotatable(self) -> bool:
        """Whether ``rotate`` turns it: a directional type without the "not-rotatable" flag.

        An assembling machine turns only with a fluid recipe (its fluid boxes are what turns),
        as in Factorio 2.0 without mods.
        """
        if "not-rotatable" in self.prototype.flags or self.type not in ROTATABLE_TYPES:
            return False
        if self.type == "assembling-machine":
            recipe = None if self.recipe is None else self.recipe.prototype
            return recipe is not None and (
                any(i.type == "fluid" for i in recipe.ingredients) or any(p.type == "fluid" for p in recipe.results)
            )
        return True

    def rotate(self, reverse: bool = False) -> bool:
        """Turn a quarter clockwise (anticlockwise with ``reverse``); False if it cannot turn.

        Not checked: whether a turned non-square entity would collide with its neighbours.
        """
        self.check_valid()
        if not self.rotatable:
            return False
        if self.belt is not None and self.belt.belt_to_ground_type is not None:
            # An underground belt turns round by swapping entrance and exit (Factorio's rotate).
            self.belt.belt_to_ground_type = "output" if self.belt.belt_to_ground_type == "input" else "input"
            self.direction = (self._direction + 8) % 16
            return True
        self.direction = (self._direction + (-4 if reverse else 4)) % 16
        return True

    def teleport(self, x: float, y: float, snap_to_grid: bool = True) -> bool:
        """Move to (x, y) on the same surface; False (and no move) for a belt.

        Factorio 2.0's LuaControl::teleport: "Some entities may not be teleported.
        For instance, transport belts won't allow teleportation and this method will
        always return false when used on any such entity." The docs name only
        transport belts; every belt connectable (undergrounds, splitters, loaders)
        refuses here too, as the most plausible reading of "any such entity".
        ``snap_to_grid`` (2.0's parameter, default true) puts an entity that is placed
        on the tile grid (no ``placeable-off-grid`` flag) on the grid, as a build would:
        FLE 0.4.3's rotate_entity, run against 2.0, teleports every entity it turns to
        the floor of its position, which only leaves buildings where they stood if so.
        """
        self.check_valid()
        if self.belt is not None:
            return False
        if snap_to_grid and OFF_GRID_FLAG not in self.prototype.flags:
            width, height = rotated_size(self.prototype.tile_width, self.prototype.tile_height, self._direction)
            x, y = snap_position(x, y, width, height)
        self.surface.reindex_entity(self, lambda: self._move(x, y))
        return True

    def _move(self, x: float, y: float) -> None:
        self._x, self._y = float(x), float(y)
        self._position = Position(self._x, self._y)
        self._box = None
        for listener in self.surface.world.on_moved:
            listener(self)

    def _turn(self, direction: int) -> None:
        self._direction = built_direction(self.prototype.type, direction)
        self._box = None

    def changed(self) -> None:
        """Its contents or settings changed: the tick simulation wakes what depends on it."""
        if self.valid:
            self.surface.entity_changed(self)

    def get_inventory(self, index: int) -> Inventory | None:
        """The inventory with this ``defines.inventory`` number, or None if it has none."""
        self.check_valid()
        return self.inventories.get(index)

    def destroy(self) -> None:
        """Remove from the surface; the entity and its inventories become invalid."""
        self.check_valid()
        self.surface.remove_entity(self)
        for inventory in self.inventories.values():
            inventory.invalidate()
        self.valid = False
        for listener in self.surface.world.on_destroyed:
            listener(self)

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
            "burner": None if self.burner is None else self.burner.to_state(),
            "belt": None if self.belt is None else self.belt.to_state(),
            "recipe": None if self.recipe is None else self.recipe.name,
            "character": None if self.character is None else self.character.to_state(),
            "energy": self.energy,
            "minable_flag": self.minable_flag,
            "active": self.active,
            "destructible": self.destructible,
            "machine": None if self.machine is None else self.machine.to_state(),
            "stack": None if self.stack is None else list(self.stack),
        }


def _burner(entity: Entity, inventories: dict[int, Inventory]) -> Burner | None:
    """The burner energy source of a burner entity, over its fuel and burnt-result inventories."""
    prototype = entity.prototype
    if prototype.energy_source != "burner":
        return None
    by_name = {inventory.name: inventory for inventory in inventories.values()}
    fuel = by_name.get("fuel")
    if fuel is None:
        return None
    return Burner(entity, fuel, by_name.get("burnt_result"), prototype.fuel_categories)
