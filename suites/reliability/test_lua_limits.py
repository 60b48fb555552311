"""The Lua limits: a runaway command, handler or memory bomb never hangs the server.

Real Factorio hangs on ``/sc while true do end`` and can then only be killed.
The embedded server stops such Lua (``--lua-time-limit``, ``--lua-memory-limit``)
and answers the next command; SIGTERM and SIGINT end it cleanly from any state.
Behaviour that is the process's (replies, log lines, exit codes) is tested on
real processes. Time is only a deadline here, never asserted.
"""

from __future__ import annotations

import re
import signal
import threading
from pathlib import Path

import pytest
from emulator_process import make_save

from fle_testkit.emulator import messages
from fle_testkit.emulator.config import LuaLimits
from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.level import Level
from fle_testkit.emulator.lua.runtime import LuaRuntimeError, LuaStopped, LuaTimeLimitError, StopRequest
from fle_testkit.emulator.model.world import World
from fle_testkit.emulator.process import CORE_LUALIB

pytestmark = pytest.mark.rcon_client

LIMITS = ("--lua-time-limit", "1", "--lua-memory-limit", "64")
TIME_LIMIT_REPLY = messages.LUA_ERROR_REPLY.format(message=messages.LUA_TIME_LIMIT.format(seconds="1"))
MEMORY_REPLY = messages.LUA_ERROR_REPLY.format(message=messages.LUA_NOT_ENOUGH_MEMORY)
ON_TICK = "script.on_event(defines.events.on_tick, {body})"
PREFIXED = re.compile(r"^(?=.{8} )\s*\d+\.\d{3} ")


def tail_after(lines: list[str], text: str) -> list[str]:
    """The lines from the first that contains ``text`` on, without their elapsed prefixes."""
    start = next(i for i, line in enumerate(lines) if text in line)
    return [PREFIXED.sub("", line) for line in lines[start:]]


def level_with(tmp_path: Path, limits: LuaLimits, stop: StopRequest | None = None) -> Level:
    gamedata = load_vanilla()
    return Level.new(
        gamedata=gamedata,
        name="lab",
        scenario_files={"control.lua": b""},
        world=World.new(gamedata, 1),
        log=lambda line: None,
        script_log=lambda line: None,
        script_output=tmp_path,
        core_lualib=CORE_LUALIB,
        lua_limits=limits,
        stop=stop,
    )


