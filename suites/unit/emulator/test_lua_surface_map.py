"""LuaSurface's tile, placing and path members, and the lab scenario's map, seen from Lua."""

from __future__ import annotations

from pathlib import Path

import pytest

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.level import Level
from fle_testkit.emulator.lua.runtime import LuaRuntimeError
from fle_testkit.emulator.model import mapgen
from fle_testkit.emulator.model.world import World
from fle_testkit.emulator.process import CORE_LUALIB
from fle_testkit.emulator.saves import read_scenario
from fle_testkit.emulator.scenario_map import MAP_FILE, ScenarioMapError, scenario_layout, scenario_map_name
from fle_testkit.scenario import ScenarioBuilder, packaged_scenarios_dir

PATH_HANDLER = """
script.on_event(defines.events.on_script_path_request_finished, function(event)
  storage.answers = storage.answers or {}
  storage.answers[#storage.answers + 1] = {id = event.id, tick = event.tick, path = event.path}
end)
"""


@pytest.fixture(scope="module")
def level(tmp_path_factory: pytest.TempPathFactory) -> Level:
    gamedata = load_vanilla()
    return Level.new(
        gamedata=gamedata,
        name="lab",
        scenario_files={"control.lua": PATH_HANDLER.encode()},
        world=World.new(gamedata, 1, mapgen.generate(mapgen.load_facts("fle-lab"), gamedata)),
        log=lambda line: None,
        script_log=lambda line: None,
        script_output=tmp_path_factory.mktemp("out"),
        core_lualib=CORE_LUALIB,
        now=lambda: 1000.0,  # a clock that stands still: ticks move only by advance(until=)
    )


def lua(level: Level, code: str) -> str:
    return level.run_command(code, "=(test)").rstrip("\n")


def test_nearest_water_as_fle_finds_it(level: Level) -> None:
    # FLE's nearest(Resource.Water): find_tiles_filtered over a 1000-tile square, then tile.position.
    out = lua(
        level,
        "local s = game.surfaces[1] "
        "local tiles = s.find_tiles_filtered{area = {{-500, -500}, {500, 500}}, name = 'water'} "
        "local t = tiles[1] "
        "rcon.print(#tiles .. ' ' .. t.name .. ' ' .. t.position.x .. ' ' .. tostring(t.collides_with('water_tile')) "
        ".. ' ' .. s.count_tiles_filtered{area = {{-500, -500}, {500, 500}}, name = {'water', 'deepwater'}})",
    )
    count, name, x, collides, counted = out.split()
    assert int(count) > 0 and name == "water" and collides == "true" and counted == count
    assert float(x) == int(float(x))  # a TilePosition


def test_get_tile_takes_numbers_or_a_position(level: Level) -> None:
    assert lua(level, "rcon.print(game.surfaces[1].get_tile(0.5, -0.5).name)") == "grass-1"
    assert (
        lua(level, "local p = game.surfaces[1].get_tile({x = 3.7, y = -2.2}).position rcon.print(p.x .. ',' .. p.y)")
        == "3,-3"
    )
    with pytest.raises(LuaRuntimeError, match="must be a number"):
        lua(level, "game.surfaces[1].get_tile('a', 1)")


def test_always_day_reads_and_writes(level: Level) -> None:
    assert lua(level, "rcon.print(tostring(game.surfaces[1].always_day))") == "false"
    lua(level, "game.surfaces[1].always_day = true")
    assert lua(level, "rcon.print(tostring(game.surfaces[1].always_day))") == "true"
    with pytest.raises(LuaRuntimeError, match="must be a boolean"):
        lua(level, "game.surfaces[1].always_day = 1")


def test_can_place_and_non_colliding_position(level: Level) -> None:
    assert (
        lua(
            level,
            "rcon.print(tostring(game.surfaces[1].can_place_entity{name = 'burner-mining-drill', position = {16, -1}}))",
        )
        == "true"
    )
    assert (
        lua(
            level,
            "rcon.print(tostring(game.surfaces[1].can_place_entity{name = 'burner-mining-drill', position = {0, 0}}))",
        )
        == "false"
    )
    with pytest.raises(LuaRuntimeError, match="name"):
        lua(level, "game.surfaces[1].can_place_entity{position = {0, 0}}")
    out = lua(
        level,
        "local p = game.surfaces[1].find_non_colliding_position('iron-chest', {0, 0}, 10, 0.5, true) rcon.print(p.x .. ',' .. p.y)",
    )
    assert out == "0.5,0.5"


def test_can_fast_replace_reads_its_table_and_answers_a_boolean(level: Level) -> None:
    lua(
        level,
        "storage.belt = game.surfaces[1].create_entity{name = 'transport-belt', position = {40.5, 40.5}, force = 'player'}",
    )
    ask = "rcon.print(tostring(game.surfaces[1].can_fast_replace{{name = '{name}', position = {{40.5, 40.5}}{extra}}}))"
    assert lua(level, ask.format(name="fast-transport-belt", extra="")) == "true"
    assert lua(level, ask.format(name="fast-transport-belt", extra=", direction = defines.direction.east")) == "true"
    assert lua(level, ask.format(name="transport-belt", extra=", direction = defines.direction.east")) == "true"
    assert lua(level, ask.format(name="transport-belt", extra="")) == "false"
    assert lua(level, ask.format(name="fast-transport-belt", extra=", force = 'enemy'")) == "false"
    with pytest.raises(LuaRuntimeError, match="name"):
        lua(level, "game.surfaces[1].can_fast_replace{position = {40.5, 40.5}}")
    with pytest.raises(LuaRuntimeError, match="position"):
        lua(level, "game.surfaces[1].can_fast_replace{name = 'transport-belt'}")
    groups = "rcon.print(prototypes.entity['gate'].fast_replaceable_group .. ' ' .. tostring(prototypes.entity['character'].fast_replaceable_group))"
    assert lua(level, groups) == "wall nil"
    lua(level, "storage.belt.destroy()")
    level.advance(
        until=level.tick + 1
    )  # (the belts' lines rebuild on the next tick; the next tests expect no work due)


