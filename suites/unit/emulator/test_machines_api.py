"""Burner machines as Lua sees them while the game runs: LuaBurner, status, mining and crafting
progress, the force's production statistics; and a running factory through /save and load."""

from __future__ import annotations

from pathlib import Path

import pytest
from level_lua import STATUS, blank_level, lua, saved_and_loaded

from fle_testkit.emulator.level import Level

FACTORY = (
    STATUS
    + """
local s = game.surfaces[1]
for _, d in pairs({{-0.5, -0.5}, {0.5, -0.5}, {-0.5, 0.5}, {0.5, 0.5}}) do
  s.create_entity{name = 'iron-ore', position = d, amount = 500}
end
drill = s.create_entity{name = 'burner-mining-drill', position = {0, 0}, force = 'player'}
furnace = s.create_entity{name = 'stone-furnace', position = {-0.5, -2}, force = 'player'}
storage.drill, storage.furnace = drill, furnace
"""
)


@pytest.fixture
def level(tmp_path: Path) -> Level:
    return blank_level(tmp_path, FACTORY)


def test_statuses_as_the_machines_change_state(level: Level) -> None:
    assert lua(level, "p(status(drill), status(furnace))") == "no_fuel no_fuel"
    lua(level, "drill.insert{name = 'coal', count = 2} furnace.insert{name = 'coal', count = 2}")
    level.advance(until=level.tick + 10)
    assert lua(level, "p(status(drill), status(furnace))") == "working no_ingredients"
    level.advance(until=level.tick + 240)
    assert lua(level, "p(status(drill), status(furnace), furnace.get_recipe().name)") == "working working iron-plate"


def test_lua_burner_and_progress_read_the_running_machine(level: Level) -> None:
    lua(level, "drill.insert{name = 'coal', count = 2}")
    start = level.tick
    level.advance(until=start + 120)
    out = lua(
        level,
        "local b = drill.burner p(b.currently_burning.name.name, b.remaining_burning_fuel, b.inventory.get_item_count('coal')) "
        "p(drill.mining_progress, drill.energy > 0, furnace.crafting_progress, furnace.is_crafting())",
    )
    assert out.split("\n") == [f"coal {4e6 - 120 * 2500:.0f} 1", "0.5 true 0 false"]


def test_production_statistics_count_what_the_machines_make(level: Level) -> None:
    lua(level, "drill.insert{name = 'coal', count = 5} furnace.insert{name = 'coal', count = 5}")
    # A minute: 15 ore, 14 plates (each 3.2 s after its ore); coal: 3 for the drill (one per 1600
    # working ticks, taken when needed), 2 for the furnace (14 x 192 working ticks, 2666 a coal).
    level.advance(until=level.tick + 60 * 60)
    out = lua(
        level,
        "local st = game.forces.player.get_item_production_statistics(1) "
        "p(st.get_input_count('iron-ore'), st.get_input_count('iron-plate'), st.get_output_count('iron-ore'), "
        "st.get_output_count('coal'), furnace.products_finished)",
    )
    assert out == "15 14 15 5 14"


def test_a_stopped_machine_shows_disabled_by_script(level: Level) -> None:
    lua(level, "drill.insert{name = 'coal', count = 1} drill.active = false")
    level.advance(until=level.tick + 600)
    assert lua(level, "p(status(drill), furnace.get_item_count('iron-ore'))") == "disabled_by_script 0"
    lua(level, "drill.active = true")
    level.advance(until=level.tick + 240)
    assert lua(level, "p(status(drill), furnace.get_item_count('iron-ore'))") == "working 1"


def test_a_running_factory_goes_on_after_save_and_load_as_if_never_saved(level: Level, tmp_path: Path) -> None:
    lua(level, "drill.insert{name = 'coal', count = 3} furnace.insert{name = 'coal', count = 1}")
    level.advance(until=1000)
    loaded = saved_and_loaded(level, tmp_path / "saves" / "running.zip")
    for game in (level, loaded):
        game.advance(until=20_000)
    probe = (
        "local d, f = storage.drill, storage.furnace "
        "p(game.tick, d.burner.remaining_burning_fuel, d.mining_progress, f.crafting_progress, "
        "f.get_item_count('iron-plate'), f.get_item_count('iron-ore'), status(d), status(f))"
    )
    lua(loaded, STATUS)
    assert lua(loaded, probe) == lua(level, probe)


def test_status_follows_an_insert_before_the_next_tick(level: Level) -> None:
    level.advance(until=level.tick + 10)  # the furnace's first tick: nothing to smelt, no fuel
    assert lua(level, "p(status(furnace))") == "no_fuel"
    lua(level, "furnace.insert{name = 'iron-ore', count = 10}")
    level.advance(until=level.tick + 10)
    assert lua(level, "p(status(furnace))") == "no_fuel"
    assert lua(level, "furnace.insert{name = 'coal', count = 5} p(status(furnace))") == "working"


def test_an_inserter_takes_the_plates_out_and_shows_its_status(level: Level, tmp_path: Path) -> None:
    lua(
        level,
        "local s = game.surfaces[1] "
        "ins = s.create_entity{name = 'burner-inserter', position = {-0.5, -3.5}, direction = defines.direction.south, "
        "force = 'player'} "
        "chest = s.create_entity{name = 'wooden-chest', position = {-0.5, -4.5}, force = 'player'} "
        "storage.ins, storage.chest = ins, chest",
    )
    assert lua(level, "p(ins.pickup_target.name, ins.drop_target.name, ins.burner.currently_burning.name.name)") == (
        "stone-furnace wooden-chest wood"
    )
    level.advance(until=level.tick + 2)
    assert lua(level, "p(status(ins))") == "waiting_for_source_items"
    lua(level, "drill.insert{name = 'coal', count = 5} furnace.insert{name = 'coal', count = 5} ins.insert('coal')")
    level.advance(until=level.tick + 60 * 60)
    out = lua(level, "p(chest.get_item_count('iron-plate'), furnace.get_item_count('iron-plate'), status(ins))")
    plates, left, state = out.split()
    assert (plates, left) == ("14", "0") and state in ("waiting_for_source_items", "working")  # all out
    loaded = saved_and_loaded(level, tmp_path / "saves" / "inserting.zip")
    end = level.tick + 2 * 60 * 60
    for game in (level, loaded):
        game.advance(until=end)
    probe = "rcon.print(storage.chest.get_item_count('iron-plate') .. ' ' .. storage.ins.burner.remaining_burning_fuel)"
    assert lua(loaded, probe) == lua(level, probe)
