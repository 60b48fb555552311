"""Fluids as Lua sees them while the game runs: LuaFluidBox's contents, segments, writes; an offshore
pump -> pipes -> boiler chain's statuses; and the chain through /save and load."""

from __future__ import annotations

from pathlib import Path

import pytest
from level_lua import STATUS, blank_level, lua, saved_and_loaded

from fle_testkit.emulator.level import Level

HELPERS = (
    STATUS
    + """
function fluid(f) if f == nil then return 'nil' end return f.name .. ':' .. f.amount .. '@' .. f.temperature end
"""
)

CHAIN = """
local s = game.surfaces[1]
pump = s.create_entity{name = 'offshore-pump', position = {-0.5, 1.5}, direction = defines.direction.west, force = 'player'}
pipes = {}
for x = 0, 3 do pipes[#pipes + 1] = s.create_entity{name = 'pipe', position = {x + 0.5, 1.5}, force = 'player'} end
boiler = s.create_entity{name = 'boiler', position = {5.5, 1}, direction = defines.direction.north, force = 'player'}
storage.pump, storage.boiler = pump, boiler
"""


def make_level(tmp_path: Path) -> Level:
    return blank_level(tmp_path, HELPERS)


@pytest.fixture
def level(tmp_path: Path) -> Level:
    level = make_level(tmp_path)
    tiles = level.world.get_surface(1).tiles  # (set_tiles is not built)
    for x in range(-6, -1):
        for y in range(-3, 7):
            tiles.set(x, y, "water")
    lua(level, CHAIN)
    return level


def test_the_chain_fills_with_water_and_the_boiler_waits_for_fuel(level: Level) -> None:
    assert lua(level, "p(fluid(boiler.fluidbox[2]), #boiler.fluidbox, boiler.fluidbox.get_locked_fluid(2))") == (
        "nil 2 nil"
    )
    level.advance(until=level.tick + 60)
    assert lua(level, "p(fluid(pump.fluidbox[1]), fluid(boiler.fluidbox[1]), fluid(boiler.fluidbox[2]))") == (
        "water:100@15 water:200@15 nil"
    )
    assert lua(level, "p(status(pump), status(boiler), boiler.fluidbox.get_locked_fluid(1))") == (
        "full_output no_fuel water"
    )
    assert lua(level, "p(pump.fluidbox.get_fluid_segment_contents(1).water)") == "700"
    assert lua(level, "p(pump.fluidbox.get_fluid_segment_id(1) == pipes[4].fluidbox.get_fluid_segment_id(1))") == "true"


def test_a_fuelled_boiler_makes_steam_at_165_degrees(level: Level) -> None:
    lua(level, "boiler.insert{name = 'coal', count = 5}")
    start = level.tick
    level.advance(until=start + 60)
    out = lua(level, "p(fluid(boiler.fluidbox[2]), status(boiler), boiler.fluidbox.get_capacity(2))")
    assert out == "steam:60@165 working 200"
    level.advance(until=start + 600)
    assert lua(level, "p(fluid(boiler.fluidbox[2]), status(boiler))") == "steam:200@165 full_output"
    stats = "local f = game.forces.player.get_fluid_production_statistics(1) "
    assert lua(level, stats + "p(f.get_input_count('steam'), f.get_output_count('water'))") == "200 200"


def test_writing_a_box_sets_its_share_and_refuses_unknown_fluids(level: Level) -> None:
    out = lua(
        level,
        "local tank = game.surfaces[1].create_entity{name = 'storage-tank', position = {20.5, 20.5}, force = 'player'} "
        "tank.fluidbox[1] = {name = 'crude-oil', amount = 25000} "
        "p(fluid(tank.fluidbox[1]), tank.fluidbox.get_locked_fluid(1)) "
        "tank.fluidbox[1] = {name = 'water', amount = 10, temperature = 40} p(fluid(tank.fluidbox[1])) "
        "tank.fluidbox[1] = nil p(fluid(tank.fluidbox[1]), tank.fluidbox.get_locked_fluid(1)) "
        "p(pcall(function() tank.fluidbox[1] = {name = 'lava', amount = 1} end))",
    )
    lines = out.split("\n")
    assert lines[:3] == ["crude-oil:25000@25 crude-oil", "water:10@40", "nil nil"]
    assert lines[3].startswith("false Unknown fluid name: lava")


def test_the_chain_goes_on_after_save_and_load_as_if_never_saved(level: Level, tmp_path: Path) -> None:
    lua(level, "boiler.insert{name = 'coal', count = 10}")
    level.advance(until=1000)
    lua(level, "boiler.fluidbox[2] = {name = 'steam', amount = 33.3, temperature = 165}")
    loaded = saved_and_loaded(level, tmp_path / "saves" / "fluids.zip")
    lua(loaded, HELPERS)
    probe = (
        "local b = storage.boiler "
        "p(game.tick, fluid(b.fluidbox[1]), fluid(b.fluidbox[2]), b.burner.remaining_burning_fuel, status(b))"
    )
    for game in (level, loaded):
        game.advance(until=1100)
        lua(game, "storage.boiler.fluidbox[2] = nil")
        game.advance(until=1150)
    assert lua(loaded, probe) == lua(level, probe)
    assert "steam:50@165" in lua(level, probe)


def test_an_entitys_fluid_methods_work_on_its_boxes(level: Level) -> None:
    out = lua(
        level,
        "local s = game.surfaces[1] "
        "local tank = s.create_entity{name = 'storage-tank', position = {20.5, 20.5}, force = 'player'} "
        "local pipe = s.create_entity{name = 'pipe', position = {18.5, 19.5}, force = 'player'} "
        "p(tank.fluidbox.get_fluid_segment_id(1) == pipe.fluidbox.get_fluid_segment_id(1)) "
        "p(tank.insert_fluid{name = 'water', amount = 30000}, tank.get_fluid_count(), tank.get_fluid_count('water')) "
        "p(tank.get_fluid_contents().water, pipe.get_fluid_count('steam'), pipe.get_fluid_contents().water) "
        "p(tank.remove_fluid{name = 'water', amount = 100}, tank.remove_fluid{name = 'steam', amount = 5}) "
        "tank.clear_fluid_inside() p(tank.get_fluid_count(), pipe.get_fluid_count()) "
        "local chest = s.create_entity{name = 'iron-chest', position = {30.5, 30.5}, force = 'player'} "
        "p(next(chest.get_fluid_contents()), chest.insert_fluid{name = 'water', amount = 5}) "
        "p(pcall(tank.insert_fluid, {name = 'lava', amount = 1}))",
    )
    lines = out.split("\n")
    # The tank (25,000) and the pipe (100) are one segment of 25,100: the tank holds 25,000 of it;
    # clearing the tank empties the segment.
    assert lines[:5] == ["true", "25100 25000 25000", "25000 0 100", "100 0", "0 0"]
    assert lines[5] == "nil 0"
    assert lines[6].startswith("false Unknown fluid name: lava")
