"""RCON limits against a real emulator process (issue 9): nobody without the
password can exhaust the server, client-caused log lines are rate-limited, and
no Python or host text reaches a client.

No test asserts on time: each waits (with a guard) for a behaviour, a reply or
a log line. Memory is asserted against a generous bound only; the figure itself
is reported by suites/perf/test_rcon_memory.py.
"""

from __future__ import annotations

import contextlib
import resource
import socket
import struct
import sys
import time
from collections.abc import Callable, Iterator

import psutil
import pytest
from emulator_process import PASSWORD, EmulatorProcess

from fle_testkit.emulator.rcon.codec import AUTH, EXECCOMMAND, encode_packet

LAB = ("--start-server-load-scenario", "lab")
GUARD = 10.0  # guards against hangs only
MIB = 1024 * 1024


def connect(server: EmulatorProcess) -> socket.socket:
    assert server.rcon_port is not None
    return socket.create_connection(("127.0.0.1", server.rcon_port), timeout=GUARD)


def authenticated(server: EmulatorProcess) -> socket.socket:
    sock = connect(server)
    sock.sendall(encode_packet(1, AUTH, PASSWORD))
    assert read_packet(sock)[0] == 1
    return sock


def read_packet(sock: socket.socket) -> tuple[int, int, bytes]:
    """One packet, read exactly (a pipelined reply after it stays in the socket)."""
    (size,) = struct.unpack("<i", recv_exactly(sock, 4))
    packet_id, packet_type = struct.unpack("<ii", recv_exactly(sock, 8))
    return packet_id, packet_type, recv_exactly(sock, size - 8)[:-2]


def recv_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        assert chunk, "the server closed the connection"
        data += chunk
    return data


def closed_by_server(sock: socket.socket) -> bool:
    """True once the server has closed ``sock`` (EOF or reset) within the guard."""
    try:
        while chunk := sock.recv(65536):
            del chunk
    except ConnectionResetError:
        pass
    except TimeoutError:
        return False
    return True


def answers(server: EmulatorProcess) -> bool:
    with server.connect() as client:
        return client.send_command("/sc rcon.print(6 * 7)").strip() == "42"


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + GUARD
    while not condition():
        assert time.monotonic() < deadline, "condition not met within the guard"
        time.sleep(0.01)


def count(server: EmulatorProcess, fragment: str) -> int:
    return sum(fragment in line for line in server.lines)


@contextlib.contextmanager
def sockets(server: EmulatorProcess, n: int) -> Iterator[list[socket.socket]]:
    opened = [connect(server) for _ in range(n)]
    try:
        yield opened
    finally:
        for sock in opened:
            sock.close()


@pytest.fixture(scope="module")
def server(module_emulator) -> EmulatorProcess:
    return module_emulator(*LAB)


# --- memory before authentication --------------------------------------------------------


def test_an_oversized_packet_before_auth_closes_the_connection(server: EmulatorProcess) -> None:
    with connect(server) as sock:
        sock.sendall(struct.pack("<iii", 16 * MIB, 1, AUTH) + b"x" * 1000)
        assert closed_by_server(sock)
    server.wait_for(r"closed: malformed packet: size field 16777216 exceeds the limit of 4096 bytes")
    assert answers(server)


def test_after_auth_large_requests_are_still_accepted(server: EmulatorProcess) -> None:
    with authenticated(server) as sock:
        body = "/sc rcon.print(#'" + "x" * (3 * MIB) + "')"
        sock.sendall(encode_packet(7, EXECCOMMAND, body))
        assert read_packet(sock) == (7, 0, b"3145728\n")


def test_auth_pipelined_with_a_large_command_in_one_write(server: EmulatorProcess) -> None:
    with connect(server) as sock:
        body = "/sc rcon.print(#'" + "y" * 100_000 + "')"
        sock.sendall(encode_packet(1, AUTH, PASSWORD) + encode_packet(2, EXECCOMMAND, body))
        assert read_packet(sock)[0] == 1
        assert read_packet(sock) == (2, 0, b"100000\n")


def test_half_sent_packets_before_auth_hold_no_memory(server: EmulatorProcess) -> None:
    process = psutil.Process(server.process.pid)  # type: ignore[union-attr]
    idle = process.memory_info().rss
    with sockets(server, 16) as opened:
        for sock in opened:
            # On main each of these made the server buffer up to 16 MiB.
            sock.sendall(struct.pack("<iii", 16 * MIB, 1, AUTH) + b"z" * (64 * 1024))
        assert all(closed_by_server(sock) for sock in opened)
        grown = process.memory_info().rss - idle
    # Generous: on main 16 such sockets (sending 16 MiB each) grew RSS by ~270 MB.
    assert grown < 50 * MIB
    assert answers(server)


