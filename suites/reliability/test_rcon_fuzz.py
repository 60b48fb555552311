"""Fuzzing RCON byte streams (issue 9): the codec never fails other than with
MalformedPacket, and a live server survives any stream and still answers the
next good client.

Bounded: ~10,000 cases at the codec level (pure Python, well under a minute),
a few dozen against the live server (each opens a socket).
"""

from __future__ import annotations

import socket
import struct

import pytest
from emulator_process import PASSWORD, EmulatorProcess
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fle_testkit.emulator.rcon.codec import AUTH, MalformedPacket, PacketDecoder, encode_packet

LAB = ("--start-server-load-scenario", "lab")
SMALL_LIMIT = 4096

# Streams that look like RCON often enough to reach every branch: real packets,
# headers with chosen size fields, and raw noise, cut into arbitrary pieces.
int32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)
sizes = st.one_of(st.integers(-20, 40), st.integers(SMALL_LIMIT - 2, SMALL_LIMIT + 2), int32)
packets = st.builds(encode_packet, int32, st.sampled_from([0, 2, 3, 7]), st.binary(max_size=64))
headers = st.builds(lambda size, rest: struct.pack("<i", size) + rest, sizes, st.binary(max_size=32))
pieces = st.lists(st.one_of(packets, headers, st.binary(max_size=32)), max_size=4)


@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces, st.lists(st.integers(1, 64), min_size=1, max_size=3))
def test_codec_never_fails_unexpectedly(parts: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(parts)
    decoder = PacketDecoder(SMALL_LIMIT)
    offset, index = 0, 0
    try:
        while offset < len(stream):
            size = cuts[index % len(cuts)]
            for packet in decoder.feed(stream[offset : offset + size]):
                assert len(packet.body) <= SMALL_LIMIT - 10
            offset, index = offset + size, index + 1
    except MalformedPacket:
        with pytest.raises(MalformedPacket):
            decoder.feed(b"")  # a failed stream stays failed
    assert decoder.buffered <= len(stream)


@settings(max_examples=300, deadline=None)
@given(st.lists(packets, max_size=6), st.lists(st.integers(1, 50), min_size=1, max_size=6))
def test_valid_packets_survive_any_split(stream_packets: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(stream_packets)
    decoder = PacketDecoder()
    got, offset, index = [], 0, 0
    while offset < len(stream):
        got += decoder.feed(stream[offset : offset + cuts[index % len(cuts)]])
        offset, index = offset + cuts[index % len(cuts)], index + 1
    assert [encode_packet(p.id, p.type, p.body) for p in got] == stream_packets
    assert decoder.buffered == 0


@pytest.fixture(scope="module")
def server(module_emulator) -> EmulatorProcess:
    return module_emulator(*LAB, extra=("--rcon-auth-timeout", "2"))


def send_and_close(server: EmulatorProcess, data: bytes, login: bool) -> None:
    assert server.rcon_port is not None
    with socket.create_connection(("127.0.0.1", server.rcon_port), timeout=10) as sock:
        sock.settimeout(0.05)
        try:
            if login:
                sock.sendall(encode_packet(1, AUTH, PASSWORD))
            sock.sendall(data)
            sock.recv(65536)  # whatever comes (or nothing) is fine
        except OSError:
            pass


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces, st.booleans())
def test_live_server_survives_any_stream(server: EmulatorProcess, parts: list[bytes], login: bool) -> None:
    # Commands of the stream run as console text; keep them harmless.
    data = b"".join(parts).replace(b"/quit", b"/qxit")
    send_and_close(server, data, login)
    assert server.process is not None and server.process.poll() is None
    with server.connect() as client:
        assert client.send_command("/sc rcon.print('ok')").strip() == "ok"


def test_live_server_never_logged_a_traceback(server: EmulatorProcess) -> None:
    assert not [line for line in server.lines if "Traceback" in line]
