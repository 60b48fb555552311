"""LuaEntity's LuaControl members, LuaBurner, LuaItemStack and the crafter and character API, from Lua."""

from __future__ import annotations

import pytest
from level_lua import error_on_empty_surface, lab_level, run_on_empty_surface

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.level import Level

ENTITIES = """
c = s.create_entity{name = 'character', position = {0, 0}, force = 'player'}
furnace = s.create_entity{name = 'stone-furnace', position = {10, 10}, force = 'player'}
chest = s.create_entity{name = 'iron-chest', position = {-10.5, -10.5}, force = 'player'}
am = s.create_entity{name = 'assembling-machine-1', position = {20.5, 20.5}, force = 'player'}
"""


@pytest.fixture(scope="module")
def level(tmp_path_factory: pytest.TempPathFactory) -> Level:
    return lab_level(tmp_path_factory.mktemp("entity-api"))


def run(level: Level, code: str) -> str:
    """Run ``code`` on a fresh set of entities; returns what it printed."""
    return run_on_empty_surface(level, code, ENTITIES)


def error_of(level: Level, code: str) -> str:
    """The error message ``code`` raises (run in a pcall after the setup)."""
    return error_on_empty_surface(level, code, ENTITIES)


def test_character_items_go_in_count_and_come_out(level: Level) -> None:
    out = run(
        level,
        "p(c.insert{name = 'iron-plate', count = 150}) "
        "p(c.get_item_count('iron-plate'), c.get_item_count(prototypes.item['iron-plate'])) "
        "p(c.get_item_count{name = 'iron-plate', quality = 'normal'}, c.get_item_count()) "
        "p(c.can_insert('coal'), c.can_insert{name = 'coal', count = 0}) "
        "p(c.remove_item{name = 'iron-plate', count = 200}) "
        "c.insert('coal') c.clear_items_inside() p(c.get_item_count())",
    )
    assert out.split("\n") == ["150", "150 150", "150 150", "true false", "150", "0"]


def test_character_reach_comes_from_the_prototype(level: Level) -> None:
    out = run(
        level,
        "p(c.reach_distance, c.resource_reach_distance, c.build_distance, "
        "c.drop_item_distance, c.item_pickup_distance, c.loot_pickup_distance)",
    )
    character = load_vanilla().entities["character"]
    assert [float(v) for v in out.split()] == [
        character.reach_distance,
        character.reach_resource_distance,
        character.build_distance,
        character.drop_item_distance,
        character.item_pickup_distance,
        character.loot_pickup_distance,
    ]
    assert error_of(level, "return chest.reach_distance") == "Entity is not a character."


def test_character_running_speed_counts_its_modifier_and_the_tile_under_it(level: Level) -> None:
    character, concrete = load_vanilla().entities["character"], load_vanilla().tiles["concrete"]
    speed = float(run(level, "p(c.character_running_speed)"))
    assert speed == pytest.approx(character.running_speed)
    faster = run(
        level, "c.character_running_speed_modifier = 1 p(c.character_running_speed_modifier, c.character_running_speed)"
    )
    assert [float(v) for v in faster.split()] == pytest.approx([1.0, 2 * speed])
    tiles = level.world.get_surface("nauvis").tiles
    tiles.set(0, 0, "concrete")
    try:
        on_concrete = float(run(level, "c.teleport{0.5, 0.5} p(c.character_running_speed)"))
    finally:
        tiles.set(0, 0, tiles.default)
    assert on_concrete == pytest.approx(speed * concrete.walking_speed_modifier)
    assert error_of(level, "return chest.character_running_speed") == "Entity is not a character."


