"""The server console: every command, in-process (routing) and through RCON.

The RCON tests share one server started from the ``lab`` scenario with
``--map-gen-seed 4242``; they read state they set themselves.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import pytest

from fle_testkit.emulator import messages
from fle_testkit.emulator.console import Console, format_duration
from fle_testkit.emulator.lua.runtime import LuaRuntimeError
from fle_testkit.emulator.saves import SaveFileError
from fle_testkit.emulator.serverlog import ServerLog

SEED = 4242


# --- in-process: routing ------------------------------------------------------
@dataclass
class FakeHost:
    seed: int = 7
    tick: int = 0
    calls: list[tuple[str, object]] = field(default_factory=list)
    lua_reply: str = ""
    lua_error: str | None = None
    save_error: str | None = None

    def run_lua(self, code: str) -> str:
        self.calls.append(("lua", code))
        if self.lua_error is not None:
            raise LuaRuntimeError(self.lua_error)
        return self.lua_reply

    def save_as(self, name: str | None) -> str:
        self.calls.append(("save", name))
        if self.save_error is not None:
            raise SaveFileError(self.save_error)
        return messages.SAVE_DONE_REPLY

    def request_quit(self) -> None:
        self.calls.append(("quit", None))

    def game_tick(self) -> int:
        return self.tick


@pytest.fixture
def host() -> FakeHost:
    return FakeHost()


@pytest.fixture
def log() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def console(host: FakeHost, log: io.StringIO) -> Console:
    return Console(host, ServerLog(stream=log))


class TestRouting:
    @pytest.mark.parametrize("name", ["c", "command", "sc", "silent-command"])
    def test_lua_commands_run_the_rest_of_the_line(self, console: Console, host: FakeHost, name: str) -> None:
        host.lua_reply = "out\n"
        assert console.handle(f"/{name} rcon.print('out')") == "out\n"
        assert host.calls == [("lua", "rcon.print('out')")]

    def test_a_newline_ends_the_command_name(self, console: Console, host: FakeHost) -> None:
        console.handle("/sc\nlocal x = 1\nrcon.print(x)")
        assert host.calls == [("lua", "local x = 1\nrcon.print(x)")]

    def test_lua_error_is_the_reply(self, console: Console, host: FakeHost) -> None:
        host.lua_error = "boom"
        assert console.handle("/c error('boom')") == "Cannot execute command. Error: boom"

    def test_c_is_echoed_to_the_log_sc_is_not(self, console: Console, log: io.StringIO) -> None:
        console.handle("/c local loud")
        console.handle("/sc local quiet")
        assert "[COMMAND] <server> (command): local loud" in log.getvalue()
        assert "quiet" not in log.getvalue()

    def test_empty_command_gets_no_reply(self, console: Console, host: FakeHost) -> None:
        assert console.handle("") is None
        assert host.calls == []

    def test_chat_is_logged_and_gets_an_empty_reply(self, console: Console, log: io.StringIO, host: FakeHost) -> None:
        assert console.handle("hello there") == ""
        assert log.getvalue().rstrip("\n").endswith(" [CHAT] <server>: hello there")
        assert host.calls == []

    @pytest.mark.parametrize(
        "text, name", [("/save", None), ("/save mine", "mine"), ("/server-save", None), ("/save  mine ", "mine")]
    )
    def test_save_commands_name_the_save(self, console: Console, host: FakeHost, text: str, name: str | None) -> None:
        assert console.handle(text) == messages.SAVE_DONE_REPLY
        assert host.calls == [("save", name)]

    def test_save_error_is_the_reply(self, console: Console, host: FakeHost) -> None:
        host.save_error = "disk full"
        assert console.handle("/save x") == "Map cannot be saved: disk full"

    def test_quit_asks_the_host_to_quit(self, console: Console, host: FakeHost) -> None:
        console.handle("/quit")
        assert host.calls == [("quit", None)]

    def test_players_version_seed_time(self, console: Console, host: FakeHost) -> None:
        host.tick = 60 * 61
        assert console.handle("/players") == "Players (0):"
        assert console.handle("/players online") == "Online players (0):"
        assert console.handle("/version") == "2.0.73"
        assert console.handle("/seed") == "7"
        assert console.handle("/time") == "1 minute and 1 second"

    def test_unknown_command_is_named(self, console: Console, host: FakeHost) -> None:
        assert console.handle("/frobnicate now") == 'Unknown command "frobnicate".'
        assert host.calls == []


class TestFormatDuration:
    @pytest.mark.parametrize(
        "seconds, text",
        [
            (0, "0 seconds"),
            (1, "1 second"),
            (59, "59 seconds"),
            (60, "1 minute"),
            (61, "1 minute and 1 second"),
            (3600, "1 hour"),
            (7322, "2 hours, 2 minutes and 2 seconds"),
            (86400 + 11 * 3600 + 60 + 26, "1 day, 11 hours, 1 minute and 26 seconds"),
            (2 * 86400 + 5, "2 days and 5 seconds"),
        ],
    )
    def test_factorio_wording(self, seconds: int, text: str) -> None:
        assert format_duration(seconds) == text


# --- through RCON ---------------------------------------------------------------
@pytest.fixture(scope="module")
def server(module_emulator):
    return module_emulator("--start-server-load-scenario", "lab", extra=("--map-gen-seed", str(SEED)))


@pytest.fixture
def client(server):
    with server.connect() as connected:
        yield connected


@pytest.mark.rcon_client
class TestThroughRcon:
    @pytest.mark.parametrize("name", ["c", "command", "sc", "silent-command"])
    def test_lua_commands_reply_with_rcon_print(self, client, name: str) -> None:
        assert client.send_command(f"/{name} rcon.print(6 * 7)") == "42"

    def test_multi_line_reply_keeps_inner_newlines(self, client) -> None:
        # rcon.print appends a newline to each call; the client strips the last one.
        assert client.send_command("/sc rcon.print('first') rcon.print('') rcon.print('third')") == "first\n\nthird"

    def test_nothing_printed_is_an_empty_reply(self, client) -> None:
        assert client.send_command("/sc local x = 1") is None

    def test_lua_error_replies_and_the_server_keeps_answering(self, client) -> None:
        reply = client.send_command("/sc error('boom')")
        assert reply.startswith("Cannot execute command. Error: ")
        assert reply.endswith(":1: boom")
        assert client.send_command("/sc rcon.print('still here')") == "still here"

    def test_syntax_error_replies_the_same_way(self, client) -> None:
        reply = client.send_command("/sc this is not lua")
        assert reply.startswith("Cannot execute command. Error: ")
        assert client.send_command("/sc rcon.print('ok')") == "ok"

    def test_version(self, client) -> None:
        assert client.send_command("/version") == "2.0.73"

    def test_seed_is_the_map_gen_seed(self, client) -> None:
        assert client.send_command("/seed") == str(SEED)

    def test_players(self, client) -> None:
        assert client.send_command("/players") == "Players (0):"

    def test_time_follows_the_game_tick(self, client) -> None:
        tick = int(client.send_command("/sc game.tick_paused = true rcon.print(game.tick)"))
        try:
            assert client.send_command("/time") == format_duration(tick // 60)
        finally:
            client.send_command("/sc game.tick_paused = false")

    def test_unknown_command(self, client) -> None:
        assert client.send_command("/nope") == 'Unknown command "nope".'

    def test_chat_gets_no_reply_text(self, client, server) -> None:
        assert client.send_command("hello from the test") is None
        server.wait_for(re.escape("[CHAT] <server>: hello from the test"), timeout=10)

    def test_save_with_a_name_writes_the_save(self, client, server) -> None:
        assert client.send_command("/save from-console") is None  # the reply comes when the save starts
        server.wait_for(re.escape(messages.SAVING_FINISHED), timeout=10)
        assert (server.write_data / "saves" / "from-console.zip").is_file()

    @pytest.mark.parametrize("command", ["/save", "/server-save"])
    def test_save_without_a_name_on_a_scenario_game_is_refused(self, client, server, command: str) -> None:
        reply = client.send_command(command)
        assert reply == "Map cannot be saved: " + messages.CANT_SAVE_DEFAULT
        assert client.send_command("/sc rcon.print('alive')") == "alive"