def test_chunk_requests_are_accepted(level: Level) -> None:
    assert (
        lua(
            level,
            "game.surfaces[1].request_to_generate_chunks({0, 0}, 5) game.surfaces[1].force_generate_chunk_requests()",
        )
        == ""
    )
    with pytest.raises(LuaRuntimeError, match="position"):
        lua(level, "game.surfaces[1].request_to_generate_chunks(5)")


def test_a_path_request_is_answered_on_the_next_tick(level: Level) -> None:
    start = level.tick
    request = (
        "rcon.print(game.surfaces[1].request_path{bounding_box = {{-0.2, -0.2}, {0.2, 0.2}}, "
        "collision_mask = {layers = {player = true, water_tile = true, object = true}}, "
        "start = {0, 0}, goal = {30, 30}, force = 'player', radius = 1})"
    )
    first = int(lua(level, request))
    assert lua(level, "rcon.print(storage.answers == nil)") == "true"  # not within the same tick
    assert level.next_work_tick() == start + 2
    level.advance(until=start + 2)
    out = lua(
        level,
        "local a = storage.answers[1] local last = a.path[#a.path].position rcon.print(a.id .. ' ' .. a.tick .. ' ' .. last.x .. ' ' .. last.y)",
    )
    assert out == f"{first} {start + 1} 30 30"
    with pytest.raises(LuaRuntimeError, match="bounding_box"):
        lua(level, "game.surfaces[1].request_path{start = {0, 0}}")


def test_the_lab_scenario_names_the_fle_lab_map(tmp_path: Path) -> None:
    files = read_scenario(ScenarioBuilder("lab", out_root=tmp_path).build().path)
    assert scenario_map_name(files) == "fle-lab"
    assert (packaged_scenarios_dir() / "lab" / MAP_FILE).is_file()
    layout = scenario_layout(files, load_vanilla())
    assert layout is not None and any(name == "coal" for name, *_ in layout.resources)


def test_a_scenario_without_the_file_has_no_map_and_a_bad_one_is_refused() -> None:
    assert scenario_layout({"control.lua": b""}, load_vanilla()) is None
    with pytest.raises(ScenarioMapError, match="no map called"):
        scenario_layout({MAP_FILE: b'{"map": "atlantis"}'}, load_vanilla())
    with pytest.raises(ScenarioMapError, match="must be"):
        scenario_layout({MAP_FILE: b'["fle-lab"]'}, load_vanilla())


def test_can_place_entity_defaults_to_ghost_revive_which_lets_an_offshore_pump_turn(level: Level) -> None:
    # FLE's shore search asks the default check about a pump facing away from the water; its
    # own manual check must refuse that direction.
    out = lua(
        level,
        "local s = game.surfaces[1] "
        "local water = s.find_tiles_filtered{area = {{-500, -500}, {500, 500}}, name = 'water'} "
        "local found = {} "
        "for _, t in ipairs(water) do "
        "  local land = {x = t.position.x + 1.5, y = t.position.y + 0.5} "
        "  local away = {name = 'offshore-pump', position = land, direction = defines.direction.east} "
        "  local facing = {name = 'offshore-pump', position = land, direction = defines.direction.west, "
        "                  build_check_type = defines.build_check_type.manual} "
        "  if s.get_tile(land.x, land.y).name ~= 'water' and s.can_place_entity(facing) then "
        "    local manual = {name = 'offshore-pump', position = land, direction = defines.direction.east, "
        "                    build_check_type = defines.build_check_type.manual} "
        "    found = {s.can_place_entity(away), s.can_place_entity(manual)} break "
        "  end "
        "end "
        "rcon.print(tostring(found[1]) .. ' ' .. tostring(found[2]))",
    )
    assert out == "true false"
    with pytest.raises(LuaRuntimeError, match="build_check_type"):
        lua(
            level, "game.surfaces[1].can_place_entity{name = 'offshore-pump', position = {0, 0}, build_check_type = 99}"
        )


def test_find_entities_filtered_reads_collision_mask(level: Level) -> None:
    # FLE's is_placeable: nothing with the "player" layer at a tile holding only ore.
    out = lua(
        level,
        "local s = game.surfaces[1] "
        "local ore = s.find_entities_filtered{type = 'resource', limit = 1}[1] "
        "rcon.print(#s.find_entities_filtered{position = ore.position} .. ' ' .. "
        "#s.find_entities_filtered{position = ore.position, collision_mask = 'player'} .. ' ' .. "
        "#s.find_entities_filtered{position = ore.position, collision_mask = {'resource'}})",
    )
    assert out == "1 0 1"
