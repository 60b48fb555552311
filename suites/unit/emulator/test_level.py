"""Level in-process: the lifecycle order of Factorio, commands, snapshots.

New game: control.lua, then on_init. Loaded game: control.lua, storage
restored, then on_load (no on_init). ``game`` is nil in control.lua's main
chunk and in on_load.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fle_testkit.emulator.errors import EmulatorError
from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.level import Level
from fle_testkit.emulator.lua.runtime import LuaRuntimeError
from fle_testkit.emulator.model.world import World
from fle_testkit.emulator.process import CORE_LUALIB
from fle_testkit.emulator.saves import read_save, write_save

TRACE = """\
trace = {}
local function note(what) trace[#trace + 1] = what end
note("control game=" .. type(game) .. " mark=" .. tostring(storage.mark))
script.on_init(function()
  note("init game=" .. type(game))
  storage.mark = "from-init"
end)
script.on_load(function()
  note("load game=" .. type(game) .. " mark=" .. tostring(storage.mark))
end)
"""


@pytest.fixture(scope="module")
def gamedata():
    return load_vanilla()


class Built:
    def __init__(self, gamedata, tmp_path: Path) -> None:
        self.gamedata = gamedata
        self.tmp_path = tmp_path
        self.logged: list[str] = []

    def common(self) -> dict:
        return dict(
            gamedata=self.gamedata,
            log=self.logged.append,
            script_log=self.logged.append,
            script_output=self.tmp_path / "script-output",
            core_lualib=CORE_LUALIB,
        )

    def new(self, control: str = TRACE, **files: bytes) -> Level:
        return Level.new(
            name="lab",
            scenario_files={"control.lua": control.encode(), **files},
            world=World.new(self.gamedata, 1),
            **self.common(),
        )

    def reload(self, level: Level) -> Level:
        """Save to a zip and load it back, as a restart does."""
        path = self.tmp_path / "saves" / "round.zip"
        write_save(path, level.snapshot())
        return Level.load(read_save(path), **self.common())


@pytest.fixture
def build(gamedata, tmp_path: Path) -> Built:
    return Built(gamedata, tmp_path)


def lua(level: Level, code: str) -> str:
    return level.run_command(code, "=(test)").rstrip("\n")


def trace(level: Level) -> list[str]:
    return lua(level, "rcon.print(table.concat(trace, '|'))").split("|")


class TestLifecycle:
    def test_new_game_runs_control_then_on_init(self, build: Built) -> None:
        level = build.new()
        assert trace(level) == ["control game=nil mark=nil", "init game=userdata"]

    def test_loaded_game_runs_control_restores_storage_then_on_load(self, build: Built) -> None:
        loaded = build.reload(build.new())
        assert trace(loaded) == ["control game=nil mark=nil", "load game=nil mark=from-init"]

    def test_game_is_available_to_commands_after_load(self, build: Built) -> None:
        loaded = build.reload(build.new())
        assert lua(loaded, "rcon.print(game.surfaces[1].name)") == "nauvis"

    def test_handlers_come_from_control_lua_not_from_the_save(self, build: Built) -> None:
        control = TRACE + "script.on_nth_tick(60, function() end)\n"
        level = build.new(control)
        lua(level, "script.on_nth_tick(7, function() end)")
        assert sorted(level.events.nth_tick) == [7, 60]
        assert sorted(build.reload(level).events.nth_tick) == [60]

    def test_missing_control_lua_is_an_error(self, build: Built) -> None:
        with pytest.raises(LuaRuntimeError, match="no control.lua"):
            Level.new(name="lab", scenario_files={}, world=World.new(build.gamedata, 1), **build.common())

    def test_error_in_control_lua_is_an_error(self, build: Built) -> None:
        with pytest.raises(LuaRuntimeError, match="broken scenario"):
            build.new("error('broken scenario')")

    def test_error_in_on_init_is_an_error(self, build: Built) -> None:
        with pytest.raises(LuaRuntimeError, match="init failed"):
            build.new("script.on_init(function() error('init failed') end)")

    def test_log_in_control_lua_names_file_and_line(self, build: Built) -> None:
        build.new("local x = 1\nlog('hello ' .. x)\n")
        assert build.logged == ["Script @__level__/control.lua:2: hello 1"]


class TestCommands:
    def test_output_is_what_rcon_print_printed(self, build: Built) -> None:
        level = build.new()
        assert level.run_command("rcon.print('a') rcon.print(2)", "=(test)") == "a\n2\n"
        assert level.run_command("local quiet = 1", "=(test)") == ""

    def test_rcon_print_outside_a_command_goes_nowhere(self, build: Built) -> None:
        level = build.new("script.on_nth_tick(1, function() rcon.print('from a handler') end)")
        level.advance(until=5)
        assert level.run_command("rcon.print('command')", "=(test)") == "command\n"

    def test_error_raises_and_state_persists(self, build: Built) -> None:
        level = build.new()
        lua(level, "kept = 'yes'")
        with pytest.raises(LuaRuntimeError) as caught:
            lua(level, "error('nope')")
        assert caught.value.message == "(test):1: nope"
        assert lua(level, "rcon.print(kept)") == "yes"

    def test_require_finds_scenario_files_then_core_lualib(self, build: Built) -> None:
        level = build.new("", **{"lib/m.lua": b"return {v = 'scenario'}", "util.lua": b"return {v = 'shadows core'}"})
        assert lua(level, "rcon.print(require('lib.m').v)") == "scenario"
        assert lua(level, "rcon.print(require('__level__/lib/m').v)") == "scenario"
        assert lua(level, "rcon.print(require('util').v)") == "shadows core"
        assert lua(level, "rcon.print(type(require('__core__/lualib/util').distance))") == "function"


class TestSnapshot:
    def test_snapshot_holds_tick_speed_pause_world_and_storage(self, build: Built) -> None:
        level = build.new()
        lua(level, "game.speed = 4 game.tick_paused = true storage.answer = 42")
        snap = level.snapshot()
        assert (snap.level["tick"], snap.level["speed"], snap.level["tick_paused"]) == (0, 4.0, True)
        assert snap.level["world"]["seed"] == 1
        assert snap.name == "lab"
        assert snap.meta["factorio_version"] == "2.0.73"
        assert b"answer" in snap.storage

    def test_world_survives_a_round_trip(self, build: Built) -> None:
        level = build.new()
        lua(
            level,
            """
            local chest = game.surfaces[1].create_entity{name = 'iron-chest', position = {3.5, 4.5}, force = 'player'}
            chest.get_inventory(defines.inventory.chest).insert{name = 'iron-plate', count = 123}
            game.surfaces[1].create_entity{name = 'wooden-chest', position = {-2.5, 0.5}}
            game.forces.player.technologies['automation'].researched = true
            game.speed = 2.5
            storage.nested = {list = {1, 2.5, 'x'}, flag = true}
            game.tick_paused = true
            """,
        )
        fingerprint = """rcon.print(helpers.table_to_json({
          tick = game.tick, speed = game.speed, paused = game.tick_paused,
          entities = (function() local out = {} for _, e in pairs(game.surfaces[1].find_entities_filtered{}) do
            out[#out + 1] = {e.name, e.unit_number, e.position, e.force.name} end return out end)(),
          plates = game.surfaces[1].find_entity('iron-chest', {3.5, 4.5}).get_inventory(1).get_item_count('iron-plate'),
          automation = game.forces.player.technologies['automation'].researched,
          recipe = game.forces.player.recipes['assembling-machine-1'].enabled,
          storage = storage,
        }))"""
        before = json.loads(lua(level, fingerprint))
        after = json.loads(lua(build.reload(level), fingerprint))
        assert after == before
        assert (before["plates"], before["automation"], before["speed"], len(before["entities"])) == (123, True, 2.5, 2)

    def test_unit_numbers_continue_after_a_round_trip(self, build: Built) -> None:
        level = build.new()
        first = lua(
            level, "rcon.print(game.surfaces[1].create_entity{name = 'iron-chest', position = {0, 0}}.unit_number)"
        )
        loaded = build.reload(level)
        second = lua(
            loaded, "rcon.print(game.surfaces[1].create_entity{name = 'iron-chest', position = {5, 5}}.unit_number)"
        )
        assert int(second) > int(first)

    def test_function_in_storage_cannot_be_saved(self, build: Built) -> None:
        level = build.new()
        lua(level, "storage.callback = function() end")
        with pytest.raises(EmulatorError, match="(?i)function"):
            level.snapshot()
