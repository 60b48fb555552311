"""Named maps: the facts of a map file, made into a surface by a seeded generator.

A map file (``emulator/maps/<name>.toml``, e.g. ``fle_lab.toml``) holds only
facts, each citing where it is stated. This module makes a layout that
satisfies them, and leaves nothing else to chance: the same file and seed give
the same surface, tile for tile and amount for amount.

The generator's rules (``random.Random(seed)`` drives every choice):

* Every ore patch is an ellipse of tile centres, or, where a ``corner_on_ore`` or
  ``drills_from_corner`` fact needs ore up to its bounding box's corner, a squarer superellipse
  (``|x/a|^p + |y/b|^p <= 1``, p drawn from :data:`SQUARE_POWER`). A resource with a ``nearest``
  fact is centred beyond that tile, on the ray from spawn through it, and
  trimmed so no tile of it is as near to spawn as that tile, the tile itself
  kept. Other ores, the crude oil (3 to 5 wells at least 4 tiles apart, plus a
  ``second_well`` at its offset from the nearest one, 3 or more from the rest; and a well at
  each ``wells_at`` position, which no other feature comes near and the field's nearest well is
  nearer spawn than; it holds 300 000), the
  lake (an ellipse of ``water`` tiles, straight at its sides' middles when the
  ``flat_shore`` fact asks, its nearest tile on its east shore when ``land_east`` does) and the grove (25 to 40 trees within
  8 tiles of its centre) are put at a random bearing 24 to 64 tiles from spawn.
* Nothing is put within :data:`CLEAR_MARGIN` tiles (a square) of a ``clear``
  position, and features keep :data:`FEATURE_GAP` tiles apart.
* Ore amounts are 600 to 1500 a tile, richer at the centre; a crude-oil well
  holds 300 000 to 900 000 (100 % to 300 % yield, 300 000 being 100 %).
* A draw whose patch fails its facts (``full_square``, ``no_full_box``,
  ``min_amount``...) or lands where it may not is thrown away and drawn
  again; after :data:`ATTEMPTS` failures the map is refused.

Beyond the features the surface is plain land (``tiles.DEFAULT_TILE``).
"""

from __future__ import annotations

import math
import random
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from .errors import InvalidArgumentError

#: The seed every named map is generated with (a scenario's map, like one from
#: its blueprint.zip, does not change with --map-gen-seed).
MAP_SEED = 20_261_205
CLEAR_MARGIN = 8
FEATURE_GAP = 4
ATTEMPTS = 400
DISTANCE = (24.0, 64.0)
ORE_AXES = (4.0, 9.0)
#: A patch that must fit no box of ``no_full_box`` (width, height) is drawn less tall than the box.
#: The exponent of a patch whose corner must hold ore (drills_from_corner): 2 is an ellipse.
SQUARE_POWER = (4.0, 8.0)
LAKE_AXES = (4.0, 8.0)
GROVE = (25, 40, 8.0)  # fewest trees, most trees, radius
OIL_WELLS = (3, 5)
OIL_AMOUNT = (300_000, 900_000)
ORE_AMOUNT = (600, 1500)
TREE_SPACING = 1.5

TileKey = tuple[int, int]


class MapError(InvalidArgumentError):
    """A map file that is missing, malformed, or whose facts cannot all be met."""


@dataclass
class MapLayout:
    """What a generated map puts on a surface."""

    name: str
    spawn: tuple[float, float]
    tiles: dict[TileKey, str] = field(default_factory=dict)
    resources: list[tuple[str, float, float, int]] = field(default_factory=list)  # name, x, y, amount
    trees: list[tuple[str, float, float]] = field(default_factory=list)


def map_file_name(name: str) -> str:
    return name.replace("-", "_") + ".toml"


def load_facts(name: str) -> dict[str, Any]:
    """The facts of the map called ``name`` (``fle-lab`` is ``maps/fle_lab.toml``)."""
    if not isinstance(name, str) or not name or "/" in name or "." in name:
        raise MapError(f"no map called {name!r}")
    path = resources.files("fle_testkit.emulator.maps") / map_file_name(name)
    if not path.is_file():
        raise MapError(f"no map called {name!r} (no {map_file_name(name)} in the emulator's maps)")
    try:
        facts = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise MapError(f"map {name!r}: {error}") from error
    if facts.get("name") != name:
        raise MapError(f"map file {map_file_name(name)} names itself {facts.get('name')!r}, not {name!r}")
    return facts


