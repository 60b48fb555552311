"""Autosaves: every autosave_interval minutes of game time, rotating through
_autosave1..N, none while the game does not tick."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.rcon_client


def settings(write_data: Path, **values: object) -> str:
    path = write_data / "autosave-settings.json"
    path.write_text(json.dumps({"auto_pause": False, **values}))
    return str(path)


def wait_for_files(directory: Path, names: set[str], timeout: float = 20.0) -> set[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        present = {p.name for p in directory.glob("_autosave*.zip")}
        if names <= present:
            return present
        time.sleep(0.05)
    return {p.name for p in directory.glob("_autosave*.zip")}


def test_autosaves_rotate_through_their_slots(emulator, write_data: Path) -> None:
    server = emulator(
        "--start-server-load-scenario",
        "lab",
        extra=("--server-settings", settings(write_data, autosave_interval=1, autosave_slots=2)),
    )
    with server.connect() as client:
        client.send_command("/sc game.speed = 1000")  # one game minute = 60 ms of wall time
        present = wait_for_files(write_data / "saves", {"_autosave1.zip", "_autosave2.zip"})
        ticks = int(client.send_command("/sc rcon.print(game.tick)"))
    server.stop()
    assert present == {"_autosave1.zip", "_autosave2.zip"}  # two slots, never a third
    assert ticks >= 2 * 3600
    assert not list((write_data / "saves").glob("*.tmp.zip"))


def test_no_autosaves_when_slots_are_zero(emulator, write_data: Path) -> None:
    server = emulator(
        "--start-server-load-scenario",
        "lab",
        extra=("--server-settings", settings(write_data, autosave_interval=1, autosave_slots=0)),
    )
    with server.connect() as client:
        client.send_command("/sc game.speed = 1000")
        deadline = time.monotonic() + 0.5
        while int(client.send_command("/sc rcon.print(game.tick)")) < 3 * 3600 and time.monotonic() < deadline + 10:
            time.sleep(0.05)
    server.stop()
    assert list((write_data / "saves").glob("_autosave*.zip")) == []


def test_no_autosaves_while_the_game_is_paused(emulator, write_data: Path) -> None:
    server = emulator(
        "--start-server-load-scenario",
        "lab",
        extra=("--server-settings", settings(write_data, autosave_interval=1, autosave_slots=2)),
    )
    with server.connect() as client:
        client.send_command("/sc game.tick_paused = true game.speed = 1000")
        time.sleep(0.5)  # eight game minutes would pass, were the game not paused
        tick = int(client.send_command("/sc rcon.print(game.tick)"))
    server.stop()
    assert tick < 3600
    assert list((write_data / "saves").glob("_autosave*.zip")) == []