def test_walking_state_is_kept_as_written(level: Level) -> None:
    out = run(
        level,
        "local w = c.walking_state p(w.walking, w.direction) "
        "c.walking_state = {walking = true, direction = defines.direction.southeast} "
        "w = c.walking_state p(w.walking, w.direction) "
        "c.walking_state = {walking = false} w = c.walking_state p(w.walking, w.direction)",
    )
    assert out.split("\n") == ["false 0", "true 6", "false 6"]
    assert "direction" in error_of(level, "c.walking_state = {walking = true, direction = 99}")


def test_an_electric_pole_has_network_statistics(level: Level) -> None:
    out = run(
        level,
        "local pole = s.create_entity{name = 'small-electric-pole', position = {5.5, 5.5}, force = 'player'} "
        "local stats = pole.electric_network_statistics "
        "p(table_size(stats.input_counts), stats.force.name, stats.get_input_count('steam-engine')) "
        "stats.set_input_count('steam-engine', 90) p(pole.electric_network_statistics.get_input_count('steam-engine'))",
    )
    assert out.split("\n") == ["0 player 0", "90"]
    assert error_of(level, "return chest.electric_network_statistics") == "Entity is not an electric pole."
    unknown = error_of(
        level,
        "s.create_entity{name = 'small-electric-pole', position = {7.5, 7.5}, force = 'player'}"
        ".electric_network_statistics.get_input_count('iron-plate')",
    )
    assert "iron-plate" in unknown


def test_entity_insert_routes_fuel_and_ingredients(level: Level) -> None:
    out = run(
        level,
        "p(furnace.insert{name = 'coal', count = 5}, furnace.insert{name = 'iron-ore', count = 3}) "
        "p(furnace.get_inventory(defines.inventory.fuel).get_item_count('coal'), "
        "furnace.get_inventory(defines.inventory.furnace_source).get_item_count('iron-ore')) "
        "p(furnace.get_main_inventory(), furnace.get_output_inventory().index)",
    )
    assert out.split("\n") == ["5 3", "5 3", "nil 3"]


def test_burner_is_nil_without_one_and_shares_the_fuel_inventory(level: Level) -> None:
    out = run(
        level,
        "local b = furnace.burner p(chest.burner, b.object_name, b.owner == furnace) "
        "p(b.inventory == furnace.get_inventory(defines.inventory.fuel), b.burnt_result_inventory) "
        "p(b.currently_burning, b.remaining_burning_fuel, b.heat, b.fuel_categories.chemical) "
        "b.currently_burning = 'coal' p(b.currently_burning.name.name, b.remaining_burning_fuel) "
        "b.currently_burning = nil p(b.currently_burning)",
    )
    coal = load_vanilla().items["coal"].fuel_value
    assert out.split("\n") == ["nil LuaBurner true", "true nil", "nil 0 0 true", f"coal {coal:.0f}", "nil"]
    assert error_of(level, "furnace.burner.currently_burning = 'iron-plate'") == (
        "Item iron-plate is not a fuel this burner can burn."
    )


def test_item_stacks_read_and_write_slots(level: Level) -> None:
    out = run(
        level,
        "local inv = chest.get_inventory(defines.inventory.chest) inv.insert{name = 'iron-plate', count = 30} "
        "local s = inv[1] p(s.object_name, s.valid_for_read, s.name, s.count, s.prototype.stack_size, s.type) "
        "s.count = 7 p(inv.get_item_count('iron-plate'), inv[2].valid_for_read) "
        "p(inv[2].set_stack{name = 'coal', count = 3}, inv.get_item_count('coal')) "
        "inv[2].clear() p(inv[2].valid_for_read, inv[1] == inv[1])",
    )
    assert out.split("\n") == ["LuaItemStack true iron-plate 30 100 item", "7 false", "true 3", "false true"]
    assert error_of(level, "return chest.get_inventory(1)[1].name") == (
        "LuaItemStack API call when LuaItemStack was not valid for read."
    )