class TestInProcess:
    """The sandbox's side, without a server around it."""

    def test_a_pcall_cannot_swallow_the_time_limit(self, tmp_path: Path) -> None:
        level = level_with(tmp_path, LuaLimits(time_limit=0.2, memory_limit_mb=0))
        with pytest.raises(LuaTimeLimitError):
            level.run_command("while true do pcall(function() while true do end end) end", "c")
        with pytest.raises(LuaTimeLimitError):
            level.run_command(
                "while true do xpcall(function() while true do end end, function(e) return e end) end", "c"
            )
        assert level.run_command("rcon.print('after')", "c") == "after\n"

    def test_debug_sethook_stays_hidden(self, tmp_path: Path) -> None:
        level = level_with(tmp_path, LuaLimits())
        assert level.run_command("rcon.print(tostring(debug.sethook))", "c") == "nil\n"

    def test_a_stop_request_stops_running_lua_and_all_lua_after_it(self, tmp_path: Path) -> None:
        stop = StopRequest()
        level = level_with(tmp_path, LuaLimits(time_limit=0, memory_limit_mb=0), stop)
        timer = threading.Timer(0.2, stop.stop, args=("quitting",))
        timer.start()
        try:
            with pytest.raises(LuaStopped, match="quitting"):
                level.run_command("while true do end", "c")
        finally:
            timer.cancel()
        with pytest.raises(LuaStopped):
            level.run_command("rcon.print(1)", "c")

    def test_json_of_a_shared_table_cannot_grow_past_the_memory_limit(self, tmp_path: Path) -> None:
        level = level_with(tmp_path, LuaLimits(time_limit=0, memory_limit_mb=16))
        with pytest.raises(LuaRuntimeError, match=messages.LUA_NOT_ENOUGH_MEMORY):
            level.run_command("local t = {1} for i = 1, 40 do t = {t, t} end helpers.table_to_json(t)", "c")
        assert level.run_command("rcon.print(helpers.table_to_json({1, 2}))", "c") == "[1,2]\n"

    def test_tables_built_by_the_host_past_the_memory_limit_are_refused_not_a_panic(self, tmp_path: Path) -> None:
        # lupa builds host-made tables with unprotected Lua API calls: an allocation refused
        # inside one would make Lua panic and abort the process, not raise.
        level = level_with(tmp_path, LuaLimits(time_limit=0, memory_limit_mb=16))
        big_json = "local s = '[' .. string.rep('[1,2,3],', 300000) .. '1]' "
        with pytest.raises(LuaRuntimeError, match=messages.LUA_NOT_ENOUGH_MEMORY):
            level.run_command(big_json + "local t = helpers.json_to_table(s)", "c")
        with pytest.raises(LuaRuntimeError, match=messages.LUA_NOT_ENOUGH_MEMORY):
            level.run_command(
                "local keep = {} while true do keep[#keep + 1] = helpers.json_to_table('[[1],[2]]') end", "c"
            )
        assert level.run_command("rcon.print(#helpers.json_to_table('[1,2,3]'))", "c") == "3\n"

    def test_a_long_json_to_table_is_stopped_by_the_time_limit(self, tmp_path: Path) -> None:
        level = level_with(tmp_path, LuaLimits(time_limit=0.2, memory_limit_mb=0))
        with pytest.raises(LuaTimeLimitError):
            level.run_command(
                "local s = '[' .. string.rep('[[[1]]],', 1000000) .. '1]' local t = helpers.json_to_table(s)", "c"
            )
        assert level.run_command("rcon.print('after')", "c") == "after\n"


@pytest.fixture(scope="module")
def limited(module_emulator):
    """One server with small limits (1 s, 64 MB), shared by the command tests."""
    return module_emulator("--start-server-load-scenario", "lab", extra=LIMITS)


class TestCommands:
    def test_runaway_loop_gets_the_error_reply_and_the_next_command_answers(self, limited) -> None:
        with limited.connect() as client:
            assert client.send_command("/sc while true do end") == TIME_LIMIT_REPLY
            assert client.send_command("/sc rcon.print('next')") == "next"

    def test_other_clients_are_answered_after_the_runaway_stops(self, limited) -> None:
        with limited.connect() as busy, limited.connect() as other:
            replies: list[str] = []
            worker = threading.Thread(target=lambda: replies.append(busy.send_command("/sc while true do end")))
            worker.start()
            assert other.send_command("/sc rcon.print('other')") == "other"
            worker.join(20)
            assert replies == [TIME_LIMIT_REPLY]

    @pytest.mark.parametrize(
        "bomb",
        [
            "local t = {} for i = 1, 1e9 do t[i] = i end",
            "local s = string.rep('x', 2^31 - 1)",
            "local s = string.rep('x', 2^30)",
            "local t = {} for i = 1, 1e6 do t = {t} end rcon.print(#serpent.block(t))",
            "local t = {} local s = 'x' while true do s = s .. s t[#t + 1] = s end",
        ],
        ids=["growing-table", "string.rep-2^31", "string.rep-2^30", "serpent-deep-nesting", "doubling-strings"],
    )
    def test_memory_bomb_gets_not_enough_memory_and_the_server_serves_on(self, limited, bomb: str) -> None:
        with limited.connect() as client:
            assert client.send_command("/sc " + bomb) == MEMORY_REPLY
            # the memory was given back: a sizeable allocation fits again
            assert client.send_command("/sc rcon.print(#string.rep('y', 2^24))") == str(2**24)


