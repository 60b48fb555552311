"""A character's crafting queue and manual mining as Lua drives them while the game runs (LuaControl)."""

from __future__ import annotations

from pathlib import Path

import pytest
from level_lua import blank_level, lua, saved_and_loaded

from fle_testkit.emulator.level import Level

SETUP = """
local s = game.surfaces[1]
game.forces.player.enable_all_recipes()
ore = s.create_entity{name = 'iron-ore', position = {1.5, 0.5}, amount = 5}
c = s.create_entity{name = 'character', position = {0.5, 0.5}, force = 'player'}
storage.c, storage.ore = c, ore
"""


@pytest.fixture
def level(tmp_path: Path) -> Level:
    return blank_level(tmp_path, SETUP)


def test_the_queue_crafts_over_ticks_with_its_prerequisites(level: Level) -> None:
    *out, tick = lua(
        level,
        "c.insert{name = 'iron-plate', count = 2} c.insert{name = 'copper-plate', count = 3} "
        "p(c.get_craftable_count('electronic-circuit'), c.begin_crafting{count = 2, recipe = 'electronic-circuit'}) "
        "for _, q in ipairs(c.crafting_queue) do p(q.index, q.recipe, q.count, q.prerequisite) end "
        "p(c.crafting_queue_size, c.crafting_queue_progress, c.get_item_count()) p(game.tick)",
    ).split("\n")
    start = int(tick)  # (the tick the queue starts on: the level's clock runs on wall time)
    assert out == [
        "2 2",
        "1 copper-cable 3 true",
        "2 electronic-circuit 2 false",
        "2 0 0",
    ]
    level.advance(until=start + 15)
    assert lua(level, "p(c.crafting_queue_progress)") == "0.5"
    level.advance(until=start + 5 * 30)
    assert lua(level, "p(c.crafting_queue, c.get_item_count('electronic-circuit'), c.get_item_count())") == ("nil 2 2")
    stats = "local st = game.forces.player.get_item_production_statistics(1) "
    assert lua(level, stats + "p(st.get_input_count('electronic-circuit'), st.get_output_count('copper-plate'))") == (
        "2 3"
    )


def test_the_crafting_speed_modifier_speeds_the_next_craft(level: Level) -> None:
    start = int(
        lua(
            level,
            "c.character_crafting_speed_modifier = 1 c.insert{name = 'iron-plate', count = 4} "
            "c.begin_crafting{count = 2, recipe = 'iron-gear-wheel'} p(game.tick)",
        )
    )
    level.advance(until=start + 30)
    assert lua(level, "p(c.character_crafting_speed_modifier, c.get_item_count('iron-gear-wheel'))") == "1 2"


def test_mining_state_mines_the_ore_over_ticks(level: Level) -> None:
    # (The tick the mining starts on, read in the same command: the level's clock runs on wall time.)
    start = int(lua(level, "c.mining_state = {mining = true, position = ore.position} p(game.tick)"))
    level.advance(until=start + 60)
    assert lua(level, "p(c.character_mining_progress, c.get_item_count('iron-ore'), ore.amount)") == "0.5 0 5"
    level.advance(until=start + 240)
    assert lua(level, "p(c.get_item_count('iron-ore'), ore.amount)") == "2 3"
    lua(level, "c.character_mining_speed_modifier = 1")  # 0.5 * 2: an ore a second from the next one
    level.advance(until=start + 240 + 60 * 3)
    assert lua(level, "p(ore.valid, c.get_item_count('iron-ore'), c.character_mining_progress)") == "false 5 0"


def test_a_save_keeps_the_queue_and_the_mining_going(level: Level, tmp_path: Path) -> None:
    start = int(
        lua(
            level,
            "c.insert{name = 'iron-plate', count = 6} c.begin_crafting{count = 3, recipe = 'iron-gear-wheel'} "
            "c.mining_state = {mining = true, position = ore.position} p(game.tick)",
        )
    )
    level.advance(until=start + 45)
    loaded = saved_and_loaded(level, tmp_path / "saves" / "mid.zip")
    assert lua(loaded, "p(storage.c.crafting_queue[1].count, storage.c.crafting_queue_progress)") == "2 0.5"
    assert lua(loaded, "p(storage.c.character_mining_progress)") == "0.375"
    loaded.advance(until=start + 120)
    assert lua(loaded, "p(storage.c.get_item_count('iron-gear-wheel'), storage.c.get_item_count('iron-ore'))") == (
        "3 1"
    )
