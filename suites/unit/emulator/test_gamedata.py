"""Vanilla prototypes from draftsman's factorio-data: real facts, type lists, the cache."""

from __future__ import annotations

import json
import logging
import pickle
from dataclasses import replace
from pathlib import Path

import pytest

from fle_testkit.emulator import gamedata
from fle_testkit.emulator.gamedata import (
    INFINITE_LEVEL,
    SCHEMA,
    GameData,
    Ingredient,
    load_or_build,
    load_vanilla,
    parse_energy,
    tile_size,
)
from fle_testkit.emulator.gamedata.build import read_defines
from fle_testkit.emulator.gamedata.extract import HEALTH_WITHOUT_OWNER, NUMBERED_WITHOUT_OWNER


@pytest.fixture(scope="module")
def gd() -> GameData:
    return load_vanilla()


@pytest.fixture(scope="module")
def fresh_build() -> tuple[GameData, dict[str, tuple[float, int]], dict[str, tuple[float, int]]]:
    """One real data-stage run, with draftsman's files listed before and after it."""
    root = gamedata.draftsman_dir()

    def listing() -> dict[str, tuple[float, int]]:
        return {str(p): (p.stat().st_mtime, p.stat().st_size) for p in root.rglob("*") if p.is_file()}

    before = listing()
    built = gamedata.build_vanilla()
    return built, before, listing()


# --- parsing helpers ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "joules"),
    [
        ("4MJ", 4e6),
        ("100kJ", 1e5),
        ("2.5GJ", 2.5e9),
        ("90kW", 9e4),
        ("0J", 0.0),
        ("1.21 GJ", 1.21e9),
    ],
)
def test_parse_energy(text: str, joules: float) -> None:
    assert parse_energy(text) == pytest.approx(joules)


@pytest.mark.parametrize("text", ["", "4", "MJ", "4XJ", "four MJ"])
def test_parse_energy_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError):
        parse_energy(text)


def test_tile_size_rounds_the_collision_box_up() -> None:
    assert tile_size(((-0.35, -0.35), (0.35, 0.35))) == (1, 1)
    assert tile_size(((-0.7, -0.7), (0.7, 0.7))) == (2, 2)
    assert tile_size(((-1.2, -1.2), (1.2, 1.2))) == (3, 3)
    assert tile_size(((-1.29, -0.79), (1.29, 0.79))) == (3, 2)
    assert tile_size(((-0.5, -0.5), (0.5, 0.5))) == (1, 1)
    assert tile_size(((0, 0), (0, 0))) == (0, 0)


# --- the build ----------------------------------------------------------------


def test_fresh_build_equals_the_cached_data(fresh_build, gd: GameData) -> None:
    """Equal, except the order of some technology effects.

    The base mod builds barrel recipes in a ``pairs()`` loop over fluids, and
    Lua's table order differs between runs, so "fluid-handling" lists its
    unlocks in a different order each time the data stage runs.
    """
    built, _, _ = fresh_build
    assert replace(built, technologies={}) == replace(gd, technologies={})
    assert built.technologies.keys() == gd.technologies.keys()
    for name, technology in built.technologies.items():
        cached = gd.technologies[name]
        assert sorted(map(repr, technology.effects)) == sorted(map(repr, cached.effects))
        assert replace(technology, effects=()) == replace(cached, effects=())


def test_build_writes_nothing_into_draftsman(fresh_build) -> None:
    _, before, after = fresh_build
    assert after == before


def test_versions_come_from_the_installed_files(gd: GameData) -> None:
    import draftsman

    root = gamedata.draftsman_dir()
    info = json.loads((root / "factorio-data" / "base" / "info.json").read_text())
    assert gd.base_version == info["version"]
    assert gd.draftsman_version == draftsman.__version__
    assert gd.schema == SCHEMA


def test_type_lists_are_the_games_defines_prototypes(gd: GameData) -> None:
    assert set(gd.item_types) == set(gd.defines["prototypes"]["item"])
    assert set(gd.entity_types) == set(gd.defines["prototypes"]["entity"])
    assert {
        "item",
        "ammo",
        "capsule",
        "gun",
        "armor",
        "module",
        "tool",
        "repair-tool",
        "rail-planner",
        "item-with-entity-data",
        "blueprint",
    } <= set(gd.item_types)
    assert "fluid" not in gd.item_types and "recipe" not in gd.entity_types
    assert {"container", "character", "furnace", "resource", "tree", "explosion", "corpse"} <= set(gd.entity_types)


