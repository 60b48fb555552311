"""Whether an entity fits somewhere: LuaSurface.can_place_entity and find_non_colliding_position.

Two things collide when their boxes' interiors overlap and their collision
masks share a layer (Factorio 2.0's rule; the masks are the game data's, the
type defaults from core's collision-mask-defaults.lua). A tile collides with
an entity over the tile's whole square. Beyond collisions, placing checks what
2.0 checks for the prototypes FLE builds: a mining drill needs a resource it
can mine in its mining area, and ``tile_buildability_rules`` (offshore pumps)
must hold. Whether the direction asked for binds depends on the build check
type (see :data:`DIRECTION_AS_GIVEN`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .geometry import OFF_GRID_FLAG, BoundingBox, Position, rotate_box, rotated_size, snap_to_grid
from .ground import ITEM_ENTITY
from .tiles import tile_range

if TYPE_CHECKING:
    from .entity import Entity
    from .force import Force
    from .surface import Surface

#: find_non_colliding_position looks at no more than this many rings of
#: candidates (precision apart); real Factorio's own bound is not documented.
MAX_RINGS = 400

#: The prototype flag Factorio documents as "used to automatically detect the proper
#: direction, if possible" (the offshore pump, train stops, rail signals).
FILTER_DIRECTIONS_FLAG = "filter-directions"

#: Build check types (``defines.build_check_type`` names) that hold an entity to the
#: direction it is asked for. Under the others (``script``, ``script_ghost``,
#: ``blueprint_ghost``, ``ghost_revive``, LuaSurface.can_place_entity's default) an entity
#: whose prototype has :data:`FILTER_DIRECTIONS_FLAG` fits when it fits turned to any of
#: its directions. Real Factorio does not document which checks turn the entity; this
#: choice is the one FLE 0.4.3's place_entity needs on real 2.0.73 (its shore search asks
#: the default check about an offshore pump facing away from the water, then builds it
#: facing the water; FLE's CHANGELOG 0.4.2 reports those tests passing), while its
#: ``manual`` check of a pump facing away from water must fail. Change it here.
DIRECTION_AS_GIVEN = frozenset({"manual", "manual_ghost"})

#: Whether can_fast_replace counts an entity of the very prototype asked about when it faces
#: another way. Not documented; assumed yes, as a player's build of a belt over the same belt
#: facing another way turns it (2.0 does it through fast replace). Facing the same way it never
#: counts: the replacement would change nothing.
SAME_PROTOTYPE_TURNS = True


def placed_position(prototype: Any, x: float, y: float, direction: int) -> tuple[float, float]:
    """Where an entity asked for at (x, y) would stand: on the tile grid unless placeable off it."""
    if OFF_GRID_FLAG in prototype.flags:
        return x, y
    width, height = rotated_size(prototype.tile_width, prototype.tile_height, direction)
    return snap_to_grid(x, y, width, height)


def box_at(prototype: Any, x: float, y: float, direction: int) -> BoundingBox:
    return rotate_box(BoundingBox.of(prototype.collision_box), direction).moved(x, y)


def tiles_under(box: BoundingBox) -> Iterator[tuple[int, int]]:
    """Tiles whose square overlaps the box's interior (for a point box: the tile holding it)."""
    xs, ys = tile_range(box)
    for y in ys:
        for x in xs:
            yield x, y


def tile_blocks(surface: Surface, box: BoundingBox, layers: frozenset[str]) -> bool:
    """Whether a tile under ``box`` has a layer of ``layers``."""
    tiles = surface.world.gamedata.tiles
    tile_layers = surface.tiles
    if box.is_empty or not layers:
        return False
    return any(not layers.isdisjoint(tiles[tile_layers.name_at(x, y)].collision_layers) for x, y in tiles_under(box))


def entity_blocks(
    surface: Surface,
    box: BoundingBox,
    layers: frozenset[str],
    ignore: Iterable[Entity] = (),
    passable_force: Force | None = None,
) -> Entity | None:
    """The first entity whose box overlaps ``box`` and whose mask shares a layer with ``layers``;
    entities of ``passable_force`` never block, nor do items on the ground: a build pushes them
    aside (ground.py)."""
    if box.is_empty or not layers:
        return None
    skipped = {id(e) for e in ignore}
    for other in surface.find_entities_filtered(area=box):
        if id(other) in skipped or (passable_force is not None and other.force is passable_force):
            continue
        if other.type == ITEM_ENTITY:
            continue
        other_box = other.bounding_box
        if other_box.is_empty or not other_box.overlaps(box):
            continue
        if not layers.isdisjoint(other.prototype.collision_layers):
            return other
    return None


def _rule_holds(surface: Surface, rule: Any, x: float, y: float, direction: int) -> bool:
    tiles = surface.world.gamedata.tiles
    area = rotate_box(BoundingBox.of(rule.area), direction).moved(x, y)
    required, colliding = frozenset(rule.required), frozenset(rule.colliding)
    for tx, ty in tiles_under(area):
        layers = tiles[surface.tiles.name_at(tx, ty)].collision_layers
        if required and required.isdisjoint(layers):
            return False
        if not colliding.isdisjoint(layers):
            return False
    return True


