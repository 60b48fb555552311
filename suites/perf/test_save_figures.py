"""Issue 9's save figures: /save and load time by size, and how long /save
stops the game loop. Goal on a 2-core machine (for the note, not asserted):
the game loop blocked <= 100 ms by a /save of 200,000 storage entries.

"Blocked" is the longest gap between answers of a ping loop run on a second
RCON connection while the save is written: RCON is answered on the game
loop, so a gap there is a stall of ticks too.
"""

from __future__ import annotations

import re
import threading
import time

import pytest

from fle_testkit.emulator import messages

FILL_STORAGE = "/sc storage.t = {{}} for i = 1, {n} do storage.t[i] = {{name = 'e' .. i, x = i * 0.5, ok = true}} end"
FILL_ENTITIES = """/sc local s = game.surfaces[1]
for i = 0, {n} - 1 do
  s.create_entity{{name = 'iron-chest', position = {{(i % 100) + 0.5, math.floor(i / 100) + 0.5}}, force = 'player'}}
end"""
SIZES = [
    ("1k storage entries", FILL_STORAGE.format(n=1_000)),
    ("10k storage entries", FILL_STORAGE.format(n=10_000)),
    ("200k storage entries", FILL_STORAGE.format(n=200_000)),
    ("500 entities", FILL_ENTITIES.format(n=500)),
    ("5,000 entities", FILL_ENTITIES.format(n=5_000)),
]
ROUNDS = 3
FINISHED = re.compile(re.escape(messages.SAVING_FINISHED))


def _finished_count(server) -> int:
    return sum(messages.SAVING_FINISHED in line for line in server.lines)


@pytest.mark.parametrize(("label", "fill"), SIZES, ids=[label for label, _ in SIZES])
def test_save_and_load_by_size(emulator, perf_figures, label: str, fill: str) -> None:
    server = emulator("--start-server-load-scenario", "lab")
    with server.connect() as client:
        client.send_command(fill)
    for round_ in range(ROUNDS):
        gaps: list[float] = []
        stop = threading.Event()

        def ping(gaps: list[float] = gaps, stop: threading.Event = stop) -> None:
            with server.connect() as pinger:
                last = time.perf_counter()
                while not stop.is_set():
                    pinger.send_command("/sc rcon.print(game.tick)")
                    now = time.perf_counter()
                    gaps.append(now - last)
                    last = now

        pinger = threading.Thread(target=ping)
        pinger.start()
        time.sleep(0.2)  # the ping loop is running before the save
        quiet = len(gaps)
        before = _finished_count(server)
        with server.connect() as client:
            began = time.perf_counter()
            client.send_command(f"/save size{round_}")
            replied = time.perf_counter() - began
            deadline = time.monotonic() + 120
            while _finished_count(server) == before and time.monotonic() < deadline:
                time.sleep(0.002)
            saved = time.perf_counter() - began
        time.sleep(0.1)
        stop.set()
        pinger.join(30)
        perf_figures.record(f"/save {label}: until Saving finished", saved)
        perf_figures.record(f"/save {label}: until the reply", replied)
        perf_figures.record(f"/save {label}: game loop blocked (longest ping gap)", max(gaps[quiet:], default=0.0))
        perf_figures.record(f"/save {label}: longest ping gap before the save (noise)", max(gaps[:quiet], default=0.0))
    assert server.stop() == 0
    for round_ in range(ROUNDS):
        began = time.perf_counter()
        loaded = emulator("--start-server", f"size{round_}")
        perf_figures.record(f"load {label}: start -> RCON line", time.perf_counter() - began)
        loaded.stop()
