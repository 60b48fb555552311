"""The Lua sandbox (lua/runtime.py): every way out must fail and touch nothing.

Each escape runs in a level in-process and must raise a Lua error; where the
escape would leave a trace (a file created or removed), the trace is checked.
One test repeats an escape through RCON against a real server.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from emulator_process import write_scenario

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.level import Level
from fle_testkit.emulator.lua.runtime import LuaRuntimeError
from fle_testkit.emulator.model.world import World
from fle_testkit.emulator.process import CORE_LUALIB


@pytest.fixture(scope="module")
def level(tmp_path_factory: pytest.TempPathFactory) -> Level:
    gamedata = load_vanilla()
    return Level.new(
        gamedata=gamedata,
        name="lab",
        scenario_files={"control.lua": b"", "lib/inside.lua": b"return 'inside'"},
        world=World.new(gamedata, 1),
        log=lambda line: None,
        script_log=lambda line: None,
        script_output=tmp_path_factory.mktemp("script-output"),
        core_lualib=CORE_LUALIB,
    )


@pytest.fixture
def host(tmp_path: Path) -> dict[str, Path]:
    """Files an escape would touch: ``marker`` must stay absent, ``victim`` present."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    module = tmp_path / "evil.lua"
    module.write_text(f"local f = assert(io.open({str(tmp_path / 'marker')!r}, 'w')) f:write('x') f:close() return 1")
    return {"marker": tmp_path / "marker", "victim": victim, "module": module, "dir": tmp_path}


def run(level: Level, code: str) -> str:
    return level.run_command(code, "=(command)")


def refused(level: Level, code: str) -> str:
    with pytest.raises(LuaRuntimeError) as caught:
        run(level, code)
    return caught.value.message


def untouched(host: dict[str, Path]) -> bool:
    return not host["marker"].exists() and host["victim"].read_text() == "keep me"


ESCAPES = {
    "python-eval": "python.eval('open({marker!r}, \"w\").close()')",
    "python-via-G": "_G.python.builtins.open({marker!r}, 'w')",
    "io-open": "io.open({marker!r}, 'w'):write('x')",
    "io-popen": "io.popen('touch {marker}')",
    "io-via-G": "_G['io'].open({marker!r}, 'w')",
    "os-execute": "os.execute('touch {marker}')",
    "os-remove": "os.remove({victim!r})",
    "os-exit": "os.exit(3)",
    "os-getenv": "rcon.print(os.getenv('HOME'))",
    "loadfile": "loadfile({module!r})()",
    "dofile": "dofile({module!r})",
    "loadstring": "loadstring('return 1')()",
    "package-loadlib": "package.loadlib('libc.so.6', 'system')('touch {marker}')",
    "package-path": "package.path = {dir!r} .. '/?.lua' require('evil')",
    "require-absolute": "require({module_stem!r})",
    "require-dotdot": "require('../evil')",
    "require-level-dotdot": "require('__level__/../../evil')",
    "require-core-dotdot": "require('__core__/lualib/../../../../../../../../..{module_stem}')",
    "require-os": "require('os').execute('touch {marker}')",
    "require-io": "require('io').open({marker!r}, 'w')",
    "require-python": "require('python')",
    "require-debug": "require('debug').getregistry()",
    "string-dump": "load(string.dump(function() return 1 end))()",
    "load-binary-chunk": "assert(load('\\27LuaR\\0\\1\\4\\8\\4\\8\\0'))()",
    "load-binary-mode-b": "assert(load('\\27LuaR\\0\\1\\4\\8\\4\\8\\0', 'x', 'b'))()",
    "debug-getregistry": "debug.getregistry()",
    "debug-getmetatable": "debug.getmetatable(game).__index(game, '__class__')",
    "debug-getupvalue": "debug.getupvalue(require, 1)",
    "debug-sethook": "debug.sethook(function() end, 'l')",
    "coroutine": "coroutine.wrap(function() end)()",
    "getmetatable-index": "getmetatable(game).__index(game, '__class__')",
    "getmetatable-overwrite": "getmetatable(game).__index = function() return 1 end",
    "getmetatable-function": "getmetatable(rcon.print).__call(rcon.print, 'x')",
    "setmetatable-api-object": "setmetatable(game, {{}})",
    "rawget-api-object": "rawget(game, 'ctx')",
    "rawset-api-object": "rawset(game, 'tick', 1)",
    "function-class": "rcon.print(rcon.print.__class__)",
    "function-globals": "rcon.print(rcon.print.__globals__)",
    "game-class": "rcon.print(game.__class__)",
    "game-dict": "rcon.print(game.__dict__)",
    "game-python-attribute": "rcon.print(game.ctx)",
    "game-python-method": "game.lua_index(game, 'tick')",
    "game-model": "rcon.print(game.model)",
    "entity-model": "rcon.print(game.surfaces[1].create_entity{{name = 'iron-chest', position = {{0, 0}}}}.model.__class__)",
    "print-python-attribute": "rcon.print(localised_print.__self__)",
    "write-file-dotdot": "helpers.write_file('../marker', 'x')",
    "write-file-absolute": "helpers.write_file({marker!r}, 'x')",
}


