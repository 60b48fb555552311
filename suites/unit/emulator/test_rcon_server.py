"""RconServer against the real client (factorio-rcon-py 1.2.1 and 2.x) and raw sockets.

The server runs in a thread with its own event loop, as the emulator runs it, so
blocking clients can be used from the test thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

import factorio_rcon
import pytest

from fle_testkit.emulator.rcon.codec import (
    AUTH,
    AUTH_RESPONSE,
    EXECCOMMAND,
    MAX_PACKET_SIZE,
    RESPONSE_VALUE,
    Packet,
    RconError,
    encode_packet,
)
from fle_testkit.emulator.rcon.server import RconServer

PASSWORD = "s3cret-é"
TIMEOUT = 10.0  # guards against hangs only; no test asserts on time


def echo_handler(calls: list[str]):
    """A stand-in for the console: a few verbs that make replies of any shape."""

    def handle(text: str) -> str | None:
        calls.append(text)
        verb, _, arg = text.partition(" ")
        if verb == "echo":
            return arg
        if verb == "repeat":
            return "y" * int(arg)
        if verb == "length":
            return str(len(arg))
        if verb == "silent":
            return None
        if verb == "crash":
            raise ValueError("handler bug")
        return ""

    return handle


class ServerThread:
    """An RconServer serving from a background thread's event loop."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.log_lines: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._server = RconServer("127.0.0.1", 0, PASSWORD, echo_handler(self.calls), self.log_lines.append)
        self._thread = threading.Thread(target=self._loop.run_forever, name="rcon-server", daemon=True)

    def __enter__(self) -> ServerThread:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._server.start(), self._loop).result(TIMEOUT)
        self.host, self.port = self._server.host, self._server.port
        return self

    def __exit__(self, *exc_info: object) -> None:
        asyncio.run_coroutine_threadsafe(self._server.close(), self._loop).result(TIMEOUT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(TIMEOUT)
        self._loop.close()

    def wait_for_log(self, fragment: str) -> str:
        """The first log line containing ``fragment``, waiting for the server thread to write it."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for line in list(self.log_lines):
                if fragment in line:
                    return line
            time.sleep(0.01)
        raise AssertionError(f"no log line contains {fragment!r}; log: {self.log_lines}")


@pytest.fixture
def server() -> Iterator[ServerThread]:
    with ServerThread() as running:
        yield running


# --- the one place that knows factorio-rcon-py versions apart ----------------------------
# The sync API is the same in 1.2.1 and 2.x. The async client of 1.2.1 is not a context
# manager (2.x's is), so this adapter connects and closes explicitly, which both accept.


def sync_client(server: ServerThread, password: str = PASSWORD) -> factorio_rcon.RCONClient:
    return factorio_rcon.RCONClient(server.host, server.port, password, timeout=TIMEOUT)


@contextlib.asynccontextmanager
async def async_client(server: ServerThread, password: str = PASSWORD) -> AsyncIterator[factorio_rcon.AsyncRCONClient]:
    client = factorio_rcon.AsyncRCONClient(server.host, server.port, password)
    await client.connect()
    try:
        yield client
    finally:
        await client.close()


# --- raw socket helpers -------------------------------------------------------------------


def raw_connect(server: ServerThread, *, authenticate: bool = True) -> socket.socket:
    sock = socket.create_connection((server.host, server.port), timeout=TIMEOUT)
    if authenticate:
        sock.sendall(encode_packet(0, AUTH, PASSWORD))
        assert read_packet(sock) == Packet(0, AUTH_RESPONSE, b"")
    return sock


def read_exactly(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError(f"connection closed after {len(data)} of {size} bytes")
        data += chunk
    return bytes(data)


def read_packet(sock: socket.socket) -> Packet:
    (size,) = struct.unpack("<i", read_exactly(sock, 4))
    rest = read_exactly(sock, size)
    packet_id, packet_type = struct.unpack_from("<ii", rest)
    assert rest.endswith(b"\x00\x00")
    return Packet(packet_id, packet_type, rest[8:-2])


def assert_closed_by_server(sock: socket.socket) -> None:
    assert sock.recv(1) == b"", "the server should have closed this connection"


# --- authentication -----------------------------------------------------------------------


@pytest.mark.rcon_client
def test_auth_and_command(server: ServerThread) -> None:
    client = sync_client(server)
    assert client.send_command("echo hello") == "hello"
    assert client.send_command("noop") is None  # empty reply body: the client's None
    client.close()
    assert server.log_lines[0].startswith(
        "Info RemoteCommandProcessor.cpp:245: New RCON connection from IP ADDR:({127.0.0.1:"
    )


@pytest.mark.rcon_client
def test_wrong_password_raises_invalid_password_and_server_keeps_serving(
    server: ServerThread,
) -> None:
    with pytest.raises(factorio_rcon.InvalidPassword):
        sync_client(server, password="wrong")
    server.wait_for_log("closed: wrong RCON password")
    client = sync_client(server)
    assert client.send_command("echo still here") == "still here"
    client.close()


def test_auth_reply_is_one_packet_with_the_id_echoed(server: ServerThread) -> None:
    with raw_connect(server, authenticate=False) as sock:
        sock.sendall(encode_packet(77, AUTH, PASSWORD) + encode_packet(78, EXECCOMMAND, "echo x"))
        assert read_packet(sock) == Packet(77, AUTH_RESPONSE, b"")
        assert read_packet(sock) == Packet(78, RESPONSE_VALUE, b"x")


def test_wrong_password_gets_id_minus_one_then_close(server: ServerThread) -> None:
    with raw_connect(server, authenticate=False) as sock:
        sock.sendall(encode_packet(5, AUTH, "nope"))
        assert read_packet(sock) == Packet(-1, AUTH_RESPONSE, b"")
        assert_closed_by_server(sock)


def test_command_before_auth_is_not_executed_and_closes(server: ServerThread) -> None:
    with raw_connect(server, authenticate=False) as sock:
        sock.sendall(encode_packet(1, EXECCOMMAND, "echo sneaky"))
        assert_closed_by_server(sock)
    assert server.calls == []
    server.wait_for_log("closed: command before authentication (not executed)")


# --- replies and requests -----------------------------------------------------------------


@pytest.mark.rcon_client
def test_500_kb_reply_is_one_packet_written_at_once(server: ServerThread, monkeypatch: pytest.MonkeyPatch) -> None:
    """factorio-rcon-py 1.2.1 stops reading when its buffer ends in two NULs: no split writes."""
    writes: list[int] = []
    real_write = asyncio.StreamWriter.write

    def counting_write(self: asyncio.StreamWriter, data: bytes) -> None:
        writes.append(len(data))
        real_write(self, data)

    monkeypatch.setattr(asyncio.StreamWriter, "write", counting_write)
    client = sync_client(server)
    assert client.send_command("repeat 500000") == "y" * 500_000
    client.close()
    assert writes == [14, 12 + 500_000 + 2]  # the auth reply, then the whole reply in one write


def test_500_kb_reply_arrives_as_a_single_packet(server: ServerThread) -> None:
    with raw_connect(server) as sock:
        sock.sendall(encode_packet(3, EXECCOMMAND, "repeat 500000") + encode_packet(4, EXECCOMMAND, "echo next"))
        assert read_packet(sock) == Packet(3, RESPONSE_VALUE, b"y" * 500_000)
        assert read_packet(sock) == Packet(4, RESPONSE_VALUE, b"next")


@pytest.mark.rcon_client
def test_5_mb_request_is_accepted(server: ServerThread) -> None:
    client = sync_client(server)
    assert client.send_command("length " + "z" * 5_000_000) == "5000000"
    client.close()


def test_pipelined_requests_are_answered_in_order(server: ServerThread) -> None:
    with raw_connect(server) as sock:
        sock.sendall(b"".join(encode_packet(i, EXECCOMMAND, f"echo {i}") for i in (10, 11, 12)))
        assert [read_packet(sock) for _ in range(3)] == [
            Packet(i, RESPONSE_VALUE, str(i).encode()) for i in (10, 11, 12)
        ]


def test_empty_command_gets_no_reply(server: ServerThread) -> None:
    """Replies come in order, so if the first reply is the second command's, the first had none."""
    with raw_connect(server) as sock:
        sock.sendall(encode_packet(20, EXECCOMMAND, ""))
        sock.sendall(encode_packet(21, EXECCOMMAND, "echo after"))
        assert read_packet(sock) == Packet(21, RESPONSE_VALUE, b"after")
    assert server.calls == ["echo after"]


def test_handler_returning_none_sends_no_reply(server: ServerThread) -> None:
    with raw_connect(server) as sock:
        sock.sendall(encode_packet(30, EXECCOMMAND, "silent") + encode_packet(31, EXECCOMMAND, "echo b"))
        assert read_packet(sock) == Packet(31, RESPONSE_VALUE, b"b")


def test_unicode_round_trips(server: ServerThread) -> None:
    with raw_connect(server) as sock:
        sock.sendall(encode_packet(40, EXECCOMMAND, "echo Grüße 🙂 €"))
        assert read_packet(sock).body.decode("utf-8") == "Grüße 🙂 €"


def test_invalid_utf8_is_replaced_and_the_connection_kept(server: ServerThread) -> None:
    with raw_connect(server) as sock:
        sock.sendall(encode_packet(41, EXECCOMMAND, b"echo a\xffb"))
        assert read_packet(sock) == Packet(41, RESPONSE_VALUE, "a\ufffdb".encode())
    server.wait_for_log("is not valid UTF-8")


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("garbage", "logged"),
    [
        (struct.pack("<i", -5), "size field -5 is below the minimum of 10"),
        (struct.pack("<i", 3), "size field 3 is below the minimum of 10"),
        (
            struct.pack("<i", MAX_PACKET_SIZE + 1),
            f"size field {MAX_PACKET_SIZE + 1} exceeds the limit",
        ),
        (
            struct.pack("<iii", 12, 9, EXECCOMMAND) + b"ab!!",
            "packet id 9 does not end with two NUL bytes",
        ),
    ],
)
@pytest.mark.rcon_client
def test_malformed_packet_closes_only_that_connection(server: ServerThread, garbage: bytes, logged: str) -> None:
    bystander = sync_client(server)
    with raw_connect(server) as sock:
        sock.sendall(garbage)
        assert_closed_by_server(sock)
    line = server.wait_for_log(logged)
    assert "127.0.0.1:" in line and "malformed packet" in line
    assert bystander.send_command("echo alive") == "alive"
    bystander.close()