def test_begin_crafting_queues_and_takes_the_ingredients(level: Level) -> None:
    out = run(
        level,
        "c.insert{name = 'iron-plate', count = 10} "
        "p(c.get_craftable_count('iron-gear-wheel'), c.crafting_queue, c.crafting_queue_size) "
        "p(c.begin_crafting{count = 3, recipe = 'iron-gear-wheel'}, c.get_item_count('iron-plate')) "
        "local q = c.crafting_queue[1] p(q.index, q.recipe, q.count, q.prerequisite, c.crafting_queue_size) "
        "c.cancel_crafting{index = 1, count = 3} p(c.crafting_queue, c.get_item_count('iron-plate'))",
    )
    assert out.split("\n") == ["5 nil 0", "3 4", "1 iron-gear-wheel 3 false 1", "nil 10"]
    assert error_of(level, "c.begin_crafting{count = 1, recipe = 'no-such'}") == "Unknown recipe name: no-such"
    assert error_of(level, "c.begin_crafting{recipe = 'iron-gear-wheel'}") == (
        "Invalid argument to LuaControl::begin_crafting: count is required."
    )


def test_set_recipe_and_get_recipe(level: Level) -> None:
    out = run(
        level,
        "p(am.get_recipe(), furnace.get_recipe()) am.set_recipe('iron-gear-wheel') "
        "p(am.get_recipe().name, #am.get_inventory(defines.inventory.crafter_input)) "
        "am.insert{name = 'iron-plate', count = 4} local removed = am.set_recipe(nil) "
        "p(am.get_recipe(), removed[1].name, removed[1].count)",
    )
    assert out.split("\n") == ["nil nil", "iron-gear-wheel 1", "nil iron-plate 4"]
    assert error_of(level, "chest.get_recipe()") == "Entity is not a crafting machine."
    assert error_of(level, "am.set_recipe('iron-plate')") == "Recipe iron-plate can't be set in assembling-machine-1."


def test_rotate_direction_and_status(level: Level) -> None:
    out = run(
        level,
        "local i = game.surfaces[1].create_entity{name = 'burner-inserter', position = {30, 30}, force = 'player'} "
        "p(i.rotate(), i.direction, i.rotate{reverse = true}, i.direction, chest.rotate()) "
        "p(furnace.status == defines.entity_status.no_fuel, chest.status, "
        "am.status == defines.entity_status.no_power) "
        "p(#furnace.fluidbox, furnace.fluidbox.owner == furnace, furnace.energy, furnace.grid)",
    )
    assert out.split("\n") == ["true 4 true 0 false", "true nil true", "0 true 0 nil"]


def test_mine_entity_and_mining_state(level: Level) -> None:
    out = run(
        level,
        "p(chest.minable, c.minable) furnace.minable = false p(furnace.minable, c.mine_entity(furnace)) "
        "chest.insert{name = 'coal', count = 2} p(c.mine_entity(chest), chest.valid, "
        "c.get_item_count('iron-chest'), c.get_item_count('coal')) "
        "p(c.mining_state.mining) c.mining_state = {mining = true, position = {1, 2}} "
        "p(c.mining_state.mining, c.mining_state.position.x, c.mining_state.position.y)",
    )
    assert out.split("\n") == ["true false", "false false", "true false 1 2", "false", "true 1 2"]
    assert (
        error_of(level, "c.mine_entity('chest')")
        == "Invalid argument #1 to LuaControl::mine_entity: LuaEntity expected."
    )


def test_inserter_targets_and_prototype_energy_sources(level: Level) -> None:
    out = run(
        level,
        "local i = game.surfaces[1].create_entity{name = 'burner-inserter', position = {-10.5, -9.5}, force = 'player'} "
        "p(i.pickup_position.x, i.pickup_position.y, i.pickup_target == chest, i.drop_target, "
        "i.electric_network_id, chest.drop_position) "
        "p(am.prototype.electric_energy_source_prototype.object_name, "
        "furnace.prototype.electric_energy_source_prototype, furnace.prototype.burner_prototype.fuel_inventory_size)",
    )
    assert out.split("\n") == ["-10.5 -10.5 true nil nil nil", "LuaElectricEnergySourcePrototype nil 1"]


