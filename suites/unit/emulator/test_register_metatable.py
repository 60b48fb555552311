"""script.register_metatable: tables in storage keep a registered metatable across a save and load.

As in Factorio (auxiliary docs, "Storage"): a registered metatable is saved by
name and relinked on load, once control.lua's main chunk has registered it
again; any other metatable is dropped. Registering is for the main chunk only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fle_testkit.emulator import messages
from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.level import Level
from fle_testkit.emulator.lua.runtime import LuaRuntimeError
from fle_testkit.emulator.model.world import World
from fle_testkit.emulator.process import CORE_LUALIB
from fle_testkit.emulator.saves import read_save, write_save

# FLE's plan in miniature: tool functions live outside storage; storage.actions
# is a plain table whose registered metatable routes functions there.
ROUTED = """\
local outside = {hello = function() return "hi" end}
local routed = {
  __index = function(t, k) return outside[k] end,
  __newindex = function(t, k, v)
    if type(v) == "function" then outside[k] = v else rawset(t, k, v) end
  end,
}
script.register_metatable("routed", routed)
local point = {__index = function(t, k) if k == "sum" then return rawget(t, "x") + rawget(t, "y") end end}
script.register_metatable("point", point)
script.on_init(function()
  storage.actions = setmetatable({}, routed)
  storage.actions.count = 1
  storage.actions.later = function() return "later" end
  storage.p = setmetatable({x = 1, y = 2}, point)
  storage.shown = setmetatable({real = 1}, {
    __index = function() return "shown" end,
    __pairs = function() return next, {fake = true}, nil end,
  })
end)
"""


@pytest.fixture(scope="module")
def gamedata():
    return load_vanilla()


class Game:
    def __init__(self, gamedata, tmp_path: Path) -> None:
        self.gamedata = gamedata
        self.tmp_path = tmp_path

    def common(self) -> dict:
        return dict(
            gamedata=self.gamedata,
            log=lambda line: None,
            script_log=lambda line: None,
            script_output=self.tmp_path / "script-output",
            core_lualib=CORE_LUALIB,
        )

    def new(self, control: str = ROUTED) -> Level:
        return Level.new(
            name="lab",
            scenario_files={"control.lua": control.encode()},
            world=World.new(self.gamedata, 1),
            **self.common(),
        )

    def reload(self, level: Level, control: str | None = None) -> Level:
        """Save to a zip and load it back, with another control.lua if given (an updated scenario)."""
        path = self.tmp_path / "saves" / "round.zip"
        write_save(path, level.snapshot())
        contents = read_save(path)
        if control is not None:
            contents.scenario_files = {**contents.scenario_files, "control.lua": control.encode()}
        return Level.load(contents, **self.common())


@pytest.fixture
def game(gamedata, tmp_path: Path) -> Game:
    return Game(gamedata, tmp_path)


def lua(level: Level, code: str) -> str:
    return level.run_command(code, "=(test)").rstrip("\n")


class TestAcrossSaveAndLoad:
    def test_a_registered_metatable_answers_after_a_load(self, game: Game) -> None:
        loaded = game.reload(game.new())
        assert lua(loaded, "rcon.print(storage.p.sum)") == "3"
        assert lua(loaded, "rcon.print(storage.actions.hello())") == "hi"

    def test_an_unregistered_metatable_is_dropped(self, game: Game) -> None:
        loaded = game.reload(game.new())
        assert lua(loaded, "rcon.print(tostring(getmetatable(storage.shown)))") == "nil"
        assert lua(loaded, "rcon.print(tostring(storage.shown.anything))") == "nil"
        assert lua(loaded, "rcon.print(getmetatable(storage.p) ~= nil)") == "true"

    def test_raw_contents_are_saved_not_what_index_or_pairs_show(self, game: Game) -> None:
        level = game.new()
        assert lua(level, "for k in pairs(storage.shown) do rcon.print(k) end") == "fake"
        loaded = game.reload(level)
        assert lua(loaded, "for k, v in pairs(storage.shown) do rcon.print(k .. '=' .. v) end") == "real=1"

    def test_a_function_routed_out_of_storage_by_newindex_lets_the_game_save(self, game: Game) -> None:
        level = game.new()
        assert lua(level, "rcon.print(tostring(rawget(storage.actions, 'later')))") == "nil"
        lua(level, "storage.actions.added = function() return 'added' end")
        loaded = game.reload(level)  # a function in storage itself would refuse the save
        assert lua(loaded, "rcon.print(storage.actions.count)") == "1"
        assert lua(loaded, "rcon.print(storage.actions.hello())") == "hi"
        # Functions live outside storage: what on_init put there is gone after a load,
        # and control.lua is where they come from, as FLE's would.
        assert lua(loaded, "rcon.print(tostring(storage.actions.later))") == "nil"

    def test_a_save_naming_a_metatable_control_no_longer_registers_fails_to_load(self, game: Game) -> None:
        level = game.new()
        without_point = ROUTED.replace('script.register_metatable("point", point)', "")
        with pytest.raises(LuaRuntimeError) as caught:
            game.reload(level, control=without_point)
        assert caught.value.message == messages.METATABLE_NOT_REGISTERED.format(name="point")

    def test_a_table_set_a_registered_metatable_later_keeps_it(self, game: Game) -> None:
        level = game.new()
        lua(level, "storage.q = setmetatable({x = 5, y = 5}, getmetatable(storage.p))")
        assert lua(game.reload(level), "rcon.print(storage.q.sum)") == "10"

    def test_the_same_storage_saves_to_the_same_bytes(self, game: Game) -> None:
        assert game.new().snapshot().storage == game.new().snapshot().storage


class TestRegistering:
    def test_only_the_main_chunk_may_register(self, game: Game) -> None:
        level = game.new()
        with pytest.raises(LuaRuntimeError) as caught:
            lua(level, "script.register_metatable('late', {})")
        assert caught.value.message == messages.REGISTER_METATABLE_NOT_HERE

    def test_on_init_may_not_register(self, game: Game) -> None:
        with pytest.raises(LuaRuntimeError, match="main chunk"):
            game.new("script.on_init(function() script.register_metatable('x', {}) end)")

    def test_a_name_registered_twice_is_refused(self, game: Game) -> None:
        with pytest.raises(LuaRuntimeError, match="a metatable named twice is already registered"):
            game.new("script.register_metatable('twice', {}) script.register_metatable('twice', {})")

    def test_the_same_metatable_under_the_same_name_again_is_no_change(self, game: Game) -> None:
        control = (
            "local m = {__index = {kind = 'm'}} script.register_metatable('m', m) script.register_metatable('m', m)"
            " script.on_init(function() storage.t = setmetatable({}, m) end)"
        )
        assert lua(game.reload(game.new(control)), "rcon.print(storage.t.kind)") == "m"

    @pytest.mark.parametrize(
        ("call", "expected"),
        [
            ("script.register_metatable(1, {})", "string expected, got number"),
            ("script.register_metatable('m', 'not a table')", "table expected, got string"),
        ],
    )
    def test_arguments_are_checked(self, game: Game, call: str, expected: str) -> None:
        with pytest.raises(LuaRuntimeError, match=expected):
            game.new(call)
