"""Where a surface's entities are: a grid of cells, each holding the entities whose boxes touch it.

A surface keeps two (``surface.py``): one of single tiles, for the searches of a
tile or two that scripts make by the thousand (FLE's alerts look at the tile in
front of every belt, once a game second), and one of 32-tile chunks for wide
ones. Over an ore patch a chunk holds a thousand resources; a tile holds one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .entity import Entity
    from .geometry import BoundingBox

Cell = tuple[int, int]


class Grid:
    """Entities by the cells their index boxes touch."""

    __slots__ = ("size", "_cells", "_of")

    def __init__(self, size: int) -> None:
        self.size = size
        self._cells: dict[Cell, dict[int, Entity]] = {}
        self._of: dict[int, list[Cell]] = {}  # entity id -> the cells it is in

    def add(self, entity: Entity, box: BoundingBox) -> None:
        touched = list(box.cells(self.size))
        self._of[entity.id] = touched
        for cell in touched:
            self._cells.setdefault(cell, {})[entity.id] = entity

    def remove(self, entity: Entity) -> None:
        for cell in self._of.pop(entity.id, ()):
            bucket = self._cells.get(cell)
            if bucket is not None:
                bucket.pop(entity.id, None)
                if not bucket:
                    del self._cells[cell]

    def at(self, cell: Cell) -> Iterable[Entity]:
        """The entities in one cell, in the order they were put there."""
        bucket = self._cells.get(cell)
        return bucket.values() if bucket else ()

    def near(self, box: BoundingBox) -> dict[int, Entity]:
        """Every entity in a cell ``box`` touches, by id (a superset of those in ``box``)."""
        found: dict[int, Entity] = {}
        buckets, size = self._cells, self.size
        columns = range(math.floor(box.left / size), math.floor(box.right / size) + 1)
        rows = range(math.floor(box.top / size), math.floor(box.bottom / size) + 1)
        for cx in columns:  # (box.cells written out: this runs on every search)
            for cy in rows:
                bucket = buckets.get((cx, cy))
                if bucket:
                    found.update(bucket)
        return found