def generate(facts: dict[str, Any], gamedata: Any, seed: int = MAP_SEED) -> MapLayout:
    return _Generator(facts, gamedata, seed).run()


def tiles_of(layout: MapLayout, name: str) -> list[tuple[float, float, int]]:
    return [(x, y, amount) for n, x, y, amount in layout.resources if n == name]


def full_squares(cells: set[TileKey], size: int) -> list[TileKey]:
    """Left-top tiles of every ``size`` x ``size`` square all of whose tiles are in ``cells``."""
    return full_boxes(cells, size, size)


def full_boxes(cells: set[TileKey], width: int, height: int) -> list[TileKey]:
    found = []
    for x, y in sorted(cells):
        if all((x + dx, y + dy) in cells for dx in range(width) for dy in range(height)):
            found.append((x, y))
    return found


def _needs_corner(fact: dict[str, Any]) -> bool:
    """Facts that need ore up to the patch's bounding-box corner, which an ellipse never has."""
    return bool(fact.get("corner_on_ore")) or "drills_from_corner" in fact


def drills_from_corner(cells: set[TileKey], offsets: list[list[int]]) -> bool:
    """Each 3x3 body centred ``offset`` tiles from the left-top tile of ``cells``' bounding box
    covers a tile of ``cells``."""
    left, top = min(x for x, _ in cells), min(y for _, y in cells)
    return all(
        any((left + dx + i, top + dy + j) in cells for i in (-1, 0, 1) for j in (-1, 0, 1)) for dx, dy in offsets
    )


