"""The "fle-lab" map: every fact cited, the layout deterministic, and every fact true on the surface."""

from __future__ import annotations

import math
import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import mapgen
from fle_testkit.emulator.model.world import World

FLE_TREE = Path("/work/fle-v0.4.3")  # FLE's source tree, where the tests/ citations point
NAMING_KEYS = {"name", "source"}


@pytest.fixture(scope="module")
def facts() -> dict:
    return mapgen.load_facts("fle-lab")


@pytest.fixture(scope="module")
def world(facts: dict) -> World:
    gamedata = load_vanilla()
    return World.new(gamedata, 1, mapgen.generate(facts, gamedata))


def _fact_tables(facts: dict) -> list[tuple[str, dict]]:
    tables = [(key, value) for key, value in facts.items() if isinstance(value, dict)]
    for key, value in facts.items():
        if isinstance(value, list):
            tables += [(f"{key}[{i}]", item) for i, item in enumerate(value)]
    return tables


def test_every_fact_has_a_source(facts: dict) -> None:
    for where, table in _fact_tables(facts):
        for key in table:
            if key in NAMING_KEYS or key.endswith("_source"):
                continue
            cited = "source" in table or any(
                k.endswith("_source") and (k[: -len("_source")] == key or key.startswith(k[: -len("_source")]))
                for k in table
            )
            assert cited, f"{where}.{key} has no source"


def _citations(facts: dict) -> list[str]:
    found = []
    for _, table in _fact_tables(facts):
        for key, value in table.items():
            if key == "source" or key.endswith("_source"):
                found += [part.strip() for part in value.split(";")]
    return found


def test_every_citation_names_a_file_and_lines() -> None:
    facts = mapgen.load_facts("fle-lab")
    for citation in _citations(facts):
        assert re.fullmatch(r"(tests|fle)/[\w/.-]+\.(py|lua):\d+(-\d+)?(,\d+(-\d+)?)*", citation), citation


@pytest.mark.skipif(not FLE_TREE.is_dir(), reason="FLE's source tree is not here")
def test_every_cited_line_exists() -> None:
    import importlib.util

    spec = importlib.util.find_spec("fle")  # located, not imported (importing FLE is slow and noisy)
    assert spec is not None and spec.origin is not None
    package_root = Path(spec.origin).parent.parent
    for citation in _citations(mapgen.load_facts("fle-lab")):
        path, _, lines = citation.partition(":")
        root = FLE_TREE if path.startswith("tests/") else package_root
        text = (root / path).read_text(encoding="utf-8").splitlines()
        last = max(int(n) for n in re.findall(r"\d+", lines))
        assert last <= len(text), citation


def test_the_map_file_is_the_one_packaged() -> None:
    text = (resources.files("fle_testkit.emulator.maps") / "fle_lab.toml").read_text(encoding="utf-8")
    assert tomllib.loads(text)["name"] == "fle-lab"


def test_the_layout_is_the_same_every_time(facts: dict) -> None:
    gamedata = load_vanilla()
    first, second = mapgen.generate(facts, gamedata), mapgen.generate(facts, gamedata)
    assert first == second
    assert first != mapgen.generate(facts, gamedata, seed=mapgen.MAP_SEED + 1)


def _nearest(points: list[tuple[float, float]], spawn: tuple[float, float]) -> tuple[float, float]:
    """FLE's nearest(): the first strictly nearer point wins, in the order the search returns them."""
    best, best_distance = None, math.inf
    for x, y in points:
        distance = math.hypot(spawn[0] - x, spawn[1] - y)
        if distance < best_distance:
            best, best_distance = (x, y), distance
    assert best is not None
    return best


def _search_area(facts: dict) -> tuple[tuple[float, float], tuple[float, float]]:
    x, y = facts["spawn"]["position"]
    half = facts["search"]["half_size"]
    return (x - half, y - half), (x + half, y + half)


def _resource_cells(world: World, name: str, area: tuple) -> set[tuple[int, int]]:
    found = world.get_surface("nauvis").find_entities_filtered(area=area, name=name)
    return {(math.floor(e.position.x), math.floor(e.position.y)) for e in found}