def has_resource_to_mine(surface: Surface, prototype: Any, x: float, y: float) -> bool:
    """A resource the drill can mine whose position lies in its mining area.

    Real Factorio looks for resources under the mining area; here a resource
    counts when its position (a tile centre) is inside the area.
    """
    radius = prototype.resource_searching_radius or 0.0
    area = BoundingBox(x - radius, y - radius, x + radius, y + radius)
    categories = set(prototype.resource_categories)
    for found in surface.find_entities_filtered(area=area, type="resource"):
        if found.prototype.resource_category in categories and area.contains(found.position.x, found.position.y):
            return True
    return False


def building_directions(prototype: Any) -> tuple[int, ...]:
    """The directions a prototype can be built in: 4, or 8 or 16 with the building-direction flags."""
    if "building-direction-16-way" in prototype.flags:
        return tuple(range(16))
    if "building-direction-8-way" in prototype.flags:
        return tuple(range(0, 16, 2))
    return (0, 4, 8, 12)


def can_place(
    surface: Surface, prototype: Any, x: float, y: float, direction: int, build_check_type: str = "manual"
) -> bool:
    """LuaSurface.can_place_entity: fits among tiles and entities, and the prototype's own rules,
    facing ``direction`` or, where the check lets the entity turn, any of its directions."""
    if build_check_type in DIRECTION_AS_GIVEN or FILTER_DIRECTIONS_FLAG not in prototype.flags:
        return _fits(surface, prototype, x, y, direction)
    others = (d for d in building_directions(prototype) if d != direction)
    return any(_fits(surface, prototype, x, y, d) for d in (direction, *others))


def _fits(surface: Surface, prototype: Any, x: float, y: float, direction: int) -> bool:
    x, y = placed_position(prototype, x, y, direction)
    box = box_at(prototype, x, y, direction)
    layers = frozenset(prototype.collision_layers)
    if tile_blocks(surface, box, layers) or entity_blocks(surface, box, layers) is not None:
        return False
    if not all(_rule_holds(surface, rule, x, y, direction) for rule in prototype.tile_buildability_rules):
        return False
    if prototype.type == "mining-drill":
        return has_resource_to_mine(surface, prototype, x, y)
    return True


def collides(surface: Surface, prototype: Any, x: float, y: float) -> bool:
    box = box_at(prototype, x, y, 0)
    layers = frozenset(prototype.collision_layers)
    return tile_blocks(surface, box, layers) or entity_blocks(surface, box, layers) is not None


def non_colliding_position(
    surface: Surface, prototype: Any, centre: Position, radius: float, precision: float, tile_centre: bool
) -> Position | None:
    """The nearest spot to ``centre``, on a grid ``precision`` apart, where the entity collides with nothing.

    Candidates come in square rings around the centre, nearest first within
    each ring; ``radius`` 0 means no limit but :data:`MAX_RINGS`.
    """
    step = max(precision, 0.01)
    cx, cy = (math.floor(centre.x) + 0.5, math.floor(centre.y) + 0.5) if tile_centre else (centre.x, centre.y)
    if tile_centre:
        step = max(1.0, round(step))
    rings = MAX_RINGS if radius <= 0 else min(MAX_RINGS, math.ceil(radius / step))
    for ring in range(rings + 1):
        candidates = [
            (cx + i * step, cy + j * step)
            for i in range(-ring, ring + 1)
            for j in range(-ring, ring + 1)
            if max(abs(i), abs(j)) == ring
        ]
        candidates.sort(key=lambda p: (math.hypot(p[0] - centre.x, p[1] - centre.y), p[1], p[0]))
        for x, y in candidates:
            if radius > 0 and math.hypot(x - centre.x, y - centre.y) > radius:
                continue
            if not collides(surface, prototype, x, y):
                return Position(x, y)
    return None


def can_fast_replace(
    surface: Surface, prototype: Any, x: float, y: float, direction: int, force: Force | None = None
) -> bool:
    """LuaSurface.can_fast_replace: an entity stands where this one would, and this one may replace it.

    The rules, as Factorio's wiki ("Fast replace") states them and as assumed where it is silent:
    both prototypes share a non-empty ``fast_replaceable_group``; the old entity stands at the
    position the new one would be placed at and has the same footprint there (2.0's splitter over
    two belts, of another footprint, is not modelled); it belongs to ``force`` when one is given
    (assumed: nobody replaces another force's building); everything else under the new box lets
    it be placed, as for can_place_entity. See :data:`SAME_PROTOTYPE_TURNS` for an entity of
    the same prototype.
    """
    group = prototype.fast_replaceable_group
    if not group:
        return False
    x, y = placed_position(prototype, x, y, direction)
    box = box_at(prototype, x, y, direction)
    layers = frozenset(prototype.collision_layers)
    for old in surface.find_entities_filtered(position=(x, y)):
        if old.prototype.fast_replaceable_group != group or old.position != Position(x, y):
            continue
        if old.bounding_box != box or (force is not None and old.force is not force):
            continue
        if old.prototype is prototype and (old.direction == direction or not SAME_PROTOTYPE_TURNS):
            continue
        if not tile_blocks(surface, box, layers) and entity_blocks(surface, box, layers, ignore=[old]) is None:
            return True
    return False
