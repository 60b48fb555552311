"""FLE's scenario: FLE's Lua comes with the game, so a restart costs only a restart."""

from __future__ import annotations

from typing import Any

from rcon_tap import RconTap

from fle_testkit.backends.external import Endpoint
from fle_testkit.fle.fixtures import FleGame, build_instance, endpoint_of
from fle_testkit.fle.scenario import fle_scripts


def _body_sent(script_text: str, commands: list[str]) -> bool:
    """Whether a script's body went out in a command (FLE sends ``/sc `` + the text, sometimes trimmed)."""
    lines = sorted((line.strip() for line in script_text.splitlines()), key=len, reverse=True)[:3]
    return any(line in command for line in lines if line for command in commands)


def test_an_instance_built_after_a_restart_uploads_no_script(fle_game: FleGame) -> None:
    from fle.env import FactorioInstance

    fle_game.server.restart()  # stop (saving the game as it is) and start from that save
    with RconTap(endpoint_of(fle_game.server).port) as tap:
        made = build_instance(FactorioInstance, Endpoint("127.0.0.1", tap.port))
        try:
            inventory = made.namespace.inspect_inventory()  # FLE's tools answer: their Lua is there
        finally:
            made.cleanup()
    scripts = fle_scripts()
    checksum_script = next(s for s in scripts if s.key == "checksum")
    uploaded = [s.key for s in scripts if s is not checksum_script and _body_sent(s.text, tap.commands)]
    assert uploaded == []
    assert _body_sent(checksum_script.text, tap.commands), "FLE always sends its checksum script"
    assert inventory["iron-plate"] > 0
    total_lua = sum(len(s.text.encode()) for s in scripts)
    assert tap.bytes_sent < total_lua / 20, f"{tap.bytes_sent} bytes sent, against {total_lua} of FLE's Lua"


def test_fles_functions_stay_out_of_storage_so_the_game_saves(instance: Any, fle_game: FleGame) -> None:
    """Factorio 2.0 refuses to save a function in storage; FLE keeps its tools there."""
    client = fle_game.server.client
    probe = "rcon.print(tostring(rawget(storage.actions, 'inspect_inventory')) .. ' ' .. type(storage.actions.inspect_inventory))"
    assert client.lua(probe) == "nil function"
    saved = fle_game.server.save("after-fle")
    assert saved.is_file()


def test_the_instance_follows_its_server_through_a_restart(instance: Any, fle_game: FleGame) -> None:
    before = fle_game.server.process
    fle_game.server.restart()
    fle_game.follow(instance)
    assert fle_game.server.process is not before
    assert instance.tcp_port == endpoint_of(fle_game.server).port
    assert instance.namespace.inspect_inventory()["iron-plate"] > 0