def test_script_flags_and_module_inventory(level: Level) -> None:
    out = run(
        level,
        "p(furnace.can_be_destroyed()) p(furnace.active, furnace.destructible) furnace.active = false furnace.destructible = false "
        "p(furnace.active, furnace.destructible, chest.get_module_inventory()) "
        "local am2 = game.surfaces[1].create_entity{name = 'assembling-machine-2', position = {40, 40}, force = 'player'} "
        "p(am2.get_module_inventory().index == defines.inventory.crafter_modules)",
    )
    assert out.split("\n") == ["true", "true true", "false false nil", "true"]


def test_a_resources_amount_can_be_set_and_nothing_elses(level: Level) -> None:
    out = run(
        level,
        "local ore = game.surfaces[1].create_entity{name = 'iron-ore', position = {40.5, 40.5}, amount = 50} "
        "ore.amount = 10000 p(ore.amount) "
        "p(pcall(function() ore.amount = -1 end)) "
        "p(pcall(function() chest.amount = 5 end))",
    )
    refill, negative, not_ore = out.splitlines()
    assert refill == "10000"
    assert negative.startswith("false") and "amount must be a number >= 0" in negative
    assert not_ore == "false Entity is not a resource."


def test_a_script_made_character_has_no_player(level: Level) -> None:
    # FLE's render reads character.player; the headless server has no players to connect.
    assert run(level, "p(c.player == nil)") == "true"
    assert "not a character" in error_of(level, "local _ = chest.player")


def test_an_item_on_the_ground_shows_its_stack(level: Level) -> None:
    out = run(
        level,
        "local i = s.create_entity{name = 'item-on-ground', position = {3.5, 3.5}, stack = {name = 'coal', count = 3}} "
        "p(i.type, i.stack.valid_for_read, i.stack.name, i.stack.count, i.stack == i.stack) "
        "i.stack.count = 2 p(i.stack.count) "
        "local chest = s.create_entity{name = 'wooden-chest', position = {3.5, 3.5}, force = 'player'} "
        "p(chest.valid, i.valid, i.position.x ~= 3.5 or i.position.y ~= 3.5)",
    )
    assert out.split("\n") == ["item-entity true coal 3 true", "2", "true true true"]


def test_stack_is_for_items_on_the_ground_only(level: Level) -> None:
    assert "Entity is not an item entity." in error_of(level, "return chest.stack")


def test_each_position_read_is_a_new_table(level: Level) -> None:
    """A MapPosition is a plain table the script may change: Lua builds it on each read, so a change to one
    never shows in the next, and the entity stays where it is."""
    out = run(
        level,
        "local a, b = chest.position, chest.position p(a == b, a.x, a.y) "
        "a.x = 99 p(chest.position.x, b.x) "
        "local t = s.get_tile(3, 4).position p(t.x, t.y, s.get_tile(3, 4).position == t) "
        "p(chest.drop_position == nil, furnace.position.x, furnace.position.y)",
    )
    assert out.split("\n")[:4] == ["false -10.5 -10.5", "-10.5 -10.5", "3 4 false", "true 10 10"]


def test_a_position_read_follows_the_entity_when_it_moves_and_errors_once_it_is_gone(level: Level) -> None:
    out = run(
        level,
        "p(c.position.x, c.position.y) c.teleport{3, 4} p(c.position.x, c.position.y) "
        "c.teleport{-2.5, 7} local q = c.position p(q.x, q.y) "
        "local x = chest.position.x chest.destroy() p(x, pcall(function() return chest.position end))",
    )
    lines = out.split("\n")
    assert lines[:3] == ["0 0", "3 4", "-2.5 7"]
    assert lines[3].startswith("-10.5 false") and "invalid" in lines[3].lower()
