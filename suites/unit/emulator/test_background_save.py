"""Saves written in the background (background_save.py), through the process.

A save forks the server: the child writes the world as it was at the fork
while the parent keeps ticking and answering RCON. What holds: the save is
complete and loads back identical, commands are answered before ``Saving
finished``, saves never overlap, a quit waits for the save in flight, and a
killed server never leaves a half-written ``NAME.zip``. Every assert is on
order and content, none on wall-clock time.
"""

from __future__ import annotations

import random
import re
import signal
import time
from pathlib import Path

import pytest
from emulator_process import write_scenario

from fle_testkit.emulator import messages
from fle_testkit.emulator.saves import read_save
from fle_testkit.readiness import Deadline, poll

BIG = 10_000  # storage entries: big enough that the child writes for a while, small enough to keep tests short
KILL_ROUNDS = 20

BIG_CONTROL = f"""\
script.on_init(function()
  storage.t = {{}}
  for i = 1, {BIG} do storage.t[i] = {{name = 'e' .. i, x = i * 0.5, ok = i % 2 == 0}} end
end)
"""
DIGEST = "/sc rcon.print(#storage.t .. ':' .. storage.t[1].name .. ':' .. storage.t[#storage.t].x .. ':' .. tostring(storage.t[2].ok) .. ':' .. (storage.tag or '-'))"


def saving_lines(lines: list[str]) -> list[str]:
    return [line[9:] for line in lines if "Saving" in line or "Quitting" in line or "Map cannot be saved" in line]


@pytest.fixture
def big(write_data: Path) -> Path:
    write_scenario(write_data, "big", control=BIG_CONTROL)
    return write_data


@pytest.mark.rcon_client
class TestBackgroundSave:
    def test_a_big_storage_saves_and_loads_back_identical(self, emulator, big: Path) -> None:
        first = emulator("--start-server-load-scenario", "big")
        with first.connect() as client:
            client.send_command("/sc storage.tag = 'kept'")
            before = client.send_command(DIGEST)
            json_before = client.send_command("/sc rcon.print(helpers.table_to_json(storage))")
            client.send_command("/save bigsave")
        first.wait_for(re.escape(messages.SAVING_FINISHED), timeout=30)
        assert first.stop() == 0
        second = emulator("--start-server", "bigsave")
        with second.connect() as client:
            assert client.send_command(DIGEST) == before == f"{BIG}:e1:{BIG * 0.5:g}:true:kept"
            assert client.send_command("/sc rcon.print(helpers.table_to_json(storage))") == json_before

    def test_commands_are_answered_before_saving_finished(self, emulator, big: Path) -> None:
        server = emulator("--start-server-load-scenario", "big")
        with server.connect() as client:
            client.send_command("/save during")
            replies = []
            for i in range(3):
                replies.append(client.send_command(f"/sc rcon.print('ping {i} ' .. game.tick)"))
                seen_when_answered = list(server.lines)
            assert all(reply.startswith("ping") for reply in replies)
        assert not any(messages.SAVING_FINISHED in line for line in seen_when_answered)
        server.wait_for(re.escape(messages.SAVING_FINISHED), timeout=30)
        assert read_save(big / "saves" / "during.zip").storage

    def test_two_saves_in_a_row_both_complete_one_after_the_other(self, emulator, big: Path) -> None:
        server = emulator("--start-server-load-scenario", "big")
        with server.connect() as client:
            client.send_command("/save first")
            client.send_command("/save second")
            client.send_command("/save first")  # the same file again: queued, never two writers
        saves = big / "saves"
        poll(
            lambda: True if sum(messages.SAVING_FINISHED in line for line in server.lines) >= 3 else None,
            Deadline(60),
            on_timeout=lambda attempts: AssertionError("three saves did not finish:\n" + server.log()),
        )
        assert saving_lines(server.lines) == [
            messages.SAVING_GAME.format(path=saves / "first.zip"),
            messages.SAVING_FINISHED,
            messages.SAVING_GAME.format(path=saves / "second.zip"),
            messages.SAVING_FINISHED,
            messages.SAVING_GAME.format(path=saves / "first.zip"),
            messages.SAVING_FINISHED,
        ]
        assert read_save(saves / "first.zip").storage == read_save(saves / "second.zip").storage
        assert sorted(p.name for p in saves.iterdir()) == ["first.zip", "second.zip"]

    def test_quit_waits_for_the_save_in_flight(self, emulator, big: Path) -> None:
        server = emulator("--start-server-load-scenario", "big")
        with server.connect() as client:
            client.send_command("/save inflight")
            client.send_command("/quit")
        assert server.process.wait(60) == 0
        server.stop()
        path = big / "saves" / "inflight.zip"
        assert saving_lines(server.lines) == [
            messages.SAVING_GAME.format(path=path),
            messages.QUITTING_REMOTE,
            messages.SAVING_FINISHED,
        ]
        assert read_save(path).storage

    def test_sigterm_during_a_save_finishes_it_then_saves_over_the_loaded_file(self, emulator, big: Path) -> None:
        first = emulator("--start-server-load-scenario", "big")
        with first.connect() as client:
            client.send_command("/save world")
        first.wait_for(re.escape(messages.SAVING_FINISHED), timeout=30)
        assert first.stop() == 0
        second = emulator("--start-server", "world")
        with second.connect() as client:
            client.send_command("/sc storage.tag = 'last'")
            client.send_command("/save other")
        assert second.stop(signal.SIGTERM, timeout=60) == 0
        saves = big / "saves"
        assert saving_lines(second.lines) == [
            messages.SAVING_GAME.format(path=saves / "other.zip"),
            messages.QUITTING_SIGNAL,
            messages.SAVING_FINISHED,
            messages.SAVING_MAP_AS.format(path=saves / "world.zip"),
            messages.SAVING_FINISHED,
        ]
        assert b"last" in read_save(saves / "world.zip").storage
        assert b"last" in read_save(saves / "other.zip").storage

    def test_sigkill_during_a_save_never_leaves_a_half_written_zip(self, emulator, big: Path) -> None:
        saves = big / "saves"
        path = saves / "target.zip"
        rng = random.Random(9)
        first = emulator("--start-server-load-scenario", "big")
        with first.connect() as client:
            client.send_command("/save target")
        first.wait_for(re.escape(messages.SAVING_FINISHED), timeout=30)
        assert first.stop() == 0
        for round_ in range(KILL_ROUNDS):
            server = emulator("--start-server", "target")
            with server.connect() as client:
                client.send_command(f"/sc storage.tag = 'round {round_}'")
                client.send_command("/save target")
            time.sleep(rng.uniform(0.0, 0.4))  # somewhere in the child's serialising or writing
            server.stop(signal.SIGKILL)
            time.sleep(0.05)  # a writer that outlived its server would rename now
            contents = read_save(path)  # complete: the old save or the new one, never half of either
            assert contents.storage.startswith(b'{"format"')
            assert sorted(p.name for p in saves.iterdir() if not p.name.endswith(".tmp.zip")) == ["target.zip"]