def test_every_prototype_is_of_a_listed_type(gd: GameData) -> None:
    assert {item.type for item in gd.items.values()} <= set(gd.item_types)
    assert {entity.type for entity in gd.entities.values()} <= set(gd.entity_types)
    # items of the non-"item" types are included
    assert {
        "ammo",
        "capsule",
        "gun",
        "armor",
        "module",
        "repair-tool",
        "rail-planner",
        "item-with-entity-data",
        "blueprint",
    } <= {item.type for item in gd.items.values()}
    assert gd.items["pistol"].type == "gun"
    assert gd.items["firearm-magazine"].type == "ammo"
    assert gd.items["car"].type == "item-with-entity-data"


def test_counts_of_the_vanilla_game(gd: GameData) -> None:
    assert len(gd.technologies) == 196
    assert len(gd.recipes) == 217
    assert len(gd.fluids) >= 7 and "water" in gd.fluids and "crude-oil" in gd.fluids
    assert len(gd.tiles) > 20


def test_no_space_age_content(gd: GameData) -> None:
    assert "space-platform-foundation" not in gd.tiles
    assert "foundry" not in gd.entities
    assert "tungsten-plate" not in gd.items


# --- real facts ---------------------------------------------------------------


def test_items(gd: GameData) -> None:
    assert gd.items["iron-plate"].stack_size == 100
    coal = gd.items["coal"]
    assert coal.fuel_value == 4e6 and coal.fuel_category == "chemical"
    assert gd.items["wood"].fuel_value == 2e6
    assert gd.items["iron-chest"].place_result == "iron-chest"
    assert gd.items["stone-brick"].place_as_tile == "stone-path"
    assert gd.items["iron-plate"].place_result is None


def test_recipes(gd: GameData) -> None:
    gear = gd.recipes["iron-gear-wheel"]
    assert gear.ingredients == (Ingredient("item", "iron-plate", 2),)
    assert [(r.type, r.name, r.amount) for r in gear.results] == [("item", "iron-gear-wheel", 1)]
    assert gear.category == "crafting" and gear.energy_required == 0.5 and gear.enabled
    plate = gd.recipes["iron-plate"]
    assert plate.category == "smelting" and plate.energy_required == 3.2
    assert not gd.recipes["assembling-machine-1"].enabled
    oil = gd.recipes["advanced-oil-processing"]
    assert {i.type for i in oil.ingredients} == {"fluid"}
    uranium = gd.recipes["uranium-processing"]
    assert sorted(r.probability for r in uranium.results) == pytest.approx([0.007, 0.993])


def test_entities(gd: GameData) -> None:
    assert gd.entities["iron-chest"].inventory_size == 32
    assert gd.entities["wooden-chest"].inventory_size == 16
    assert gd.entities["character"].inventory_size == 80
    assert gd.entities["character"].guns_inventory_size == 3
    furnace = gd.entities["stone-furnace"]
    assert (furnace.source_inventory_size, furnace.result_inventory_size) == (1, 1)
    assert furnace.energy_source == "burner" and furnace.fuel_inventory_size == 1
    assert furnace.fuel_categories == ("chemical",)
    assert furnace.crafting_categories == ("smelting",)
    assert (furnace.tile_width, furnace.tile_height) == (2, 2)
    assembler = gd.entities["assembling-machine-1"]
    assert (assembler.tile_width, assembler.tile_height) == (3, 3)
    assert assembler.crafting_speed == 0.5 and assembler.energy_source == "electric"
    assert (gd.entities["boiler"].tile_width, gd.entities["boiler"].tile_height) == (3, 2)
    drill = gd.entities["burner-mining-drill"]
    assert drill.mining_speed == 0.25 and drill.resource_categories == ("basic-solid",)
    assert gd.entities["iron-ore"].resource_category == "basic-solid"
    assert gd.entities["iron-chest"].max_health == 200
    assert gd.entities["iron-chest"].minable.products[0].name == "iron-chest"
    assert gd.entities["transport-belt"].items_to_place_this == ("transport-belt",)
    assert "placeable-off-grid" in gd.entities["character"].flags
    assert gd.entities["lab"].lab_inputs[0] == "automation-science-pack"
    poles = {name: (gd.entities[name].maximum_wire_distance, gd.entities[name].supply_area_distance) for name in POLES}
    assert poles == {"small-electric-pole": (7.5, 2.5), "medium-electric-pole": (9, 3.5), "substation": (18, 9)}
    assert gd.entities["beacon"].supply_area_distance == 3 and gd.entities["beacon"].maximum_wire_distance is None
    assert gd.entities["iron-chest"].supply_area_distance is None


