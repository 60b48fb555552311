"""Electric machines as Lua sees them while the game runs: an assembler on solar power and a
lab researching, their statuses, energy, the network's electric statistics, on_research_finished, and
a powered factory through /save and load."""

from __future__ import annotations

from pathlib import Path

import pytest
from level_lua import STATUS, blank_level, lua, saved_and_loaded

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.level import Level
from fle_testkit.emulator.model.world import World

FACTORY = """
local s = game.surfaces[1]
local force = game.forces.player
pole = s.create_entity{name = 'small-electric-pole', position = {0.5, 0.5}, force = 'player'}
s.create_entity{name = 'solar-panel', position = {-2.5, -2.5}, force = 'player'}
s.create_entity{name = 'solar-panel', position = {-2.5, 0.5}, force = 'player'}
s.create_entity{name = 'solar-panel', position = {-2.5, 3.5}, force = 'player'}
assembler = s.create_entity{name = 'assembling-machine-1', position = {3.5, 0.5}, force = 'player'}
force.recipes['iron-gear-wheel'].enabled = true
assembler.set_recipe('iron-gear-wheel')
lab = s.create_entity{name = 'lab', position = {0.5, 3.5}, force = 'player'}
storage.pole, storage.assembler, storage.lab = pole, assembler, lab
"""


@pytest.fixture
def level(tmp_path: Path) -> Level:
    return blank_level(tmp_path, STATUS + FACTORY)


def test_an_assembler_on_solar_power_crafts_and_shows_its_status(level: Level) -> None:
    level.advance(until=level.tick + 10)
    assert lua(level, "p(status(assembler))") == "item_ingredient_shortage"
    lua(level, "assembler.insert{name = 'iron-plate', count = 20}")
    level.advance(until=level.tick + 30)
    assert lua(level, "p(status(assembler), assembler.energy > 0, assembler.is_crafting())") == "working true true"
    level.advance(until=level.tick + 600)
    assert lua(level, "p(assembler.get_item_count('iron-gear-wheel'), assembler.products_finished)") == "10 10"


def test_electric_network_statistics_count_the_joules(level: Level) -> None:
    lua(level, "assembler.insert{name = 'iron-plate', count = 200}")
    level.advance(until=level.tick + 600)
    out = lua(
        level,
        "local st = pole.electric_network_statistics "
        "p(st.get_output_count('assembling-machine-1') > 0, st.get_input_count('solar-panel') > 0)",
    )
    assert out == "true true"


def test_a_lab_researches_and_raises_on_research_finished(level: Level) -> None:
    start = lua(
        level,
        "local force = game.forces.player "
        "for _, name in pairs({'automation-science-pack'}) do force.technologies[name].researched = true end "
        "force.add_research('automation') "
        "lab.insert{name = 'automation-science-pack', count = 10} "
        "script.on_event(defines.events.on_research_finished, function(e) storage.done = e.research.name end) "
        "p(game.tick)",  # (the tick it starts on: the level's clock runs on wall time)
    )
    level.advance(until=int(start) + 3005)
    state, progress = lua(level, "p(status(lab), game.forces.player.research_progress)").split()
    assert state == "working" and 0.5 < float(progress) < 0.51  # (5 units, and some of the sixth)
    level.advance(until=level.tick + 3010)
    out = lua(
        level,
        "local force = game.forces.player "
        "p(storage.done, force.technologies.automation.researched, force.recipes['assembling-machine-1'].enabled, "
        "force.current_research, status(lab))",
    )
    assert out == "automation true true nil no_research_in_progress"


def test_a_powered_factory_goes_on_after_save_and_load_as_if_never_saved(level: Level, tmp_path: Path) -> None:
    lua(level, "assembler.insert{name = 'iron-plate', count = 100}")
    level.advance(until=1000)
    loaded = saved_and_loaded(level, tmp_path / "saves" / "running.zip")
    lua(loaded, STATUS)
    for game in (level, loaded):
        game.advance(until=2500)
    probe = (
        "local a = storage.assembler "
        "p(game.tick, a.crafting_progress, a.get_item_count('iron-gear-wheel'), a.get_item_count('iron-plate'), status(a))"
    )
    assert lua(loaded, probe) == lua(level, probe)


def test_an_accumulator_shows_its_charge_as_energy(level: Level) -> None:
    lua(
        level,
        "storage.acc = game.surfaces[1].create_entity{name = 'accumulator', position = {1, -2}, force = 'player'}",
    )
    level.advance(until=level.tick + 601)
    # Three panels (3,000 J a tick) and an idle assembler (drain 41.67 J a tick) and lab: the rest charges it.
    charge = float(lua(level, "p(storage.acc.energy)"))
    assert 600 * 2900 < charge < 601 * 3000
    assert lua(level, "storage.acc.energy = 1000 p(storage.acc.energy)") == "1000"