def test_coal_is_nearest_where_the_test_says(facts: dict, world: World) -> None:
    coal = next(r for r in facts["resource"] if r["name"] == "coal")
    found = world.get_surface("nauvis").find_entities_filtered(area=_search_area(facts), name="coal")
    spawn = tuple(facts["spawn"]["position"])
    assert _nearest([(e.position.x, e.position.y) for e in found], spawn) == tuple(coal["nearest"])


@pytest.mark.parametrize("name", ["coal", "iron-ore", "copper-ore", "stone", "crude-oil"])
def test_each_resource_is_within_the_search_and_rich_enough(facts: dict, world: World, name: str) -> None:
    fact = next(r for r in facts["resource"] if r["name"] == name)
    found = world.get_surface("nauvis").find_entities_filtered(area=_search_area(facts), name=name)
    assert found
    assert all(e.force.name == "neutral" for e in found)
    assert sum(e.amount for e in found) >= fact.get("min_amount", 1)


@pytest.mark.parametrize("name", ["coal", "iron-ore", "copper-ore"])
def test_full_squares_and_forbidden_boxes_hold(facts: dict, world: World, name: str) -> None:
    fact = next(r for r in facts["resource"] if r["name"] == name)
    cells = _resource_cells(world, name, _search_area(facts))
    size = fact["full_square"]
    corners = mapgen.full_squares(cells, size)
    if "full_square_near" in fact:
        nx, ny = fact["full_square_near"]
        corners = [(x, y) for x, y in corners if max(abs(x + size / 2 - nx), abs(y + size / 2 - ny)) <= 30 - size]
    assert mapgen.disjoint_count(corners, size) >= fact.get("full_square_count", 1)
    if "no_full_box" in fact:
        assert mapgen.full_boxes(cells, *fact["no_full_box"]) == []


@pytest.mark.parametrize("name", ["coal", "iron-ore", "copper-ore", "stone"])
def test_ore_lies_at_the_left_top_corner_of_each_patchs_box(facts: dict, world: World, name: str) -> None:
    assert next(r for r in facts["resource"] if r["name"] == name)["corner_on_ore"]
    cells = _resource_cells(world, name, _search_area(facts))
    assert (min(x for x, _ in cells), min(y for _, y in cells)) in cells


def test_drills_around_the_copper_patchs_corner_stand_on_ore(facts: dict, world: World) -> None:
    fact = next(r for r in facts["resource"] if r["name"] == "copper-ore")
    cells = _resource_cells(world, "copper-ore", _search_area(facts))
    left, top = min(x for x, _ in cells), min(y for _, y in cells)
    for dx, dy in fact["drills_from_corner"]:
        body = {(left + dx + i, top + dy + j) for i in (-1, 0, 1) for j in (-1, 0, 1)}
        assert body & cells, (dx, dy)
    assert not mapgen.drills_from_corner(cells, [[-3, 0]])  # a drill west of the corner has no ore


def test_the_nearest_lake_is_water_and_whole_within_the_patch_radius(facts: dict, world: World) -> None:
    surface = world.get_surface("nauvis")
    water = facts["water"]
    tiles = surface.find_tiles_filtered(area=_search_area(facts), name=water["tile"])
    assert tiles
    spawn = tuple(facts["spawn"]["position"])
    nx, ny = _nearest([(x, y) for x, y, _ in tiles], spawn)
    patch = surface.find_tiles_filtered(position=(nx, ny), radius=water["patch_radius"], name=water["tile"])
    assert len(patch) == len(tiles)  # the radius holds the whole lake, so its box is the lake's
    xs, ys = [x for x, _, _ in patch], [y for _, y, _ in patch]
    middle_x, middle_y = math.floor((min(xs) + max(xs)) / 2), math.floor((min(ys) + max(ys)) / 2)
    # Water reaches each side's middle: an offshore pump fits on all four sides.
    assert (min(xs), middle_y) in {(x, y) for x, y, _ in patch}
    assert (max(xs), middle_y) in {(x, y) for x, y, _ in patch}
    assert (middle_x, min(ys)) in {(x, y) for x, y, _ in patch}
    assert (middle_x, max(ys)) in {(x, y) for x, y, _ in patch}
    # ...and the shore is straight there, so a pump turned to the first water it meets faces out.
    assert mapgen.flat_shore({(int(x), int(y)) for x, y, _ in patch}, water["flat_shore"])
    # The nearest tile is on the east shore, with land east of it for a boiler and its pipes.
    assert mapgen.land_east({(int(x), int(y)) for x, y, _ in patch}, spawn, *water["land_east"])


