"""A surface: its entities, kept in creation order and bucketed by chunk.

Searches follow ``LuaSurface.find_entities_filtered`` (Factorio 2.0 docs):
with an ``area``, entities whose collision box overlaps it; with a
``position``, entities whose collision box contains it; with a ``position``
and a ``radius``, entities whose *centre* lies within the radius; with
neither, the whole surface. ``name``/``type``/``force`` filters must all
match (``invert`` negates that match, never the area); results come newest
first.

The order of a search's results is not documented; the emulator's choice,
newest first, is the most plausible reading of what FLE (run against real
Factorio 2.0) relies on: its place_entity answers with the first entity of the
placed name found in an area around the build position, and FLE's tests expect
that to be the entity just built even where an older one of that name overlaps
the area (a splitter placed at another's output). Real Factorio searches chunk
by chunk; that chunk order is not modelled.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from . import belts, collision, ground, spatial
from .crafter import set_recipe
from .electric import ElectricNetworks
from .entity import Entity
from .errors import InvalidArgumentError, UnknownPrototypeError
from .fluid_segments import FluidSegments
from .geometry import CHUNK_SIZE, OFF_GRID_FLAG, BoundingBox, Position, check_direction, rotated_size
from .geometry import snap_to_grid as snap_position
from .inventory import Inventory
from .layout import inventory_specs
from .simulation import covered_tiles
from .tiles import Tiles

# A search touching at most this many tiles looks in the tile grid; a wider one in the chunk grid.
NEAR_TILES = 64

if TYPE_CHECKING:
    from ..gamedata import GameData
    from .force import Force
    from .simulation import Simulation

Names = str | Iterable[str] | None
PositionLike = Position | tuple[float, float]
AreaLike = BoundingBox | tuple[tuple[float, float], tuple[float, float]]


class Owner(Protocol):
    """What a surface needs of its world (a :class:`World`): game data, forces, serial numbers.

    Named here so this module needs nothing of ``world.py``, which builds surfaces.
    """

    gamedata: GameData
    simulation: Simulation

    def get_force(self, key: Force | int | str) -> Force: ...

    def next_unit_number(self) -> int: ...

    def next_entity_id(self) -> int: ...


def _xy(position: PositionLike) -> tuple[float, float]:
    if isinstance(position, Position):
        return position.x, position.y
    try:
        x, y = position
        return float(x), float(y)
    except (TypeError, ValueError) as error:
        raise InvalidArgumentError(f"not a position: {position!r}") from error


def _area(area: AreaLike) -> BoundingBox:
    if isinstance(area, BoundingBox):
        return area
    try:
        (x1, y1), (x2, y2) = area
        return BoundingBox.of(((float(x1), float(y1)), (float(x2), float(y2))))
    except (TypeError, ValueError) as error:
        raise InvalidArgumentError(f"not an area: {area!r}") from error


def _name_set(names: Names) -> frozenset[str] | None:
    if names is None:
        return None
    if isinstance(names, str):
        return frozenset((names,))
    return frozenset(names)


class Surface:
    __slots__ = (
        "index",
        "name",
        "world",
        "tiles",
        "always_day",
        "electric",
        "fluids",
        "_entities",
        "_tiles",
        "_chunks",
        "belt_version",
    )

    def __init__(self, world: Owner, index: int, name: str) -> None:
        self.world = world
        self.index = index
        self.name = name
        self.tiles = Tiles(world.gamedata.tiles)
        self.always_day = False  # LuaSurface::always_day: a new surface has a day-night cycle
        self.electric = ElectricNetworks(self)  # derived from the entities' positions; told of their changes
        self.fluids = FluidSegments(self, world.simulation)  # what the fluid segments hold; told of changes too
        self._entities: dict[int, Entity] = {}  # by Entity.id, in creation order
        # Both grids hold every entity: searches of a few tiles look in the first, wider ones in the second.
        self._tiles = spatial.Grid(1)
        self._chunks = spatial.Grid(CHUNK_SIZE)
        self.belt_version = 0  # bumped whenever a belt connectable comes, goes, moves or turns

    def __repr__(self) -> str:
        return f"<Surface {self.index} {self.name!r} with {len(self._entities)} entities>"

    @property
    def entities(self) -> list[Entity]:
        return list(self._entities.values())

    # --- creating -------------------------------------------------------------

    def create_entity(
        self,
        name: str,
        position: PositionLike,
        direction: int = 0,
        force: Force | str | int = "enemy",
        snap_to_grid: bool = True,
        amount: int | None = None,
        belt_to_ground_type: str | None = None,
        stack: tuple[str, int] | None = None,
    ) -> Entity:
        """Create an entity; like Factorio, the force defaults to "enemy".

        Grid-aligned entities (no "placeable-off-grid" flag) are snapped to the
        tile grid for their footprint as turned by ``direction``.
        """
        self.world.simulation.settle()  # (groups running cycles at once: up to date, and formed again)
        prototype = self.world.gamedata.entities.get(name) if isinstance(name, str) else None
        if prototype is None:
            raise UnknownPrototypeError("entity", name)
        x, y = _xy(position)
        direction = check_direction(direction)
        owner = self.world.get_force(force)
        if snap_to_grid and OFF_GRID_FLAG not in prototype.flags:
            width, height = rotated_size(prototype.tile_width, prototype.tile_height, direction)
            x, y = snap_position(x, y, width, height)
        unit_number = self.world.next_unit_number() if prototype.has_unit_number else None
        entity = Entity(
            self.world.next_entity_id(),
            prototype,
            self,
            x,
            y,
            direction,
            owner,
            unit_number,
            self._new_inventories(prototype),
        )
        if entity.burner is not None and prototype.initial_fuel is not None:
            # Built with fuel burning (2.0's initial_fuel): whether a script's create_entity gets it
            # too is not documented; it does here, as the most plausible reading of "when built".
            entity.burner.start_burning(
                self.world.gamedata.items[prototype.initial_fuel], prototype.initial_fuel_percent
            )
        if prototype.type == ground.ITEM_ENTITY:
            if stack is None or stack[0] not in self.world.gamedata.items or stack[1] < 1:
                raise InvalidArgumentError(f"an item on the ground needs a stack of a known item, got {stack!r}")
            entity.stack = (stack[0], int(stack[1]))
        if prototype.type == "resource" and amount is not None:
            entity.amount = int(amount)
        if entity.belt is not None and prototype.type == "underground-belt" and belt_to_ground_type is not None:
            if belt_to_ground_type not in ("input", "output"):
                raise InvalidArgumentError(
                    f"underground belt type must be 'input' or 'output', got {belt_to_ground_type!r}"
                )
            entity.belt.belt_to_ground_type = belt_to_ground_type
        self._add(entity)
        ground.push_aside(self, entity)
        return entity

    def _new_inventories(self, prototype: Any) -> dict[int, Inventory]:
        items = self.world.gamedata.items
        specs = inventory_specs(prototype, self.world.gamedata.defines["inventory"])
        return {s.index: Inventory(s.index, s.name, s.size, items, s.filter) for s in specs}

    # --- the index ------------------------------------------------------------

    @staticmethod
    def _index_box(entity: Entity) -> BoundingBox:
        box = entity.bounding_box
        if box.is_empty:
            centre = entity.position
            return BoundingBox(centre.x, centre.y, centre.x, centre.y)
        return box

    def _add(self, entity: Entity, machine_state: dict[str, Any] | None = None) -> None:
        self._entities[entity.id] = entity
        self._belts_changed(entity)
        self._index(entity)
        self.electric.added(entity)
        if entity.inventories:
            simulation = self.world.simulation
            for inventory in entity.inventories.values():
                inventory.on_change = lambda: simulation.changed(entity)
        self.world.simulation.added(entity, machine_state)
        self.fluids.added(entity)

    def _belts_changed(self, entity: Entity) -> None:
        """A belt connectable came, went, moved or turned: what was worked out of the belts' places
        (belts.belt_neighbours) is stale."""
        if entity.belt is not None:
            self.belt_version += 1

    def entity_changed(self, entity: Entity) -> None:
        """An entity's contents or settings changed (the tick simulation wakes what waits on it)."""
        self.world.simulation.changed(entity)

    def _index(self, entity: Entity) -> None:
        box = self._index_box(entity)
        self._tiles.add(entity, box)
        self._chunks.add(entity, box)

    def _unindex(self, entity: Entity) -> None:
        self._tiles.remove(entity)
        self._chunks.remove(entity)

    def remove_entity(self, entity: Entity) -> None:
        """Take an entity off this surface; only :meth:`Entity.destroy` calls it (it also invalidates)."""
        self.world.simulation.settle()
        self._unindex(entity)
        del self._entities[entity.id]
        self._belts_changed(entity)
        self.electric.removed(entity)
        self.world.simulation.removed(entity)
        self.fluids.removed(entity)

    def reindex_entity(self, entity: Entity, change: Callable[[], None]) -> None:
        """Apply a change of an entity's position or direction and keep the index right."""
        self.world.simulation.settle()
        before = covered_tiles(entity)
        self._unindex(entity)
        change()
        self._index(entity)
        self._belts_changed(entity)
        self.electric.moved(entity)
        self.world.simulation.moved(entity, before)
        self.fluids.moved(entity)

    def belts_at(self, x: float, y: float) -> list[Entity]:
        """The belt connectables carrying items on the tile holding ``(x, y)`` (a ``belts.Place``):
        a question about one belt (its neighbours, an underground's partner) looks at a few tiles."""
        tile = (math.floor(x), math.floor(y))
        return [e for e in self._tiles.at(tile) if e.belt is not None and tile in belts.lane_cells(e)]

    def _candidates(self, box: BoundingBox | None) -> list[Entity]:
        """Entities that may lie in ``box`` (every entity without one), newest first."""
        if box is None:
            return list(reversed(self._entities.values()))
        near = box.cell_count(1) <= NEAR_TILES
        found = (self._tiles if near else self._chunks).near(box)
        return [found[entity_id] for entity_id in sorted(found, reverse=True)]

    # --- searching ------------------------------------------------------------

    def find_entities_filtered(
        self,
        area: AreaLike | None = None,
        position: PositionLike | None = None,
        radius: float | None = None,
        name: Names = None,
        type: Names = None,
        force: Force | str | int | Iterable[Force | str | int] | None = None,
        limit: int | None = None,
        invert: bool = False,
        collision_mask: Names = None,
    ) -> list[Entity]:
        """``collision_mask``: entities whose prototype's collision mask holds one of these
        layers. ``invert`` flips the name, type, force and collision_mask tests together,
        never the area or position."""
        if area is not None and position is not None:
            raise InvalidArgumentError("give either an area or a position, not both")
        if radius is not None and position is None:
            raise InvalidArgumentError("a radius needs a position")
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise InvalidArgumentError(f"limit must be a whole number >= 0, got {limit!r}")
        names, types, layers = _name_set(name), _name_set(type), _name_set(collision_mask)
        forces = None if force is None else self._force_set(force)

        def wanted(entity: Entity) -> bool:
            matched = (
                (names is None or entity.name in names)
                and (types is None or entity.type in types)
                and (forces is None or entity.force.name in forces)
                and (layers is None or not layers.isdisjoint(entity.prototype.collision_layers))
            )
            return matched != invert

        unfiltered = names is None and types is None and forces is None and layers is None and not invert
        found: list[Entity] = []
        if limit == 0:
            return found
        for entity in self._in_region(area, position, radius):
            if unfiltered or wanted(entity):
                found.append(entity)
                if limit is not None and len(found) >= limit:
                    break
        return found

    def count_entities_filtered(self, **filters: Any) -> int:
        return len(self.find_entities_filtered(**filters))

    def find_entity(self, name: str, position: PositionLike) -> Entity | None:
        """The first entity of this name whose collision box holds the position (or at it)."""
        if not isinstance(name, str) or name not in self.world.gamedata.entities:
            raise UnknownPrototypeError("entity", name)
        x, y = _xy(position)
        for entity in self._candidates(BoundingBox(x, y, x, y)):
            if entity.name == name and (entity.bounding_box.contains(x, y) or entity.position == Position(x, y)):
                return entity
        return None

    def _in_region(
        self, area: AreaLike | None, position: PositionLike | None, radius: float | None
    ) -> Iterable[Entity]:
        """The entities in an area (their collision boxes' interiors meet it, or a box-less one's centre lies
        in it, edges included), at a position (their boxes hold it) or within a radius of it (their centres):
        newest first. The tests are written out in the loops: a search of a tile or two, made by the
        thousand, would otherwise spend most of its time calling them."""
        if area is not None:
            box = _area(area)
            left, top, right, bottom = box.left, box.top, box.right, box.bottom
            for entity in self._candidates(box):
                own = entity.bounding_box
                if own.left == own.right or own.top == own.bottom:
                    centre = entity.position
                    if left <= centre.x <= right and top <= centre.y <= bottom:
                        yield entity
                elif own.left < right and left < own.right and own.top < bottom and top < own.bottom:
                    yield entity
            return
        if position is None:
            yield from self._candidates(None)
            return
        x, y = _xy(position)
        if radius is None:
            for entity in self._candidates(BoundingBox(x, y, x, y)):
                own = entity.bounding_box
                if own.left <= x <= own.right and own.top <= y <= own.bottom:
                    yield entity
            return
        if radius < 0:
            raise InvalidArgumentError(f"radius must be >= 0, got {radius!r}")
        centre = Position(x, y)
        for entity in self._candidates(BoundingBox(x - radius, y - radius, x + radius, y + radius)):
            if entity.position.distance_to(centre) <= radius:
                yield entity

    def _force_set(self, force: Any) -> frozenset[str]:
        if isinstance(force, (str, int)) or hasattr(force, "technologies"):
            force = [force]
        return frozenset(self.world.get_force(f).name for f in force)

    # --- tiles and placing ------------------------------------------------------

    def find_tiles_filtered(
        self,
        area: AreaLike | None = None,
        position: PositionLike | None = None,
        radius: float | None = None,
        name: Names = None,
        limit: int | None = None,
        invert: bool = False,
    ) -> list[tuple[int, int, str]]:
        """Tiles as (x, y, name): in ``area``, or within ``radius`` of ``position`` (by tile
        centre), or the tile at ``position``; ``name`` filters, ``invert`` flips the name test."""
        if area is not None and position is not None:
            raise InvalidArgumentError("give either an area or a position, not both")
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise InvalidArgumentError(f"limit must be a whole number >= 0, got {limit!r}")
        names = None if name is None else self.tiles.check_names(_name_set(name) or ())
        centre = None
        if area is not None:
            box: BoundingBox | None = _area(area)
        elif position is not None:
            x, y = _xy(position)
            if radius is None:
                box = BoundingBox(x, y, x, y)
            else:
                if radius < 0:
                    raise InvalidArgumentError(f"radius must be >= 0, got {radius!r}")
                centre = (x, y)
                box = BoundingBox(x - radius, y - radius, x + radius, y + radius)
        else:
            box = None
        return self.tiles.find(box, centre, radius, names, invert, limit)

    def count_tiles_filtered(self, **filters: Any) -> int:
        return len(self.find_tiles_filtered(**filters))

    def can_place_entity(
        self, name: str, position: PositionLike, direction: int = 0, build_check_type: str = "manual"
    ) -> bool:
        """``build_check_type`` is a ``defines.build_check_type`` name (see collision.DIRECTION_AS_GIVEN)."""
        prototype = self.world.gamedata.entities.get(name) if isinstance(name, str) else None
        if prototype is None:
            raise UnknownPrototypeError("entity", name)
        x, y = _xy(position)
        return collision.can_place(self, prototype, x, y, check_direction(direction), build_check_type)

    def can_fast_replace(
        self, name: str, position: PositionLike, direction: int = 0, force: Force | str | int | None = None
    ) -> bool:
        prototype = self.world.gamedata.entities.get(name) if isinstance(name, str) else None
        if prototype is None:
            raise UnknownPrototypeError("entity", name)
        x, y = _xy(position)
        owner = None if force is None else self.world.get_force(force)
        return collision.can_fast_replace(self, prototype, x, y, check_direction(direction), owner)

    def find_non_colliding_position(
        self, name: str, center: PositionLike, radius: float, precision: float, force_to_tile_center: bool = False
    ) -> Position | None:
        prototype = self.world.gamedata.entities.get(name) if isinstance(name, str) else None
        if prototype is None:
            raise UnknownPrototypeError("entity", name)
        if precision <= 0:
            raise InvalidArgumentError(f"precision must be > 0, got {precision!r}")
        x, y = _xy(center)
        return collision.non_colliding_position(
            self, prototype, Position(x, y), radius, precision, force_to_tile_center
        )

    # --- state ----------------------------------------------------------------

    def to_state(self) -> dict[str, object]:
        return {
            "index": self.index,
            "name": self.name,
            "entities": [entity.to_state() for entity in self._entities.values()],
            "tiles": self.tiles.to_state(),
            "always_day": self.always_day,
            "fluids": self.fluids.to_state(),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        """What :meth:`to_state` wrote besides the entities (absent from states older than tiles)."""
        if "tiles" in state:
            self.tiles.load_state(state["tiles"])
        self.always_day = bool(state.get("always_day", False))

    def restore_entity(self, state: dict[str, Any]) -> Entity:
        """Recreate an entity exactly as :meth:`Entity.to_state` wrote it (no snapping)."""
        prototype = self.world.gamedata.entities.get(state["name"])
        if prototype is None:
            raise UnknownPrototypeError("entity", state["name"])
        x, y = state["position"]
        entity = Entity(
            int(state["id"]),
            prototype,
            self,
            x,
            y,
            check_direction(state["direction"]),
            self.world.get_force(state["force"]),
            state["unit_number"],
            self._new_inventories(prototype),
        )
        entity.health = state["health"]
        entity.amount = state["amount"]
        entity.energy = float(state.get("energy", 0.0))
        entity.minable_flag = bool(state.get("minable_flag", True))
        entity.active = bool(state.get("active", True))
        entity.destructible = bool(state.get("destructible", True))
        if state.get("recipe") is not None and entity.type == "furnace":  # the recipe it is smelting
            entity.recipe = entity.force.recipes[state["recipe"]]
        elif state.get("recipe") is not None:  # before the slots: the recipe sizes the crafter's inventories
            set_recipe(entity, entity.force.recipes[state["recipe"]])
        if state.get("stack") is not None:
            name, count = state["stack"]
            entity.stack = (str(name), int(count))
        if state.get("burner") is not None and entity.burner is not None:
            entity.burner.load_state(state["burner"], self.world.gamedata.items)
        if state.get("belt") is not None and entity.belt is not None:
            entity.belt.load_state(state["belt"])
        if state.get("character") is not None and entity.character is not None:
            entity.character.load_state(state["character"])
        saved = {int(index): slots for index, slots in state["inventories"]}
        if set(saved) != set(entity.inventories):
            raise InvalidArgumentError(
                f"{entity.name} has inventories {sorted(entity.inventories)}, the state has {sorted(saved)}"
            )
        for index, slots in saved.items():
            entity.inventories[index].load_state(slots)
        self._add(entity, state.get("machine"))
        return entity