def test_an_electric_buffer_has_a_size_and_fles_power_check_reads_true(level: Level) -> None:
    """FLE's alerts (fle/env/mods/alerts.lua, has_electricity) read energy / electric_buffer_size of
    every electric entity on a network; entities without an electric energy source have none."""
    lua(level, "chest = game.surfaces[1].create_entity{name = 'wooden-chest', position = {8.5, 8.5}, force = 'player'}")
    sizes = "p(assembler.electric_buffer_size, lab.electric_buffer_size, pole.electric_buffer_size, chest.electric_buffer_size)"
    # One tick of the most each moves: 75 kW + the 2.5 kW drain, 60 kW; a pole and a chest have no source.
    assert lua(level, sizes) == "1291.6666666667 1000 nil nil"  # (Lua prints 14 significant digits)
    panel = "game.surfaces[1].find_entities_filtered{name = 'solar-panel'}[1]"
    assert lua(level, f"p({panel}.electric_buffer_size)") == "1000"  # 60 kW at full sun
    lua(level, "assembler.insert{name = 'iron-plate', count = 20}")
    level.advance(until=level.tick + 30)
    assert lua(level, "p(assembler.energy / assembler.electric_buffer_size > 0)") == "true"


STEAM_PLANT = """
local s = game.surfaces[1]
s.create_entity{name = 'offshore-pump', position = {-0.5, 1.5}, direction = defines.direction.west, force = 'player'}
local boiler = s.create_entity{name = 'boiler', position = {1.5, 1}, force = 'player'}
boiler.insert{name = 'coal', count = 50}
engine = s.create_entity{name = 'steam-engine', position = {1.5, -3}, force = 'player'}
s.create_entity{name = 'small-electric-pole', position = {3.5, -3.5}, force = 'player'}
assembler = s.create_entity{name = 'assembling-machine-1', position = {5.5, -3.5}, force = 'player'}
assembler.set_recipe('iron-gear-wheel')
storage.engine, storage.assembler = engine, assembler
"""


def _steam_level(tmp_path: Path, plant: str) -> Level:
    world = World.new(load_vanilla(), 1)
    for x in range(-6, -1):
        for y in range(-3, 7):
            world.get_surface(1).tiles.set(x, y, "water")  # (a lake west of the pump)
    return blank_level(tmp_path, plant, world=world)


def test_a_steam_engine_on_no_pole_shows_its_buffer_full_of_steam(tmp_path: Path) -> None:
    """FLE's steam tests check ``energy > 0`` of an engine fed with steam before any pole is built."""
    level = _steam_level(tmp_path, STEAM_PLANT.replace("s.create_entity{name = 'small-electric-pole'", "--"))
    assert lua(level, "p(engine.energy)") == "0"  # (no steam yet)
    level.advance(until=level.tick + 120)  # (the water and the steam reach the engine)
    assert lua(level, "p(engine.energy, engine.electric_buffer_size, engine.energy_generated_last_tick)") == (
        "15000 15000 0"
    )
    assert lua(level, "p(engine.status == defines.entity_status.not_plugged_in_electric_network)") == "true"


def test_a_steam_engine_says_what_it_gave_in_the_last_tick(tmp_path: Path) -> None:
    """What its network used: an assembler's 75 kW and its 2.5 kW drain; nothing more while it is idle.
    FLE's alerts read ``energy`` over ``electric_buffer_size`` to tell a generator that gives power."""
    level = _steam_level(tmp_path, STEAM_PLANT)
    level.advance(until=level.tick + 120)  # (the water and the steam reach the engine)
    idle = float(lua(level, "p(engine.energy_generated_last_tick)"))
    lua(level, "assembler.insert{name = 'iron-plate', count = 100}")
    level.advance(until=level.tick + 60)
    working = float(lua(level, "p(engine.energy_generated_last_tick)"))
    assert idle * 60 == pytest.approx(2_500) and working * 60 == pytest.approx(77_500)
    assert (
        lua(
            level,
            "p(engine.energy == engine.energy_generated_last_tick, engine.energy / engine.electric_buffer_size > 0)",
        )
        == "true true"
    )
    assert "not a generator" in lua(
        level, "local ok, e = pcall(function() return assembler.energy_generated_last_tick end) p(e)"
    )
