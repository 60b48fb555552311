"""The watchdog against a real embedded server: a hang is noticed, named and ended; a busy server is not hung."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from emulator_process import write_scenario

from fle_testkit.backends import EmbeddedBackend
from fle_testkit.errors import RconError
from fle_testkit.savedir import SaveRoot
from fle_testkit.server import FactorioServer
from fle_testkit.session import GameSession
from fle_testkit.watchdog import Hang, Watchdog

pytestmark = pytest.mark.rcon_client


@pytest.fixture
def game(tmp_path: Path, servers: list) -> GameSession:
    server = FactorioServer(EmbeddedBackend(), SaveRoot(tmp_path / "saves").claim_any(), label="watched")
    servers.append(server)
    server.bootstrap(write_scenario(tmp_path, "lab", "script.on_init(function() storage.boots = 1 end)\n"))
    session = GameSession(server)
    session.start()
    return session


def _in_background(send: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            send()
        except BaseException as error:  # the test reads it
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors


def test_a_hung_server_is_named_ended_and_its_caller_released(game: GameSession) -> None:
    found: list[Hang] = []
    watchdog = Watchdog(game.server, limit=0.5, end_process=True, interval=0.05, grace=0.5, on_hang=found.append)
    watchdog.start()
    try:
        thread, errors = _in_background(lambda: game.client.lua("while true do end", timeout=120))
        thread.join(timeout=60)
        assert not thread.is_alive(), "the caller stayed blocked on the hung server"
        watchdog.settle()
    finally:
        watchdog.stop()
    assert isinstance(errors[0], RconError)  # an error reply as the server quit, or a broken connection
    (hang,) = found
    assert hang.command == "/sc while true do end" and hang.limit == 0.5
    assert hang.ended is not None and hang.ended.startswith("exited with")
    assert "while true do end" in hang.message() and "0.5 s" in hang.message()
    assert not game.server.is_alive()


def test_a_recovered_game_answers_again_on_a_working_copy(game: GameSession) -> None:
    game.client.lua("storage.mark = 'before'")
    game.server.process.kill()
    game.server.process.wait(10)
    assert game.recover() == []
    assert game.client.eval("storage.boots") == 1
    assert game.server.save_dir.latest().name == "session"  # never the pristine save itself
    assert game.server.timings.last("recover") > 0


def test_a_slow_command_within_the_limit_is_not_a_hang(game: GameSession) -> None:
    watchdog = Watchdog(game.server, limit=30, end_process=True, interval=0.05)
    watchdog.start()
    try:
        # Busy for a moment (well under the limit): the probes wait behind it, then are answered.
        game.client.lua("local n = 0 for i = 1, 3e6 do n = n + i end storage.n = n")
        watchdog.settle()
    finally:
        watchdog.stop()
    assert watchdog.hangs == []
    assert game.server.is_alive()