class TestEventHandlers:
    def test_runaway_on_tick_handler_is_stopped_and_reported_once(self, emulator) -> None:
        server = emulator("--start-server-load-scenario", "lab", extra=LIMITS)
        with server.connect() as client:
            client.send_command("/sc " + ON_TICK.format(body="function() while true do end end"))
            server.wait_for(re.escape("the embedded server unregistered this handler"), timeout=30)
            wait_ticks(client, 120)
            assert client.send_command("/sc rcon.print('serving')") == "serving"
        stopped = [line for line in server.lines if "unregistered this handler" in line]
        assert len(stopped) == 1
        assert messages.LUA_TIME_LIMIT.format(seconds="1") in stopped[0]

    def test_an_erroring_on_tick_handler_is_logged_once_then_counted(self, emulator) -> None:
        server = emulator("--start-server-load-scenario", "lab")
        with server.connect() as client:
            client.send_command("/sc " + ON_TICK.format(body="function() error('boom') end"))
            wait_ticks(client, 120)
            client.send_command("/sc " + ON_TICK.format(body="function() end"))
            line = server.wait_for(r"The previous event error was repeated \d+ more times", timeout=30)
        assert len([line for line in server.lines if line.endswith(": boom")]) == 1
        assert int(re.search(r"repeated (\d+) more", line).group(1)) >= 100


def wait_ticks(client, ticks: int) -> None:
    """Until the game has run ``ticks`` more ticks (the deadline is the test's)."""
    start = int(client.send_command("/sc rcon.print(game.tick)"))
    for _ in range(2000):
        if int(client.send_command("/sc rcon.print(game.tick)")) >= start + ticks:
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"the game did not run {ticks} ticks")


class TestSignals:
    """SIGTERM and SIGINT quit cleanly while Lua is busy, with no time limit to help."""

    @pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
    def test_signal_during_a_runaway_command_saves_and_exits_0(self, emulator, write_data: Path, sig: int) -> None:
        save = make_save(write_data, "world")
        server = emulator("--start-server", "world", extra=("--lua-time-limit", "0"))
        client = server.client()
        replies: list[str] = []
        worker = threading.Thread(
            target=lambda: replies.append(client.send_command("/sc log('spinning') while true do end")), daemon=True
        )
        worker.start()
        server.wait_for("spinning", timeout=20)
        assert server.stop(sig) == 0
        worker.join(10)
        client.close()
        name = signal.Signals(sig).name
        assert tail_after(server.lines, f"Received {name}") == [
            f"Received {name}, shutting down",
            "Quitting: signal.",
            messages.SAVING_MAP_AS.format(path=save),
            messages.SAVING_FINISHED,
            "Goodbye",
        ]
        assert replies == [messages.LUA_ERROR_REPLY.format(message=messages.LUA_STOPPED_QUITTING)]
        assert not (write_data / "saves" / "world.tmp.zip").exists()
        again = emulator("--start-server", "world")
        with again.connect() as check:
            assert check.send_command("/sc rcon.print('loaded')") == "loaded"

    def test_sigterm_during_a_runaway_on_tick_handler_saves_and_exits_0(self, emulator, write_data: Path) -> None:
        save = make_save(write_data, "world")
        server = emulator("--start-server", "world", extra=("--lua-time-limit", "0"))
        with server.connect() as client:
            client.send_command("/sc " + ON_TICK.format(body="function() log('ticking') while true do end end"))
        server.wait_for("ticking", timeout=20)
        assert server.stop(signal.SIGTERM) == 0
        assert tail_after(server.lines, "Received SIGTERM")[-3:] == [
            messages.SAVING_MAP_AS.format(path=save),
            messages.SAVING_FINISHED,
            "Goodbye",
        ]
        again = emulator("--start-server", "world")
        with again.connect() as check:
            assert check.send_command("/sc rcon.print('loaded')") == "loaded"