# --- connections -------------------------------------------------------------------------


def test_connection_cap(module_emulator) -> None:
    server = module_emulator(*LAB, extra=("--rcon-max-connections", "3"))
    with sockets(server, 3) as held:
        wait_until(lambda: count(server, "New RCON connection") >= 3)
        with connect(server) as extra:
            assert closed_by_server(extra)
        server.wait_for(r"refused: 3 connections open \(the limit\)")
        held[0].close()
        server.wait_for(r"closed: peer closed the connection")
        assert answers(server)


def test_an_idle_unauthenticated_connection_is_closed(module_emulator) -> None:
    server = module_emulator(*LAB, extra=("--rcon-auth-timeout", "0.3"))
    with connect(server) as idle, authenticated(server) as logged_in:
        assert closed_by_server(idle)
        server.wait_for(r"closed: no authentication within 0.3 s")
        # An authenticated connection has no idle limit.
        logged_in.sendall(encode_packet(5, EXECCOMMAND, "/sc rcon.print('still here')"))
        assert read_packet(logged_in) == (5, 0, b"still here\n")


def test_a_flood_of_bad_packets_is_rate_limited_in_the_log(module_emulator) -> None:
    server = module_emulator(*LAB)
    floods = 200
    for _ in range(floods):
        with connect(server) as sock:
            sock.sendall(struct.pack("<i", -1))
            closed_by_server(sock)
    server.wait_for(r"more lines like 'malformed packet' suppressed")
    assert count(server, "malformed packet: size field -1") < floods
    assert count(server, "Traceback") == 0
    assert answers(server)


# --- file descriptors --------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(resource, "prlimit"), reason="needs resource.prlimit (Linux)")
def test_out_of_file_descriptors_pauses_accepting_and_recovers(module_emulator) -> None:
    server = module_emulator(*LAB, extra=("--rcon-max-connections", "1000"))
    pid = server.process.pid  # type: ignore[union-attr]
    in_use = psutil.Process(pid).num_fds()
    soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (in_use + 4, hard))
    try:
        with sockets(server, 40):
            server.wait_for(r"RCON: cannot accept connections: Too many open files; retrying")
        assert count(server, "Traceback") == 0
        assert count(server, "cannot accept connections") <= 12  # rate-limited, not one per retry and socket
    finally:
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
    assert answers(server)


# --- no leaked text ----------------------------------------------------------------------

LEAKY_INPUTS = [
    b"/c require(string.rep('a', 300))",
    b"/c require(string.rep('a/', 3000))",
    b"/c require('a\\0b')",
    b"/c helpers.write_file(string.rep('a', 300), 'x')",
    b"/c helpers.write_file('a\\0b', 'x')",
    b"/c helpers.write_file('d/' .. string.rep('a', 300) .. '/x', 'x')",
    b"/c rcon.print(helpers.json_to_table('\xff'))",
    b"/c rcon.print('\xff\xfe')",
    b"/c error('\xff')",
    b"/c \xff\xfe",
    b"/save a\x00b",
    b"/save " + "\u00e9".encode() * 200,
    b"/c local ok, e = pcall(require, string.rep('b', 300)); rcon.print(e)",
]


def test_no_python_or_host_text_reaches_a_client(server: EmulatorProcess) -> None:
    forbidden = ["Errno", "codec", "/site-packages/", str(server.write_data), sys.prefix, "Traceback"]
    with authenticated(server) as sock:
        for number, body in enumerate(LEAKY_INPUTS, start=10):
            sock.sendall(encode_packet(number, EXECCOMMAND, body))
            packet_id, _, reply = read_packet(sock)
            assert packet_id == number
            text = reply.decode("utf-8", "replace")
            assert not [word for word in forbidden if word in text], (body, text)
    assert answers(server)


def test_the_game_port_binds_on_loopback(server: EmulatorProcess) -> None:
    server.wait_for(r"Hosting game at IP ADDR:\(\{127\.0\.0\.1:\d+\}\)")
    udp = [c for c in psutil.Process(server.process.pid).net_connections("udp")]  # type: ignore[union-attr]
    assert udp and {c.laddr.ip for c in udp} == {"127.0.0.1"}