@pytest.mark.parametrize("code", list(ESCAPES.values()), ids=list(ESCAPES))
def test_escape_fails_with_a_lua_error_and_touches_nothing(level: Level, host: dict[str, Path], code: str) -> None:
    environ = dict(os.environ)
    message = refused(
        level,
        code.format(
            marker=str(host["marker"]),
            victim=str(host["victim"]),
            module=str(host["module"]),
            module_stem=str(host["module"].with_suffix("")),
            dir=str(host["dir"]),
        ),
    )
    assert message
    assert untouched(host)
    assert dict(os.environ) == environ
    assert run(level, "rcon.print('still serving')") == "still serving\n"


class TestWhatStays:
    def test_removed_globals_are_nil(self, level: Level) -> None:
        names = ["python", "io", "os", "package", "dofile", "loadfile", "loadstring", "module", "coroutine"]
        code = "local out = {} for _, n in ipairs({%s}) do out[#out + 1] = type(_G[n]) end rcon.print(table.concat(out, ' '))"
        assert run(level, code % ", ".join(repr(n) for n in names)) == " ".join(["nil"] * len(names)) + "\n"

    def test_string_dump_is_gone(self, level: Level) -> None:
        assert run(level, "rcon.print(type(string.dump))") == "nil\n"

    def test_debug_keeps_only_traceback_and_getinfo(self, level: Level) -> None:
        assert run(
            level,
            "local k = {} for n in pairs(debug) do k[#k + 1] = n end table.sort(k) rcon.print(table.concat(k, ' '))",
        ) == ("getinfo traceback\n")

    def test_api_objects_metatable_is_private(self, level: Level) -> None:
        for expression in ("game", "script", "rcon", "helpers", "prototypes", "game.surfaces[1]", "game.forces"):
            assert run(level, f"rcon.print(getmetatable({expression}))") == "private\n", expression

    def test_api_methods_are_plain_lua_functions(self, level: Level) -> None:
        # As Factorio's are: nothing of the host hangs off them.
        assert (
            run(level, "rcon.print(type(rcon.print) .. ' ' .. tostring(getmetatable(rcon.print)))") == "function nil\n"
        )

    def test_load_of_text_still_works(self, level: Level) -> None:
        assert run(level, "rcon.print(load('return 1 + 1')())") == "2\n"
        assert run(level, "rcon.print(load('return x', 'chunk', 't', {x = 5})())") == "5\n"

    def test_binary_chunk_is_refused_by_load(self, level: Level) -> None:
        assert run(level, "local f, e = load('\\27LuaR') rcon.print(tostring(f) .. ' ' .. e)") == (
            "nil attempt to load a binary chunk (mode is 't')\n"
        )

    def test_require_inside_the_scenario_still_works(self, level: Level) -> None:
        assert run(level, "rcon.print(require('lib.inside'))") == "inside\n"

    def test_pcall_turns_host_errors_into_strings(self, level: Level) -> None:
        assert run(level, "local ok, e = pcall(function() return game.nope end) rcon.print(type(e) .. ': ' .. e)") == (
            "string: LuaGameScript doesn't contain key nope.\n"
        )

    def test_xpcall_handler_gets_a_string(self, level: Level) -> None:
        assert run(level, "xpcall(function() return game.ctx end, function(e) rcon.print(type(e)) end)") == "string\n"

    def test_write_file_stays_in_script_output(self, level: Level) -> None:
        run(level, "helpers.write_file('sub/out.txt', 'data')")
        assert (level.script_output / "sub" / "out.txt").read_text() == "data"


@pytest.mark.rcon_client
def test_escape_through_rcon_is_an_error_reply(emulator, write_data: Path) -> None:
    marker = write_data / "marker"
    server = emulator("--start-server-load-scenario", "lab")
    with server.connect() as client:
        reply = client.send_command(f"/c os.execute('touch {marker}')")
        assert reply.startswith("Cannot execute command. Error: ")
        assert client.send_command("/c rcon.print(getmetatable(game))") == "private"
        assert client.send_command("/c rcon.print('alive')") == "alive"
    assert not marker.exists()
    assert server.stop() == 0


def test_scenario_files_outside_the_scenario_are_not_found(tmp_path: Path) -> None:
    """``require('../x')`` from a real scenario directory does not read its neighbour."""
    write_scenario(tmp_path, "lab", control="")
    (tmp_path / "scenarios" / "secret.lua").write_text("return 'secret'")
    gamedata = load_vanilla()
    from fle_testkit.emulator.saves import read_scenario

    level = Level.new(
        gamedata=gamedata,
        name="lab",
        scenario_files=read_scenario(tmp_path / "scenarios" / "lab"),
        world=World.new(gamedata, 1),
        log=lambda line: None,
        script_log=lambda line: None,
        script_output=tmp_path / "script-output",
        core_lualib=CORE_LUALIB,
    )
    assert "not found" in refused(level, "require('../secret')")
    assert "not found" in refused(level, "require('__level__/../secret')")
