"""A surface's tiles: one land tile everywhere, and the tiles that differ from it.

Factorio generates every chunk of an infinite map from noise; the emulator's
surfaces are all land of one tile (:data:`DEFAULT_TILE`) except the tiles a map
or a script set, kept sparsely, so a search over a 1000-tile square for
``water`` looks at the water tiles only. A tile's position is its left-top
corner (``TilePosition``, whole numbers), as in Factorio.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from .errors import InvalidArgumentError, UnknownPrototypeError
from .geometry import BoundingBox

#: The land every emulated surface is made of. Real nauvis varies its grass,
#: dirt and sand by noise; one plain land tile is the emulator's choice.
DEFAULT_TILE = "grass-1"
#: A search that must visit land tiles one by one stops beyond this many
#: (about a 700x700 square); a sparse search (only non-default names) has no bound.
MAX_SCANNED_TILES = 500_000

TileKey = tuple[int, int]


class TileSearchTooLarge(InvalidArgumentError):
    """A land-tile search over an area too large to walk tile by tile."""


def tile_range(box: BoundingBox) -> tuple[range, range]:
    """The tiles whose square overlaps the box's interior (a point box: the tile holding it)."""
    if box.is_empty:
        x0, y0 = math.floor(box.left), math.floor(box.top)
        xs = range(x0, math.floor(box.right) + 1) if box.left != box.right else range(x0, x0 + 1)
        ys = range(y0, math.floor(box.bottom) + 1) if box.top != box.bottom else range(y0, y0 + 1)
        return xs, ys
    return (
        range(math.floor(box.left), math.ceil(box.right)),
        range(math.floor(box.top), math.ceil(box.bottom)),
    )


class Tiles:
    """The tile layer of one surface."""

    __slots__ = ("default", "_changed", "_known")

    def __init__(self, known: Iterable[str], default: str = DEFAULT_TILE) -> None:
        self._known = frozenset(known)
        if default not in self._known:
            raise UnknownPrototypeError("tile", default)
        self.default = default
        self._changed: dict[TileKey, str] = {}

    def name_at(self, x: int, y: int) -> str:
        return self._changed.get((x, y), self.default)

    def set(self, x: int, y: int, name: str) -> None:
        if name not in self._known:
            raise UnknownPrototypeError("tile", name)
        if name == self.default:
            self._changed.pop((x, y), None)
        else:
            self._changed[(x, y)] = name

    def check_names(self, names: Iterable[str]) -> frozenset[str]:
        found = frozenset(names)
        for name in sorted(found):
            if name not in self._known:
                raise UnknownPrototypeError("tile", name)
        return found

    def find(
        self,
        box: BoundingBox | None,
        centre: tuple[float, float] | None = None,
        radius: float | None = None,
        names: frozenset[str] | None = None,
        invert: bool = False,
        limit: int | None = None,
    ) -> list[tuple[int, int, str]]:
        """Tiles in ``box`` (and within ``radius`` of ``centre``, by tile centre) whose
        name is in ``names`` (all when None; ``invert`` flips the name test), in
        row-major order (y, then x)."""

        def wanted(name: str) -> bool:
            return (names is None or name in names) != invert

        def inside(x: int, y: int) -> bool:
            if box is not None and not _in_range(x, y, box):
                return False
            if centre is not None and radius is not None:
                return math.hypot(x + 0.5 - centre[0], y + 0.5 - centre[1]) <= radius
            return True

        found: list[tuple[int, int, str]] = []
        if not wanted(self.default):  # only set tiles can match: walk them or the box, whichever is fewer
            xs, ys = tile_range(box) if box is not None else (range(0), range(0))
            if box is not None and len(xs) * len(ys) < len(self._changed):
                changed = self._changed
                candidates: Iterator[TileKey] = ((x, y) for y in ys for x in xs if (x, y) in changed and inside(x, y))
            else:
                keys: Iterable[TileKey] = sorted(self._changed, key=lambda k: (k[1], k[0]))
                candidates = (k for k in keys if inside(*k))
        else:
            if box is None:
                raise TileSearchTooLarge("a search that matches land tiles needs an area or a position")
            xs, ys = tile_range(box)
            if len(xs) * len(ys) > MAX_SCANNED_TILES:
                raise TileSearchTooLarge(
                    f"the embedded server walks at most {MAX_SCANNED_TILES} tiles for a search matching land tiles"
                )
            candidates = ((x, y) for y in ys for x in xs if inside(x, y))
        for x, y in candidates:
            if limit is not None and len(found) >= limit:
                break
            name = self.name_at(x, y)
            if wanted(name):
                found.append((x, y, name))
        return found

    def to_state(self) -> dict[str, object]:
        return {"default": self.default, "changed": [[x, y, n] for (x, y), n in sorted(self._changed.items())]}

    def load_state(self, state: dict[str, object]) -> None:
        default = state["default"]
        if not isinstance(default, str) or default not in self._known:
            raise UnknownPrototypeError("tile", default)
        self.default = default
        self._changed = {}
        for x, y, name in state["changed"]:  # type: ignore[attr-defined]
            self.set(int(x), int(y), str(name))


def _in_range(x: int, y: int, box: BoundingBox) -> bool:
    xs, ys = tile_range(box)
    return x in xs and y in ys


class TileAt:
    """One tile of a surface, by position: what a LuaTile stands for (its name is read live)."""

    __slots__ = ("surface", "x", "y")

    def __init__(self, surface: object, x: int, y: int) -> None:
        self.surface = surface
        self.x = x
        self.y = y