POLES = ("small-electric-pole", "medium-electric-pole", "substation")


def test_health_and_unit_numbers(gd: GameData) -> None:
    assert gd.entities["iron-chest"].has_unit_number and gd.entities["character"].has_unit_number
    assert gd.entities["entity-ghost"].has_unit_number and not gd.entities["entity-ghost"].has_health
    assert gd.entities["tree-01"].has_health and not gd.entities["tree-01"].has_unit_number
    assert gd.entities["big-rock"].has_health and not gd.entities["big-rock"].has_unit_number
    assert gd.entities["fish"].has_health and not gd.entities["fish"].has_unit_number
    assert not gd.entities["iron-ore"].has_health and gd.entities["iron-ore"].max_health == 0
    explosion = next(e for e in gd.entities.values() if e.type == "explosion")
    assert not explosion.has_unit_number and not explosion.has_health
    assert not gd.entities["item-on-ground"].has_health and not gd.entities["item-on-ground"].has_unit_number


def test_health_is_where_the_data_sets_max_health(gd: GameData) -> None:
    """A type has health iff the data sets ``max_health`` on one of its prototypes."""
    with_health = {e.type for e in gd.entities.values() if e.has_health}
    assert {
        "container",
        "assembling-machine",
        "transport-belt",
        "inserter",
        "mining-drill",
        "furnace",
        "electric-pole",
        "character",
        "unit-spawner",
        "wall",
        "pipe",
        "lab",
        "boiler",
    } <= with_health
    assert not with_health & {"resource", "corpse", "explosion", "item-entity", "projectile", "cliff"}
    for entity in gd.entities.values():  # an unset max_health reads as the default 10
        assert entity.max_health > 0 if entity.has_health else entity.max_health == 0


def test_the_owner_rule_names_real_2_0_types(gd: GameData) -> None:
    assert HEALTH_WITHOUT_OWNER | NUMBERED_WITHOUT_OWNER <= set(gd.entity_types)


def test_technologies(gd: GameData) -> None:
    automation = gd.technologies["automation"]
    assert automation.unlocked_recipes == ("assembling-machine-1", "long-handed-inserter")
    assert automation.unit is not None and automation.unit.count == 10
    assert automation.unit.ingredients == (("automation-science-pack", 1),)
    assert automation.prerequisites == ("automation-science-pack",)
    assert automation.enabled and not automation.hidden and automation.level == 1
    infinite = gd.technologies["mining-productivity-4"]
    assert infinite.level == 4 and infinite.max_level == INFINITE_LEVEL
    assert infinite.unit is not None and infinite.unit.count is None and infinite.unit.count_formula
    assert infinite.upgrade
    triggered = [t for t in gd.technologies.values() if t.research_trigger is not None]
    assert any(t.research_trigger.type == "craft-item" and t.research_trigger.item for t in triggered)
    assert all(t.unit is None for t in triggered)


def test_tiles_and_fluids(gd: GameData) -> None:
    assert "water_tile" in gd.tiles["water"].collision_layers
    assert gd.tiles["water"].minable is None
    path = gd.tiles["stone-path"]
    assert path.minable is not None and path.minable.products[0].name == "stone-brick"
    assert path.items_to_place_this == ("stone-brick",)
    water = gd.fluids["water"]
    assert water.default_temperature == 15 and water.max_temperature == 100
    assert water.heat_capacity == 2000


def test_data_is_factorio_2_0(gd: GameData) -> None:
    """Facts that changed in 2.1 (draftsman 4): science packs became "item", recipes got ``categories``."""
    assert gd.base_version.startswith("2.0.")
    assert gd.items["automation-science-pack"].type == "tool"
    assert {item.name for item in gd.items.values() if item.type == "tool"} == {
        "automation-science-pack",
        "logistic-science-pack",
        "military-science-pack",
        "chemical-science-pack",
        "production-science-pack",
        "utility-science-pack",
        "space-science-pack",
    }
    assert gd.recipes["iron-gear-wheel"].categories == ("crafting",)