def test_enough_wood_near_the_nearest_tree(facts: dict, world: World) -> None:
    surface = world.get_surface("nauvis")
    trees = surface.find_entities_filtered(area=_search_area(facts), type="tree")
    nx, ny = _nearest([(t.position.x, t.position.y) for t in trees], tuple(facts["spawn"]["position"]))
    near = surface.find_entities_filtered(position=(nx, ny), radius=facts["trees"]["radius"], type="tree")
    wood = sum(p.amount for t in near for p in t.prototype.minable.products if p.name == "wood")
    assert wood >= facts["trees"]["min_wood"]


def test_the_places_tests_build_at_are_clear(facts: dict, world: World) -> None:
    surface = world.get_surface("nauvis")
    for clear in facts["clear"]:
        x, y = clear["position"]
        assert surface.can_place_entity("stone-furnace", (x, y)), clear
        assert not surface.find_tiles_filtered(area=((x - 3, y - 3), (x + 3, y + 3)), name="water"), clear
        assert not surface.find_entities_filtered(area=((x - 3, y - 3), (x + 3, y + 3)), type="tree"), clear


def test_an_unknown_map_is_refused() -> None:
    with pytest.raises(mapgen.MapError, match="no map called"):
        mapgen.load_facts("no-such-map")
    with pytest.raises(mapgen.MapError, match="no map called"):
        mapgen.load_facts("../fle-lab")


def test_facts_that_cannot_be_met_are_refused() -> None:
    impossible = {"name": "x", "resource": [{"name": "copper-ore", "full_square": 9, "no_full_box": [7, 11]}]}
    with pytest.raises(mapgen.MapError, match="no copper-ore patch"):
        mapgen.generate(impossible, load_vanilla())


def test_a_second_well_lies_where_the_pumpjack_test_places_its_pumpjack(facts: dict, world: World) -> None:
    fact = next(r for r in facts["resource"] if r["name"] == "crude-oil")
    found = world.get_surface("nauvis").find_entities_filtered(area=_search_area(facts), name="crude-oil")
    wells = {(e.position.x, e.position.y) for e in found}
    nx, ny = _nearest([(e.position.x, e.position.y) for e in found], tuple(facts["spawn"]["position"]))
    dx, dy = fact["second_well"]
    assert (nx + dx, ny + dy) in wells


def test_a_well_lies_where_the_oil_chain_test_builds_its_pumpjack(facts: dict, world: World) -> None:
    fact = next(r for r in facts["resource"] if r["name"] == "crude-oil")
    surface = world.get_surface("nauvis")
    for x, y in fact["wells_at"]:
        assert surface.find_entities_filtered(position=(x, y), name="crude-oil"), (x, y)
        assert surface.can_place_entity("pumpjack", (x, y)), (x, y)


def test_fixed_wells_leave_the_rest_of_the_map_as_it_was(facts: dict, world: World) -> None:
    without = {k: v for k, v in facts.items() if k not in ("resource", "clear")}
    without["resource"] = [{k: v for k, v in r.items() if not k.startswith("wells_at")} for r in facts["resource"]]
    without["clear"] = facts["clear"]
    gamedata = load_vanilla()
    plain, fixed = mapgen.generate(without, gamedata), mapgen.generate(facts, gamedata)
    wells = {(x, y) for x, y in next(r for r in facts["resource"] if r["name"] == "crude-oil")["wells_at"]}
    assert [r for r in fixed.resources if (r[1], r[2]) not in wells] == plain.resources
    assert (fixed.tiles, fixed.trees) == (plain.tiles, plain.trees)