def test_commands_before_a_malformed_packet_are_still_answered(server: ServerThread) -> None:
    with raw_connect(server) as sock:
        sock.sendall(encode_packet(50, EXECCOMMAND, "echo first") + struct.pack("<i", -1))
        assert read_packet(sock) == Packet(50, RESPONSE_VALUE, b"first")
        assert_closed_by_server(sock)


def test_handler_error_closes_the_connection_and_is_logged(server: ServerThread) -> None:
    with raw_connect(server) as sock:
        sock.sendall(encode_packet(60, EXECCOMMAND, "crash"))
        assert_closed_by_server(sock)
    assert "ValueError: handler bug" in server.wait_for_log("failed:")
    with raw_connect(server) as sock:
        sock.sendall(encode_packet(61, EXECCOMMAND, "echo ok"))
        assert read_packet(sock) == Packet(61, RESPONSE_VALUE, b"ok")


def test_disconnect_mid_packet_is_logged(server: ServerThread) -> None:
    with raw_connect(server) as sock:
        sock.sendall(encode_packet(70, EXECCOMMAND, "echo cut")[:9])
    server.wait_for_log("peer closed in the middle of a packet (9 bytes unread)")


# --- many clients -------------------------------------------------------------------------


@pytest.mark.rcon_client
def test_20_concurrent_sync_clients(server: ServerThread) -> None:
    def session(n: int) -> dict[str, str | None]:
        client = sync_client(server)
        try:
            return client.send_commands({f"{n}-{i}": f"echo {n}/{i}" for i in range(5)})
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(session, range(20)))
    assert results == [{f"{n}-{i}": f"{n}/{i}" for i in range(5)} for n in range(20)]


@pytest.mark.rcon_client
async def test_20_concurrent_async_clients(server: ServerThread) -> None:
    async def session(n: int) -> list[str | None]:
        async with async_client(server) as client:
            return [await client.send_command(f"echo {n}/{i}") for i in range(3)]

    results = await asyncio.gather(*(session(n) for n in range(20)))
    assert results == [[f"{n}/{i}" for i in range(3)] for n in range(20)]


@pytest.mark.rcon_client
async def test_async_client_wrong_password(server: ServerThread) -> None:
    with pytest.raises(factorio_rcon.InvalidPassword):
        async with async_client(server, password="wrong"):
            pass


# --- lifecycle ----------------------------------------------------------------------------


def test_close_drops_open_connections() -> None:
    with ServerThread() as running:
        sock = raw_connect(running)
    with sock:
        assert_closed_by_server(sock)


def test_port_before_start_is_a_clear_error() -> None:
    unstarted = RconServer("127.0.0.1", 0, PASSWORD, echo_handler([]), print)
    with pytest.raises(RconError, match=r"not listening \(call start\(\) first\)"):
        _ = unstarted.port
