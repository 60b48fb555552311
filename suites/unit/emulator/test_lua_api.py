"""The Lua a level sees, through RCON: Lua 5.2 as Factorio runs it, and the API.

One server is shared by the module; every test builds on its own patch of
the map (``x`` offsets below) or on state it resets itself.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from emulator_process import write_scenario

pytestmark = pytest.mark.rcon_client

CONTROL = """\
local helper = require("lib.helper")
storage_at_control = storage
log("control says " .. helper.greet("level"))
script.on_init(function() storage.ready = true end)
"""
HELPER = """\
local M = {}
function M.greet(who) return "hello " .. who end
M.loads = (M.loads or 0) + 1
return M
"""


def api_scenario(write_data: Path) -> None:
    write_scenario(
        write_data, "api", control=CONTROL, **{"lib/helper.lua": HELPER, "data/values.lua": "return {answer = 42}"}
    )


@pytest.fixture(scope="module")
def server(module_emulator):
    return module_emulator("--start-server-load-scenario", "api", prepare=api_scenario)


@pytest.fixture
def client(server):
    with server.connect() as connected:
        yield connected


def lua(client, code: str) -> str | None:
    return client.send_command("/sc " + code)


def lua_json(client, expression: str):
    """Evaluate a Lua expression and return it decoded (through helpers.table_to_json)."""
    reply = lua(client, f"rcon.print(helpers.table_to_json({{v = {expression}}}))")
    assert reply is not None and not reply.startswith("Cannot execute"), reply
    return json.loads(reply).get("v")


def error_of(client, code: str) -> str:
    reply = lua(client, code)
    prefix = "Cannot execute command. Error: "
    assert reply is not None and reply.startswith(prefix), reply
    return reply[len(prefix) :]


# --- Lua 5.2 as Factorio runs it ----------------------------------------------------
class TestLanguage:
    def test_goto(self, client) -> None:
        assert lua(client, "local n = 0 ::again:: n = n + 1 if n < 3 then goto again end rcon.print(n)") == "3"

    def test_bit32(self, client) -> None:
        assert (
            lua(client, "rcon.print(bit32.band(12, 10) .. ' ' .. bit32.bor(12, 10) .. ' ' .. bit32.lshift(1, 4))")
            == "8 14 16"
        )

    def test_integral_doubles_print_without_a_fraction(self, client) -> None:
        assert (
            lua(client, "rcon.print(13 * 2) rcon.print(52 / 2) rcon.print(tostring(2.0)) rcon.print(0.5)")
            == "26\n26\n2\n0.5"
        )

    def test_percent_d_accepts_integral_doubles(self, client) -> None:
        assert lua(client, "rcon.print(string.format('%d|%03d', 52 / 2, 7.0))") == "26|007"

    def test_serpent_line_and_block(self, client) -> None:
        assert lua(client, "rcon.print(serpent.line({a = 1, b = {2, 3}}, {comment = false}))") == "{a = 1, b = {2, 3}}"
        assert lua(client, "rcon.print(serpent.block({a = 1}, {comment = false}))") == "{\n  a = 1\n}"

    def test_table_size_counts_every_key(self, client) -> None:
        assert lua(client, "rcon.print(table_size({1, 2, x = 3, [10] = 4}))") == "4"
        assert "table expected" in error_of(client, "table_size(5)")

    def test_log_writes_a_script_line_with_source_and_line(self, client, server) -> None:
        lua(client, "local a = 1\nlog('from a command')")
        line = server.wait_for(r"Script .*:2: from a command", timeout=10)
        assert re.search(r"^\s*\d+\.\d{3} Script .+:2: from a command$", line), line

    def test_log_from_control_lua_names_the_level_file(self, server) -> None:
        line = server.wait_for(r"control says", timeout=10)
        assert line.endswith(" Script @__level__/control.lua:3: control says hello level")

    def test_require_of_scenario_modules(self, client) -> None:
        assert lua(client, "rcon.print(require('lib.helper').greet('x'))") == "hello x"
        assert lua(client, "rcon.print(require('lib/helper').greet('y'))") == "hello y"
        assert lua(client, "rcon.print(require('data.values').answer)") == "42"

    def test_require_returns_the_same_module_once_loaded(self, client) -> None:
        assert lua(client, "rcon.print(require('lib.helper') == require('lib.helper'))") == "true"
        assert lua(client, "rcon.print(require('lib.helper').loads)") == "1"

    def test_require_of_core_lualib(self, client) -> None:
        assert lua(client, "local util = require('util') rcon.print(util.distance({0, 0}, {3, 4}))") == "5"

    def test_require_of_a_missing_module_errors(self, client) -> None:
        assert "module no.such.module not found" in error_of(client, "require('no.such.module')")

    def test_one_lua_state_shared_by_connections(self, server, client) -> None:
        lua(client, "shared_marker = 'set by the first connection'")
        with server.connect() as other:
            assert lua(other, "rcon.print(shared_marker)") == "set by the first connection"

    def test_state_persists_after_the_connection_closes(self, server) -> None:
        with server.connect() as first:
            lua(first, "persisted_marker = 17")
        with server.connect() as second:
            assert lua(second, "rcon.print(persisted_marker)") == "17"


# --- the globals ------------------------------------------------------------------
class TestGlobals:
    def test_game_tick_and_speed(self, client) -> None:
        values = lua_json(client, "{tick = game.tick, speed = game.speed, paused = game.tick_paused}")
        assert isinstance(values["tick"], int) and values["tick"] >= 0
        assert (values["speed"], values["paused"]) == (1, False)

    def test_game_tick_is_read_only(self, client) -> None:
        assert error_of(client, "game.tick = 5") == "LuaGameScript::tick is read only."

    def test_game_speed_is_settable(self, client) -> None:
        assert lua(client, "game.speed = 2.5 rcon.print(game.speed) game.speed = 1") == "2.5"
        assert "speed" in error_of(client, "game.speed = 0")

    def test_script_level_names_the_scenario(self, client) -> None:
        assert lua(client, "rcon.print(script.level.level_name)") == "api"

    def test_on_init_ran_with_game_available(self, client) -> None:
        assert lua(client, "rcon.print(storage.ready)") == "true"
        assert lua(client, "rcon.print(storage_at_control == storage)") == "true"

    def test_object_name(self, client) -> None:
        assert lua(
            client, "rcon.print(game.object_name .. ' ' .. script.object_name .. ' ' .. game.surfaces[1].object_name)"
        ) == ("LuaGameScript LuaBootstrap LuaSurface")

    def test_helpers_json_round_trip(self, client) -> None:
        assert lua(client, "rcon.print(helpers.table_to_json({}))") == "{}"
        assert lua(client, "local t = helpers.json_to_table('{\"a\": [1, 2]}') rcon.print(t.a[2])") == "2"

    def test_prototypes(self, client) -> None:
        values = lua_json(
            client,
            "{plate = prototypes.item['iron-plate'].stack_size, chest = prototypes.entity['iron-chest'].type,"
            " gear = prototypes.recipe['iron-gear-wheel'].energy, water = prototypes.fluid['water'].name,"
            " automation = prototypes.technology['automation'].name, missing = prototypes.item['nope'] == nil}",
        )
        assert values == {
            "plate": 100,
            "chest": "container",
            "gear": 0.5,
            "water": "water",
            "automation": "automation",
            "missing": True,
        }

    def test_defines_direction_has_16_values(self, client) -> None:
        directions = lua_json(client, "defines.direction")
        assert len(directions) == 16
        assert (directions["north"], directions["east"], directions["south"], directions["west"]) == (0, 4, 8, 12)

    def test_defines_inventory_2_0_values(self, client) -> None:
        assert lua_json(client, "{defines.inventory.chest, defines.inventory.character_main}") == [1, 1]

    def test_global_is_storage_in_2_0(self, client) -> None:
        assert lua(client, "rcon.print(type(storage) .. ' ' .. type(global))") == "table nil"


# --- the world ----------------------------------------------------------------------
class TestSurfaces:
    def test_surface_1_is_nauvis(self, client) -> None:
        assert lua_json(
            client,
            "{game.surfaces[1].name, game.surfaces.nauvis.index, #game.surfaces, game.get_surface('nauvis').name}",
        ) == ["nauvis", 1, 1, "nauvis"]

    def test_unknown_surface_is_nil(self, client) -> None:
        assert lua(client, "rcon.print(tostring(game.surfaces[2]) .. ' ' .. tostring(game.surfaces.nope))") == "nil nil"

    def test_surfaces_are_the_same_object(self, client) -> None:
        assert lua(client, "rcon.print(game.surfaces[1] == game.surfaces.nauvis)") == "true"


class TestEntities:
    def test_create_entity_snaps_to_the_tile_grid(self, client) -> None:
        position = lua_json(
            client,
            "game.surfaces[1].create_entity{name = 'iron-chest', position = {1.3, 2.2}, force = 'player'}.position",
        )
        assert position == {"x": 1.5, "y": 2.5}

    def test_entity_members(self, client) -> None:
        values = lua_json(
            client,
            "(function() local e = game.surfaces[1].create_entity{name = 'iron-chest', position = {100.5, 0.5}, force = 'player'}"
            " return {name = e.name, type = e.type, position = e.position, direction = e.direction,"
            " force = e.force.name, surface = e.surface.name, valid = e.valid} end)()",
        )
        assert values == {
            "name": "iron-chest",
            "type": "container",
            "position": {"x": 100.5, "y": 0.5},
            "direction": 0,
            "force": "player",
            "surface": "nauvis",
            "valid": True,
        }

    def test_unit_numbers_increase(self, client) -> None:
        numbers = lua_json(
            client,
            "(function() local s, out = game.surfaces[1], {} for i = 1, 3 do"
            " out[i] = s.create_entity{name = 'wooden-chest', position = {200 + 2 * i, 0}}.unit_number end return out end)()",
        )
        assert numbers[0] < numbers[1] < numbers[2]

    def test_destroyed_entity_is_invalid_and_unusable(self, client) -> None:
        lua(
            client,
            "doomed = game.surfaces[1].create_entity{name = 'iron-chest', position = {300.5, 0.5}} doomed.destroy()",
        )
        assert lua(client, "rcon.print(doomed.valid)") == "false"
        assert error_of(client, "rcon.print(doomed.name)") == "LuaEntity API call when LuaEntity was invalid."
        assert lua(client, "rcon.print(game.surfaces[1].find_entity('iron-chest', {300.5, 0.5}))") == "nil"

    def test_members_read_before_are_refused_once_the_entity_is_invalid(self, client) -> None:
        # Lua keeps an entity's methods and fixed members (name, type) once read; a destroyed entity's go.
        lua(
            client,
            "doomed = game.surfaces[1].create_entity{name = 'iron-chest', position = {310.5, 0.5}}"
            " local seen = doomed.name .. doomed.type .. doomed.unit_number"
            " doomed.get_inventory(defines.inventory.chest) doomed.destroy()",
        )
        invalid = "LuaEntity API call when LuaEntity was invalid."
        assert error_of(client, "doomed.get_inventory(defines.inventory.chest)") == invalid
        assert error_of(client, "rcon.print(doomed.name)") == invalid
        assert error_of(client, "rcon.print(doomed.type)") == invalid
        assert lua(client, "rcon.print(doomed.valid)") == "false"

    def test_get_inventory_kept_in_a_variable_is_refused_once_the_entity_is_invalid(self, client) -> None:
        lua(
            client,
            "kept = game.surfaces[1].create_entity{name = 'iron-chest', position = {314.5, 0.5}}"
            " kept_get = kept.get_inventory kept_get(defines.inventory.chest).insert{name = 'coal', count = 7}",
        )
        assert lua(client, "rcon.print(kept_get(defines.inventory.chest).get_item_count('coal'))") == "7"
        assert error_of(client, "kept_get('chest')") == error_of(client, "kept_get('chest')")  # errors are not kept
        lua(client, "kept.destroy()")
        assert error_of(client, "kept_get(defines.inventory.chest)") == "LuaEntity API call when LuaEntity was invalid."

    def test_a_method_read_from_two_objects_acts_on_each(self, client) -> None:
        counts = lua_json(
            client,
            "(function() local s, out = game.surfaces[1], {} for i = 1, 2 do"
            " local chest = s.create_entity{name = 'wooden-chest', position = {320.5 + 2 * i, 0.5}}"
            " chest.insert{name = 'coal', count = 10 * i}"
            " out[i] = chest.get_item_count('coal') end return out end)()",
        )
        assert counts == [10, 20]

    def test_find_entity(self, client) -> None:
        lua(client, "game.surfaces[1].create_entity{name = 'iron-chest', position = {400.5, 0.5}}")
        assert lua(client, "rcon.print(game.surfaces[1].find_entity('iron-chest', {400.5, 0.5}).name)") == "iron-chest"
        assert lua(client, "rcon.print(game.surfaces[1].find_entity('wooden-chest', {400.5, 0.5}))") == "nil"

    def test_find_entities_filtered(self, client) -> None:
        lua(
            client,
            "local s = game.surfaces[1]"
            " s.create_entity{name = 'iron-chest', position = {500.5, 0.5}, force = 'player'}"
            " s.create_entity{name = 'iron-chest', position = {505.5, 0.5}, force = 'enemy'}"
            " s.create_entity{name = 'wooden-chest', position = {510.5, 0.5}, force = 'player'}"
            " s.create_entity{name = 'small-electric-pole', position = {512.5, 0.5}, force = 'player'}",
        )
        area = "area = {{500, 0}, {513, 1}}"
        counts = lua_json(
            client,
            "(function() local s = game.surfaces[1] local function n(f) return #s.find_entities_filtered(f) end return {"
            f" all = n{{{area}}},"
            f" by_name = n{{{area}, name = 'iron-chest'}},"
            f" by_names = n{{{area}, name = {{'iron-chest', 'wooden-chest'}}}},"
            f" by_type = n{{{area}, type = 'container'}},"
            f" by_force = n{{{area}, force = 'player'}},"
            f" by_radius = n{{position = {{500.5, 0.5}}, radius = 6}},"
            f" limited = n{{{area}, limit = 2}},"
            f" narrow = n{{area = {{{{504, 0}}, {{506, 1}}}}}},"
            f" counted = s.count_entities_filtered{{{area}, name = 'iron-chest', force = 'enemy'}},"
            "} end)()",
        )
        assert counts == {
            "all": 4,
            "by_name": 2,
            "by_names": 3,
            "by_type": 3,
            "by_force": 3,
            "by_radius": 2,
            "limited": 2,
            "narrow": 1,
            "counted": 1,
        }

    def test_unknown_entity_name(self, client) -> None:
        assert (
            error_of(client, "game.surfaces[1].create_entity{name = 'nope', position = {0, 0}}")
            == "Unknown entity name: nope"
        )

    def test_pcall_of_an_api_error_returns_the_message_string(self, client) -> None:
        assert lua_json(
            client, "{pcall(function() game.surfaces[1].create_entity{name = 'nope', position = {0, 0}} end)}"
        ) == [False, "Unknown entity name: nope"]

    def test_unknown_key(self, client) -> None:
        lua(client, "keyed = game.surfaces[1].create_entity{name = 'iron-chest', position = {600.5, 0.5}}")
        assert error_of(client, "rcon.print(keyed.foo)") == "LuaEntity doesn't contain key foo."
        assert error_of(client, "keyed.foo = 1") == "LuaEntity doesn't contain key foo."

    def test_read_only_key(self, client) -> None:
        assert error_of(client, "game.surfaces[1].name = 'x'") == "LuaSurface::name is read only."

    @pytest.mark.parametrize(
        "code, message",
        [
            ("rcon.print(1, 2)", "Arguments count error for 'print': Expected 1 argument but 2 were given"),
            ("rcon.print()", "Arguments count error for 'print': Expected 1 argument but 0 were given"),
            (
                "game.surfaces[1].find_entity('iron-chest')",
                "Arguments count error for 'find_entity': Expected 2 arguments but 1 were given",
            ),
            (
                "game.surfaces[1].create_entity{name = 'iron-chest', position = {700.5, 0.5}}.destroy({}, 2, 3)",
                "Arguments count error for 'destroy': Expected 0 or 1 arguments but 3 were given",
            ),
        ],
        ids=["too-many", "too-few", "two-required", "optional"],
    )
    def test_wrong_argument_counts(self, client, code: str, message: str) -> None:
        assert error_of(client, code) == message

    def test_direction_is_settable(self, client) -> None:
        assert (
            lua(
                client,
                "local e = game.surfaces[1].create_entity{name = 'iron-chest', position = {800.5, 0.5}}"
                " e.direction = defines.direction.east rcon.print(e.direction)",
            )
            == "4"
        )


class TestInventories:
    @pytest.fixture
    def chest(self, client) -> str:
        lua(
            client,
            "inv = game.surfaces[1].create_entity{name = 'iron-chest', position = {900.5, 0.5}, force = 'player'}"
            ".get_inventory(defines.inventory.chest)",
        )
        return "inv"

    def test_insert_and_count(self, client, chest: str) -> None:
        assert lua(client, "rcon.print(inv.insert{name = 'iron-plate', count = 150})") == "150"
        assert lua(client, "rcon.print(inv.get_item_count('iron-plate'))") == "150"
        assert lua(client, "rcon.print(inv.insert('copper-plate'))") == "1"

    def test_remove(self, client, chest: str) -> None:
        lua(client, "inv.insert{name = 'iron-plate', count = 150}")
        assert lua(client, "rcon.print(inv.remove{name = 'iron-plate', count = 20})") == "20"
        assert lua(client, "rcon.print(inv.get_item_count('iron-plate'))") == "130"
        assert lua(client, "rcon.print(inv.remove{name = 'iron-plate', count = 1000})") == "130"

    def test_get_contents_in_2_0_form(self, client, chest: str) -> None:
        lua(client, "inv.insert{name = 'iron-plate', count = 130}")
        assert lua_json(client, "inv.get_contents()") == [{"name": "iron-plate", "count": 130, "quality": "normal"}]

    def test_clear(self, client, chest: str) -> None:
        lua(client, "inv.insert{name = 'iron-plate', count = 10}")
        lua(client, "inv.clear()")
        assert lua_json(client, "{inv.get_item_count(), inv.is_empty()}") == [0, True]

    def test_unknown_item_name(self, client, chest: str) -> None:
        assert error_of(client, "inv.insert{name = 'nope', count = 1}") == "Unknown item name: nope"

    def test_chest_capacity_limits_insert(self, client, chest: str) -> None:
        # An iron chest has 32 slots of 100 plates.
        assert lua(client, "rcon.print(inv.insert{name = 'iron-plate', count = 5000})") == "3200"


class TestForces:
    def test_research_enables_recipes(self, client) -> None:
        lua(client, "game.forces.player.reset()")
        before = lua_json(
            client,
            "{game.forces.player.technologies['automation'].researched, game.forces.player.recipes['assembling-machine-1'].enabled}",
        )
        assert before == [False, False]
        lua(client, "game.forces.player.technologies['automation'].researched = true")
        after = lua_json(
            client,
            "{game.forces.player.technologies['automation'].researched, game.forces.player.recipes['assembling-machine-1'].enabled}",
        )
        assert after == [True, True]

    def test_research_all_then_reset(self, client) -> None:
        lua(client, "game.forces.player.research_all_technologies()")
        researched = lua_json(
            client,
            "(function() local n, total = 0, 0 for _, t in pairs(game.forces.player.technologies) do"
            " total = total + 1 if t.researched then n = n + 1 end end return {n, total} end)()",
        )
        assert researched[0] == researched[1] > 100
        lua(client, "game.forces.player.reset()")
        assert lua_json(
            client,
            "{game.forces.player.technologies['automation'].researched, game.forces.player.recipes['assembling-machine-1'].enabled,"
            " game.forces.player.recipes['iron-gear-wheel'].enabled}",
        ) == [False, False, True]

    def test_forces_by_name_and_index(self, client) -> None:
        assert lua_json(client, "{game.forces.player.index, game.forces[1].name, game.forces.enemy.name}") == [
            1,
            "player",
            "enemy",
        ]


class TestReviewedFidelity:
    def test_main_inventory_depends_on_the_entity(self, client) -> None:
        reply = client.send_command(
            "/sc local s = game.surfaces[1] "
            "local chest = s.create_entity{name = 'iron-chest', position = {40, 40}, force = 'player'} "
            "local furnace = s.create_entity{name = 'stone-furnace', position = {44, 40}, force = 'player'} "
            "rcon.print(chest.get_main_inventory().index .. ' ' .. tostring(furnace.get_main_inventory())) "
            "chest.destroy() furnace.destroy()"
        )
        assert reply == "1 nil"

    def test_a_filled_slot_is_valid_for_read(self, client) -> None:
        reply = client.send_command(
            "/sc local c = game.surfaces[1].create_entity{name = 'iron-chest', position = {48, 40}, force = 'player'} "
            "local inv = c.get_inventory(1) inv.insert{name = 'coal', count = 3} "
            "rcon.print(tostring(inv[1].valid_for_read) .. ' ' .. tostring(inv[2].valid_for_read)) c.destroy()"
        )
        assert reply == "true false"

    def test_crafting_speed_is_a_method_in_2_0(self, client) -> None:
        speed = client.send_command("/sc rcon.print(prototypes.entity['assembling-machine-2'].get_crafting_speed())")
        old = client.send_command("/sc rcon.print(prototypes.entity['assembling-machine-2'].crafting_speed)")
        assert speed == "0.75"
        assert old == "Cannot execute command. Error: LuaEntityPrototype doesn't contain key crafting_speed."

    def test_prototype_members_fle_reads(self, client) -> None:
        """Real 2.0 members FLE's score tool reads when an instance boots."""
        assert (
            client.send_command("/sc rcon.print(tostring(prototypes.recipe['iron-gear-wheel'].allow_decomposition))")
            == "true"
        )
        assert (
            client.send_command(
                "/sc local p = prototypes.item['satellite'].rocket_launch_products[1] rcon.print(p.name .. ' ' .. p.amount)"
            )
            == "space-science-pack 1000"
        )
        assert client.send_command("/sc rcon.print(#prototypes.item['iron-plate'].rocket_launch_products)") == "0"
        assert (
            client.send_command(
                "/sc rcon.print(tostring(prototypes.entity['iron-ore'].resource_category) .. ' ' .. "
                "tostring(prototypes.entity['iron-chest'].resource_category))"
            )
            == "basic-solid nil"
        )