def flat_shore(cells: set[TileKey], reach: int) -> bool:
    """The two outermost rows and columns of ``cells`` hold every tile within ``reach`` of
    their side's middle (both middle tiles, where the side is an even number of tiles)."""
    xs, ys = [x for x, _ in cells], [y for _, y in cells]
    left, right, top, bottom = min(xs), max(xs), min(ys), max(ys)
    across_x = range((left + right) // 2 - reach, (left + right + 1) // 2 + reach + 1)
    across_y = range((top + bottom) // 2 - reach, (top + bottom + 1) // 2 + reach + 1)
    for depth in (0, 1):
        rows = ((x, y) for x in across_x for y in (top + depth, bottom - depth))
        columns = ((x, y) for y in across_y for x in (left + depth, right - depth))
        if not all(cell in cells for cell in (*rows, *columns)):
            return False
    return True


def land_east(cells: set[TileKey], spawn: tuple[float, float], reach: int, band: int) -> bool:
    """No cell lies within ``reach`` tiles east of a cell nearest to spawn (every one, if
    several tie), nor in the ``band`` rows above and below it."""
    distance = {cell: math.hypot(cell[0] - spawn[0], cell[1] - spawn[1]) for cell in cells}
    closest = min(distance.values())
    nearest = [cell for cell, d in distance.items() if d == closest]
    return not any(
        (x + dx, y + dy) in cells for x, y in nearest for dx in range(1, reach + 1) for dy in range(-band, band + 1)
    )


def disjoint_count(corners: list[TileKey], size: int) -> int:
    """How many of these squares can be picked without overlapping (greedy, left to right)."""
    taken: set[TileKey] = set()
    count = 0
    for x, y in corners:
        square = {(x + dx, y + dy) for dx in range(size) for dy in range(size)}
        if not square & taken:
            taken |= square
            count += 1
    return count


class _Generator:
    def __init__(self, facts: dict[str, Any], gamedata: Any, seed: int) -> None:
        self.facts = facts
        self.gamedata = gamedata
        self.rng = random.Random(seed)
        spawn = facts.get("spawn", {}).get("position", [0, 0])
        self.spawn = (float(spawn[0]), float(spawn[1]))
        self.layout = MapLayout(str(facts["name"]), self.spawn)
        self.blocked: list[tuple[float, float, float, float]] = [
            (x - CLEAR_MARGIN, y - CLEAR_MARGIN, x + CLEAR_MARGIN, y + CLEAR_MARGIN)
            for x, y in (c["position"] for c in facts.get("clear", ()))
        ]
        self.fixed_wells = [
            (float(x), float(y))
            for r in facts.get("resource", ())
            if r.get("name") == "crude-oil"
            for x, y in r.get("wells_at", ())
        ]
        # A fixed well keeps every other feature off the 3x3 pumpjack built on it.
        self.blocked += [(x - 1.5, y - 1.5, x + 1.5, y + 1.5) for x, y in self.fixed_wells]
        self.taken: list[tuple[float, float, float, float]] = []

    # --- placement helpers ------------------------------------------------
    def _free(self, box: tuple[float, float, float, float], gap: float = FEATURE_GAP) -> bool:
        left, top, right, bottom = box
        for b in self.blocked:
            if left < b[2] and b[0] < right and top < b[3] and b[1] < bottom:
                return False
        for b in self.taken:
            if left - gap < b[2] and b[0] < right + gap and top - gap < b[3] and b[1] < bottom + gap:
                return False
        return True

    def _bearing_point(self) -> tuple[float, float]:
        angle = self.rng.uniform(0, 2 * math.pi)
        distance = self.rng.uniform(*DISTANCE)
        return self.spawn[0] + distance * math.cos(angle), self.spawn[1] + distance * math.sin(angle)

    @staticmethod
    def _ellipse(cx: float, cy: float, a: float, b: float, power: float = 2.0) -> set[TileKey]:
        cells = set()
        for x in range(math.floor(cx - a) - 1, math.ceil(cx + a) + 1):
            for y in range(math.floor(cy - b) - 1, math.ceil(cy + b) + 1):
                if abs((x + 0.5 - cx) / a) ** power + abs((y + 0.5 - cy) / b) ** power <= 1.0:
                    cells.add((x, y))
        return cells

    @staticmethod
    def _bounds(cells: set[TileKey]) -> tuple[float, float, float, float]:
        xs = [x for x, _ in cells]
        ys = [y for _, y in cells]
        return min(xs), min(ys), max(xs) + 1, max(ys) + 1

    # --- features ---------------------------------------------------------
    def run(self) -> MapLayout:
        for resource in self.facts.get("resource", ()):
            if resource["name"] == "crude-oil":
                self._oil(resource)
            else:
                self._ore(resource)
        if "water" in self.facts:
            self._lake(self.facts["water"])
        if "trees" in self.facts:
            self._grove(self.facts["trees"])
        return self.layout

    def _attempts(self, what: str) -> Any:
        for _ in range(ATTEMPTS):
            yield
        raise MapError(f"map {self.layout.name!r}: no {what} meeting its facts after {ATTEMPTS} draws")

    def _ore(self, fact: dict[str, Any]) -> None:
        name = fact["name"]
        if name not in self.gamedata.entities:
            raise MapError(f"map {self.layout.name!r}: unknown resource {name!r}")
        wide, high = ORE_AXES[1], ORE_AXES[1]
        if "no_full_box" in fact:
            width, height = fact["no_full_box"]
            if _needs_corner(fact):
                high = min(high, (height - 1) / 2)  # any width, never as tall as the box
            else:
                wide = high = min(high, (min(width, height) - 1) / 2)
        for _ in self._attempts(f"{name} patch"):
            a, b = self.rng.uniform(ORE_AXES[0], wide), self.rng.uniform(ORE_AXES[0], high)
            power = self.rng.uniform(*SQUARE_POWER) if _needs_corner(fact) else 2.0
            if "nearest" in fact:
                cells = self._anchored(fact["nearest"], a, b, power)
            else:
                cx, cy = self._bearing_point()
                cells = self._ellipse(cx, cy, a, b, power)
            if not cells or not self._meets(fact, cells):
                continue
            box = self._bounds(cells)
            anchored = "nearest" in fact
            if not anchored and not self._free(box):
                continue
            if anchored and not self._free_of_others(box):
                continue
            self.taken.append(box)
            cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
            radius = max(box[2] - box[0], box[3] - box[1]) / 2
            for x, y in sorted(cells, key=lambda k: (k[1], k[0])):
                centre_share = 1 - min(1.0, math.hypot(x + 0.5 - cx, y + 0.5 - cy) / radius)
                amount = int(ORE_AMOUNT[0] + (ORE_AMOUNT[1] - ORE_AMOUNT[0]) * centre_share * self.rng.uniform(0.7, 1))
                self.layout.resources.append((name, x + 0.5, y + 0.5, amount))
            return

    def _free_of_others(self, box: tuple[float, float, float, float]) -> bool:
        """An anchored patch may touch clear margins (its anchor is a fact) but not other features."""
        saved, self.blocked = self.blocked, []
        try:
            return self._free(box)
        finally:
            self.blocked = saved

    def _anchored(self, nearest: list[float], a: float, b: float, power: float = 2.0) -> set[TileKey]:
        nx, ny = float(nearest[0]), float(nearest[1])
        dx, dy = nx - self.spawn[0], ny - self.spawn[1]
        length = math.hypot(dx, dy)
        if length == 0:
            raise MapError(f"map {self.layout.name!r}: a nearest tile at spawn")
        reach = max(a, b) * self.rng.uniform(0.6, 0.9)
        cx, cy = nx + dx / length * reach, ny + dy / length * reach
        cells = self._ellipse(cx, cy, a, b, power)
        anchor = (math.floor(nx), math.floor(ny))
        limit = length
        kept = {
            (x, y)
            for x, y in cells
            if (x, y) == anchor or math.hypot(x + 0.5 - self.spawn[0], y + 0.5 - self.spawn[1]) > limit + 1e-9
        }
        kept.add(anchor)
        return kept

    def _meets(self, fact: dict[str, Any], cells: set[TileKey]) -> bool:
        size = fact.get("full_square")
        if size is not None:
            corners = full_squares(cells, int(size))
            near = fact.get("full_square_near")
            if near is not None:
                corners = [
                    (x, y)
                    for x, y in corners
                    if max(abs(x + size / 2 - near[0]), abs(y + size / 2 - near[1])) <= 30 - size
                ]
            if disjoint_count(corners, int(size)) < int(fact.get("full_square_count", 1)):
                return False
        if "no_full_box" in fact:
            width, height = fact["no_full_box"]
            if full_boxes(cells, int(width), int(height)):
                return False
        if "drills_from_corner" in fact and not drills_from_corner(cells, fact["drills_from_corner"]):
            return False
        if fact.get("corner_on_ore") and (min(x for x, _ in cells), min(y for _, y in cells)) not in cells:
            return False
        return len(cells) * ORE_AMOUNT[0] >= int(fact.get("min_amount", 0))

    def _oil(self, fact: dict[str, Any]) -> None:
        for _ in self._attempts("crude-oil field"):
            cx, cy = self._bearing_point()
            wells: list[tuple[float, float]] = []
            for _ in range(self.rng.randint(*OIL_WELLS) * 10):
                x = math.floor(cx + self.rng.uniform(-6, 6)) + 0.5
                y = math.floor(cy + self.rng.uniform(-6, 6)) + 0.5
                if all(max(abs(x - wx), abs(y - wy)) >= 4 for wx, wy in wells):
                    wells.append((x, y))
                if len(wells) >= OIL_WELLS[0] and self.rng.random() < 0.3:
                    break
            box = (
                min(w[0] for w in wells) - 1.5,
                min(w[1] for w in wells) - 1.5,
                max(w[0] for w in wells) + 1.5,
                max(w[1] for w in wells) + 1.5,
            )
            if len(wells) < OIL_WELLS[0]:
                continue
            if "second_well" in fact:
                paired = self._with_second_well(wells, fact["second_well"])
                if paired is None:
                    continue
                wells = paired
                box = (
                    min(w[0] for w in wells) - 1.5,
                    min(w[1] for w in wells) - 1.5,
                    max(w[0] for w in wells) + 1.5,
                    max(w[1] for w in wells) + 1.5,
                )
            if not self._free(box) or not self._fixed_wells_fit(wells):
                continue
            self.taken.append(box)
            for x, y in wells:
                self.layout.resources.append(("crude-oil", x, y, self.rng.randint(*OIL_AMOUNT)))
            # A fixed well holds the least (100 % yield) and draws nothing, so the features
            # drawn after it are those of the map without it.
            self.layout.resources += [("crude-oil", x, y, OIL_AMOUNT[0]) for x, y in self.fixed_wells]
            return

    def _fixed_wells_fit(self, wells: list[tuple[float, float]]) -> bool:
        """The field's nearest well stays the nearest of all (the nearest-well facts are about it)."""
        sx, sy = self.spawn
        reach = min(math.hypot(x - sx, y - sy) for x, y in wells)
        return all(math.hypot(x - sx, y - sy) > reach + 1e-9 for x, y in self.fixed_wells)

    def _with_second_well(
        self, wells: list[tuple[float, float]], offset: list[int]
    ) -> list[tuple[float, float]] | None:
        """The wells plus one at ``offset`` tiles from the nearest (which must stay the nearest), or None.

        The pair may stand closer than the field's spacing: a pumpjack is 3 tiles wide, so wells 3 apart
        can both be pumped.
        """
        sx, sy = self.spawn
        nearest = min(wells, key=lambda w: math.hypot(w[0] - sx, w[1] - sy))
        second = (nearest[0] + offset[0], nearest[1] + offset[1])
        reach = math.hypot(nearest[0] - sx, nearest[1] - sy)
        if math.hypot(second[0] - sx, second[1] - sy) <= reach + 1e-9:
            return None
        others = [w for w in wells if w is not nearest]
        if any(max(abs(second[0] - w[0]), abs(second[1] - w[1])) < 3 for w in others):
            return None
        return [*wells, second]

    def _lake(self, fact: dict[str, Any]) -> None:
        tile = fact.get("tile", "water")
        limit = float(fact.get("patch_radius", 30)) / 2 - 1
        for _ in self._attempts("lake"):
            cx, cy = self._bearing_point()
            a = self.rng.uniform(LAKE_AXES[0], min(LAKE_AXES[1], limit))
            b = self.rng.uniform(LAKE_AXES[0], min(LAKE_AXES[1], limit))
            cells = self._ellipse(cx, cy, a, b)
            if "flat_shore" in fact and not flat_shore(cells, int(fact["flat_shore"])):
                continue
            if "land_east" in fact and not land_east(cells, self.spawn, *fact["land_east"]):
                continue
            box = self._bounds(cells)
            if not self._free(box):
                continue
            self.taken.append(box)
            for key in sorted(cells):
                self.layout.tiles[key] = tile
            return

    def _grove(self, fact: dict[str, Any]) -> None:
        names = sorted(n for n, e in self.gamedata.entities.items() if e.type == "tree" and n.startswith("tree-"))
        wood = {n: _wood(self.gamedata.entities[n]) for n in names}
        fewest, most, radius = GROVE
        for _ in self._attempts("grove"):
            cx, cy = self._bearing_point()
            box = (cx - radius, cy - radius, cx + radius, cy + radius)
            if not self._free(box):
                continue
            trees: list[tuple[str, float, float]] = []
            wanted = self.rng.randint(fewest, most)
            for _ in range(wanted * 20):
                if len(trees) >= wanted:
                    break
                angle, r = self.rng.uniform(0, 2 * math.pi), radius * math.sqrt(self.rng.random())
                x, y = round((cx + r * math.cos(angle)) * 8) / 8, round((cy + r * math.sin(angle)) * 8) / 8
                if all(math.hypot(x - tx, y - ty) >= TREE_SPACING for _, tx, ty in trees):
                    trees.append((self.rng.choice(names), x, y))
            if sum(wood[n] for n, _, _ in trees) < int(fact.get("min_wood", 0)):
                continue
            self.taken.append(box)
            self.layout.trees.extend(trees)
            return


def _wood(prototype: Any) -> int:
    minable = prototype.minable
    if minable is None:
        return 0
    return int(sum(p.amount or 0 for p in minable.products if p.name == "wood"))
