"""Technologies researched by a trigger (2.0's research_trigger) while the game runs: a furnace's
plates, a character's hand craft and a drill's mining count; what happens before a technology is
available does not; the count survives /save and load."""

from __future__ import annotations

from pathlib import Path

import pytest
from level_lua import blank_level, lua, saved_and_loaded

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.level import Level
from fle_testkit.emulator.model import research_triggers
from fle_testkit.emulator.model.world import World

SETUP = """
local s = game.surfaces[1]
furnace = s.create_entity{name = 'stone-furnace', position = {0, 0}, force = 'player'}
furnace.insert{name = 'coal', count = 50}
c = s.create_entity{name = 'character', position = {5.5, 5.5}, force = 'player'}
storage.furnace, storage.c = furnace, c
storage.finished = {}
script.on_event(defines.events.on_research_finished, function(e)
  table.insert(storage.finished, e.research.name .. '@' .. e.tick .. (e.by_script and ' by script' or ''))
end)
"""
TECH = "game.forces.player.technologies"
SMELT_ONE = 192  # ticks: iron plate, 3.2 s at a stone furnace's crafting speed 1


@pytest.fixture
def level(tmp_path: Path) -> Level:
    return blank_level(tmp_path, SETUP)


def test_fifty_smelted_iron_plates_research_steam_power(level: Level) -> None:
    assert (
        lua(level, f"p({TECH}['steam-power'].researched, game.forces.player.recipes.boiler.enabled)") == "false false"
    )
    lua(level, "furnace.insert{name = 'iron-ore', count = 50}")
    start = int(lua(level, "p(game.tick)"))
    level.advance(until=start + 49 * SMELT_ONE + 60)  # 49 plates
    assert lua(level, f"p(furnace.get_item_count('iron-plate'), {TECH}['steam-power'].researched)") == "49 false"
    level.advance(until=start + 50 * SMELT_ONE + 60)
    out = lua(
        level, f"p({TECH}['steam-power'].researched, game.forces.player.recipes.boiler.enabled, #storage.finished)"
    )
    assert out == "true true 1"
    name, tick = lua(level, "p(storage.finished[1])").split("@")
    assert name == "steam-power" and start + 49 * SMELT_ONE < int(tick) <= start + 50 * SMELT_ONE + 1
    assert lua(level, "p(game.forces.player.previous_research.name)") == "steam-power"


def test_a_hand_craft_counts_only_once_its_technology_is_available(level: Level) -> None:
    """automation-science-pack (craft a lab) waits for steam-power and electronics."""
    give = "c.insert{name = 'electronic-circuit', count = 10} c.insert{name = 'iron-gear-wheel', count = 10} "
    give += "c.insert{name = 'transport-belt', count = 4} c.begin_crafting{count = 1, recipe = 'lab'}"
    lua(level, f"game.forces.player.recipes.lab.enabled = true {give}")
    level.advance(until=level.tick + 200)  # a lab takes 2 s
    assert lua(level, f"p(c.get_item_count('lab'), {TECH}['automation-science-pack'].researched)") == "1 false"
    lua(level, f"{TECH}['steam-power'].researched = true {TECH}['electronics'].researched = true {give}")
    level.advance(until=level.tick + 200)
    assert lua(level, f"p(c.get_item_count('lab'), {TECH}['automation-science-pack'].researched)") == "2 true"
    assert lua(level, "p(game.forces.player.recipes['automation-science-pack'].enabled)") == "true"


def test_mining_the_named_entity_researches_a_mine_entity_technology() -> None:
    """oil-processing: mine crude oil (a pumpjack's mining calls this as a drill's does), once oil-gathering
    is researched; mining anything else counts nothing."""
    world = World.new(load_vanilla(), 1)
    force, sim = world.forces[1], world.simulation
    oil = force.technology("oil-processing")
    research_triggers.mined(sim, force, "crude-oil")
    assert not oil.researched  # (oil-gathering first)
    force.technology("oil-gathering").researched = True
    research_triggers.mined(sim, force, "iron-ore")
    assert not oil.researched
    research_triggers.mined(sim, force, "crude-oil")
    assert oil.researched and force.recipe("basic-oil-processing").enabled
    assert [t.name for _, t in sim.cache["research-finished"]] == ["oil-processing"]


def test_the_count_so_far_survives_a_save(level: Level, tmp_path: Path) -> None:
    lua(level, "furnace.insert{name = 'iron-ore', count = 50}")
    start = int(lua(level, "p(game.tick)"))
    level.advance(until=start + 30 * SMELT_ONE + 60)  # 30 of the 50
    loaded = saved_and_loaded(level, tmp_path / "saves" / "mid.zip")
    loaded.advance(until=start + 50 * SMELT_ONE + 60)
    assert lua(loaded, f"p({TECH}['steam-power'].researched)") == "true"
