"""Issue 2's figures for the embedded server: start to ready, RCON round trip,
commands per second, save and load time, idle memory. Targets on a 2-core
machine (for the note, not asserted): ready <= 0.5 s, round trip median
<= 0.5 ms, >= 3,000 commands/s, RSS <= 150 MB."""

from __future__ import annotations

import re
import socket
import struct
import time

import psutil
from emulator_process import PASSWORD

ROUNDS_START = 5
ROUND_TRIPS = 2000
PIPELINED = 2000


def test_start_to_rcon_ready(emulator, perf_figures) -> None:
    for _ in range(ROUNDS_START):
        began = time.perf_counter()
        server = emulator("--start-server-load-scenario", "lab")
        ready = time.perf_counter() - began
        with server.connect() as client:
            client.send_command("/sc rcon.print(1)")
        answered = time.perf_counter() - began
        perf_figures.record("start -> RCON line (scenario)", ready)
        perf_figures.record("start -> first command answered", answered)
        server.stop()


def test_round_trip_and_commands_per_second(emulator, perf_figures) -> None:
    server = emulator("--start-server-load-scenario", "lab")
    with server.connect() as client:
        for _ in range(100):  # warm-up
            client.send_command("/sc rcon.print(1)")
        began = time.perf_counter()
        for _ in range(ROUND_TRIPS):
            sent = time.perf_counter()
            client.send_command("/sc rcon.print(1)")
            perf_figures.record("RCON round trip /sc rcon.print(1)", time.perf_counter() - sent)
        elapsed = time.perf_counter() - began
    perf_figures.record("commands/s, one connection, sequential", ROUND_TRIPS / elapsed, "cmd/s")
    perf_figures.record("commands/s, one connection, pipelined", _pipelined_rate(server.rcon_port), "cmd/s")
    idle = psutil.Process(server.process.pid)
    time.sleep(0.5)
    perf_figures.record("idle RSS after 2,100 commands", idle.memory_info().rss / 2**20, "MiB")
    server.stop()


def _packet(packet_id: int, kind: int, body: str) -> bytes:
    payload = struct.pack("<ii", packet_id, kind) + body.encode() + b"\0\0"
    return struct.pack("<i", len(payload)) + payload


def _pipelined_rate(port: int) -> float:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(_packet(1, 3, PASSWORD))
        sock.recv(64)
        batch = b"".join(_packet(i, 2, "/sc rcon.print(1)") for i in range(2, PIPELINED + 2))
        began = time.perf_counter()
        sock.sendall(batch)
        received, expected = 0, PIPELINED * (4 + 8 + 2 + 2)  # each reply: "1\n" body
        while received < expected:
            chunk = sock.recv(1 << 16)
            if not chunk:
                break
            received += len(chunk)
        return PIPELINED / (time.perf_counter() - began)


def test_save_and_load(emulator, perf_figures) -> None:
    server = emulator("--start-server-load-scenario", "lab")
    with server.connect() as client:
        client.send_command(
            "/sc for i = 1, 500 do local e = game.surfaces[1].create_entity{name='iron-chest', position={i, 0}, force='player'}"
            " e.get_inventory(1).insert{name='iron-plate', count=100} end storage.big = {} for i = 1, 5000 do storage.big[i] = {i, 'x'} end"
        )
        for round_ in range(5):
            began = time.perf_counter()
            client.send_command(f"/save bench{round_}")
            perf_figures.record("/save (500 chests, 5k storage rows)", time.perf_counter() - began)
    server.stop()
    for _ in range(3):
        began = time.perf_counter()
        loaded = emulator("--start-server-load-latest")
        perf_figures.record("start -> RCON line (load latest, same world)", time.perf_counter() - began)
        line = loaded.wait_for(re.compile(r"Loading map"))
        assert "bench" in line
        loaded.stop()