def test_defines_dump_is_of_2_0(tmp_path: Path) -> None:
    assert gamedata.defines_path().read_text(encoding="utf-8-sig").startswith("-- Current version: 2.0.")
    newer = tmp_path / "defines.lua"
    newer.write_text("-- Current version: 2.1.17\ndefines = {}\n")
    with pytest.raises(ValueError, match="not a dump of Factorio 2.0"):
        read_defines(newer)


def test_defines_are_the_2_0_numbers(gd: GameData) -> None:
    inventory = gd.defines["inventory"]
    assert inventory["chest"] == inventory["character_main"] == 1
    assert (inventory["fuel"], inventory["furnace_source"], inventory["furnace_result"]) == (1, 2, 3)
    direction = gd.defines["direction"]
    assert (direction["north"], direction["east"], direction["south"], direction["west"]) == (0, 4, 8, 12)


# --- cache --------------------------------------------------------------------


class CountingBuild:
    """Stands in for the slow data-stage run: returns the loaded data, counts calls."""

    def __init__(self, data: GameData) -> None:
        self.data = data
        self.calls = 0

    def __call__(self) -> GameData:
        self.calls += 1
        return self.data


@pytest.fixture
def build(gd: GameData) -> CountingBuild:
    return CountingBuild(gd)


def test_cache_is_written_then_read(tmp_path: Path, build: CountingBuild, gd: GameData) -> None:
    path = tmp_path / "sub" / "vanilla.pickle"
    assert load_or_build(path, build) == gd
    assert path.exists() and build.calls == 1
    assert load_or_build(path, build) == gd
    assert build.calls == 1
    assert [p.name for p in path.parent.iterdir()] == ["vanilla.pickle"]  # no temp file left


@pytest.mark.parametrize(
    "content", [b"", b"not a pickle", pickle.dumps({"some": "dict"})[:-3], pickle.dumps({"some": "dict"})]
)
def test_bad_cache_is_rebuilt(
    tmp_path: Path, build: CountingBuild, gd: GameData, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "vanilla.pickle"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING):
        assert load_or_build(path, build) == gd
    assert build.calls == 1
    assert "ignoring" in caplog.text
    with open(path, "rb") as handle:
        assert pickle.load(handle) == gd


def test_cache_that_cannot_be_written_still_loads(
    tmp_path: Path, build: CountingBuild, gd: GameData, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")  # a file where the cache directory should be
    with caplog.at_level(logging.WARNING):
        assert load_or_build(blocker / "vanilla.pickle", build) == gd
    assert "could not write" in caplog.text


def test_default_build_runs_the_data_stage(tmp_path: Path, gd: GameData) -> None:
    path = tmp_path / "vanilla.pickle"
    built = load_or_build(path)
    assert built is not gd and built.recipes == gd.recipes and path.exists()


def test_cache_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FLE_TESTKIT_CACHE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert gamedata.cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("FLE_TESTKIT_CACHE_DIR")
    assert gamedata.cache_dir() == tmp_path / "xdg" / "fle-testkit"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert gamedata.cache_dir() == tmp_path / "home" / ".cache" / "fle-testkit"


def test_cache_file_is_keyed_by_versions_and_schema(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, gd: GameData
) -> None:
    monkeypatch.setenv("FLE_TESTKIT_CACHE_DIR", str(tmp_path))
    name = gamedata.cache_path().name
    assert gd.draftsman_version in name and gd.base_version in name and f"schema{SCHEMA}" in name
    assert gamedata.cache_path().parent == tmp_path


def test_load_vanilla_is_memoized() -> None:
    assert load_vanilla() is load_vanilla()


def test_fluid_machines(gd: GameData) -> None:
    """What the fluid simulation reads: pumping speeds, the boiler's temperature and power, tiles' fluid."""
    assert gd.entities["offshore-pump"].pumping_speed == 20  # units a tick: 1,200/s
    assert gd.entities["pump"].pumping_speed == 20
    boiler = gd.entities["boiler"]
    assert (boiler.target_temperature, boiler.energy_consumption) == (165, 1.8e6)
    assert gd.entities["pipe"].pumping_speed is None and gd.entities["pipe"].energy_consumption is None
    assert gd.tiles["water"].fluid == "water" and gd.tiles["deepwater"].fluid == "water"
    assert gd.tiles["grass-1"].fluid is None
