"""Positions, boxes, directions and the building grid.

Factorio's map coordinates are tiles, y grows southwards, and a building sits on
the tile grid: an entity an odd number of tiles wide is centred on a tile
centre (x.5), an even one on a tile edge (whole number).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import InvalidArgumentError

#: Factorio 2.0 has 16 directions; north=0, east=4, south=8, west=12.
DIRECTION_COUNT = 16
NORTH, EAST, SOUTH, WEST = 0, 4, 8, 12
#: Side of the square the spatial index buckets entities by (Factorio's chunk).
CHUNK_SIZE = 32
#: Entities that may sit anywhere rather than on the tile grid.
OFF_GRID_FLAG = "placeable-off-grid"


@dataclass(frozen=True, slots=True)
class Position:
    x: float
    y: float

    def distance_to(self, other: Position) -> float:
        return math.hypot(self.x - other.x, self.y - other.y)


@dataclass(frozen=True, slots=True)
class BoundingBox:
    """An axis-aligned box, ``left <= right`` and ``top <= bottom``."""

    left: float
    top: float
    right: float
    bottom: float

    @classmethod
    def of(cls, corners: tuple[tuple[float, float], tuple[float, float]]) -> BoundingBox:
        (x1, y1), (x2, y2) = corners
        return cls(min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))

    @property
    def is_empty(self) -> bool:
        return self.left == self.right or self.top == self.bottom

    def moved(self, x: float, y: float) -> BoundingBox:
        return BoundingBox(self.left + x, self.top + y, self.right + x, self.bottom + y)

    def contains(self, x: float, y: float) -> bool:
        """Edges included, so an empty box at a point contains that point."""
        return self.left <= x <= self.right and self.top <= y <= self.bottom

    def overlaps(self, other: BoundingBox) -> bool:
        """Interiors intersect; boxes that only touch do not collide (as in Factorio)."""
        return (
            self.left < other.right and other.left < self.right and self.top < other.bottom and other.top < self.bottom
        )

    def chunks(self) -> Iterator[tuple[int, int]]:
        """Chunk coordinates this box touches."""
        return self.cells(CHUNK_SIZE)

    def cells(self, size: int) -> Iterator[tuple[int, int]]:
        """Coordinates of the cells of ``size`` tiles this box touches (its edges included)."""
        for cx in range(math.floor(self.left / size), math.floor(self.right / size) + 1):
            for cy in range(math.floor(self.top / size), math.floor(self.bottom / size) + 1):
                yield cx, cy

    def cell_count(self, size: int) -> int:
        columns = math.floor(self.right / size) - math.floor(self.left / size) + 1
        return columns * (math.floor(self.bottom / size) - math.floor(self.top / size) + 1)


def check_direction(direction: object) -> int:
    if isinstance(direction, bool) or not isinstance(direction, (int, float)) or direction != int(direction):
        raise InvalidArgumentError(f"direction must be an integer 0..{DIRECTION_COUNT - 1}, got {direction!r}")
    if not 0 <= int(direction) < DIRECTION_COUNT:
        raise InvalidArgumentError(f"direction must be an integer 0..{DIRECTION_COUNT - 1}, got {direction!r}")
    return int(direction)


def _quarter_turns(direction: int) -> int:
    """Whole quarter turns clockwise; in-between (diagonal) directions round down."""
    return (direction // 4) % 4


def rotate_box(box: BoundingBox, direction: int) -> BoundingBox:
    """A prototype box (facing north) turned to ``direction``, about the origin."""
    turns = _quarter_turns(direction)
    left, top, right, bottom = box.left, box.top, box.right, box.bottom
    if turns == 1:  # (x, y) -> (-y, x)
        return BoundingBox(-bottom, left, -top, right)
    if turns == 2:  # (x, y) -> (-x, -y)
        return BoundingBox(-right, -bottom, -left, -top)
    if turns == 3:  # (x, y) -> (y, -x)
        return BoundingBox(top, -right, bottom, -left)
    return box


def rotate_vector(x: float, y: float, direction: int) -> tuple[float, float]:
    """A prototype vector (facing north) turned to ``direction`` (quarter turns only, as boxes are)."""
    turns = _quarter_turns(direction)
    for _ in range(turns):
        x, y = -y, x
    return x, y


def rotated_size(width: int, height: int, direction: int) -> tuple[int, int]:
    return (height, width) if _quarter_turns(direction) % 2 else (width, height)


def _snap_axis(value: float, tiles: int) -> float:
    if tiles % 2:
        return math.floor(value) + 0.5
    return float(math.floor(value + 0.5))


def snap_to_grid(x: float, y: float, width: int, height: int) -> tuple[float, float]:
    """Centre of a ``width`` x ``height`` tile footprint nearest to (x, y).

    A zero-sized footprint (explosions, projectiles) is left where it is.
    """
    if width <= 0 or height <= 0:
        return float(x), float(y)
    return _snap_axis(x, width), _snap_axis(y, height)
