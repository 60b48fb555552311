"""FactorioClient and AsyncFactorioClient against the emulator process and stand-in sockets.

The timeout tests use a socket that accepts and then stays silent: an emulator
stuck in a Lua loop would never come back.
"""

from __future__ import annotations

import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from emulator_process import PASSWORD, EmulatorProcess
from lupa import lua52

from fle_testkit.client import AsyncFactorioClient, FactorioClient, Result, lua_string
from fle_testkit.errors import (
    LuaError,
    RconAuthError,
    RconConnectionError,
    RconError,
    RconTimeoutError,
)

# Every test here but the first few goes through factorio-rcon-py, the timeout
# tests included (they rely on how each version reports a socket timeout), so
# the whole module runs once per supported version.
pytestmark = pytest.mark.rcon_client

HOST = "127.0.0.1"
GUARD = 20.0  # guards against hangs only; no test asserts on time
LAB = ("--start-server-load-scenario", "lab")
NEW_CONNECTION = "New RCON connection from"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class SilentServer:
    """A TCP listener that accepts RCON connections and then never replies.

    With ``answer_auth`` it accepts the password first, so that the silence
    falls on the commands.
    """

    def __init__(self, *, answer_auth: bool) -> None:
        self.answer_auth = answer_auth
        self.accepted = 0
        self._listener = socket.socket()
        self._listener.bind((HOST, 0))
        self._listener.listen()
        self._listener.settimeout(0.05)
        self.port = int(self._listener.getsockname()[1])
        self._open: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            self._open.append(conn)
            if self.answer_auth:
                conn.settimeout(GUARD)
                (size,) = struct.unpack("<i", self._read(conn, 4))
                (packet_id,) = struct.unpack("<i", self._read(conn, size)[:4])
                conn.sendall(struct.pack("<iii", 10, packet_id, 2) + b"\x00\x00")

    @staticmethod
    def _read(conn: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            data += conn.recv(size - len(data))
        return data

    def close(self) -> None:
        self._stop.set()
        self._thread.join(GUARD)
        for conn in self._open:
            conn.close()
        self._listener.close()


@pytest.fixture
def silent_server() -> Iterator[Callable[..., SilentServer]]:
    servers: list[SilentServer] = []

    def make(*, answer_auth: bool) -> SilentServer:
        servers.append(SilentServer(answer_auth=answer_auth))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


@pytest.fixture(scope="module")
def lab(module_emulator: Callable[..., EmulatorProcess]) -> EmulatorProcess:
    """One emulator for the tests that only send commands."""
    return module_emulator(*LAB)


@pytest.fixture
def client(lab: EmulatorProcess) -> Iterator[FactorioClient]:
    assert lab.rcon_port is not None
    with FactorioClient(HOST, lab.rcon_port, PASSWORD, connect_timeout=GUARD, command_timeout=GUARD) as c:
        yield c


def connections_logged(server: EmulatorProcess) -> int:
    return sum(NEW_CONNECTION in line for line in server.lines)


# --- without a server ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "plain", "]]", "]==]", 'say "hi"', "it's", "back\\slash", "a\nb\r\nc\rd\te", "nul\x00byte", "\x01\x7f"]
    + ["é ü 工厂"],
)
def test_lua_string_reads_back_exactly(text: str) -> None:
    lua = lua52.LuaRuntime(encoding=None)
    assert lua.eval(lua_string(text).encode()) == text.encode()


def test_result_read_before_its_transaction_ran_says_so() -> None:
    pending = Result(3, "return 1")
    assert not pending.done
    assert repr(pending) == "Result(3, pending)"
    with pytest.raises(RconError, match=r"snippet 3 \('return 1'\) has not run yet.*`with` block ends"):
        _ = pending.result


def test_repr_names_host_and_port() -> None:
    assert repr(FactorioClient(HOST, 27015, "pw")) == "FactorioClient('127.0.0.1:27015', not connected)"


def test_connect_timeout_names_address_wait_attempts_and_last_error() -> None:
    port = free_port()  # nothing listens there
    client = FactorioClient(HOST, port, PASSWORD, connect_timeout=0.2)
    with pytest.raises(RconTimeoutError) as caught:
        client.connect()
    message = str(caught.value)
    assert re.search(rf"no RCON answer from 127\.0\.0\.1:{port} after \d+\.\d\ds and \d+ attempts", message)
    assert "connect_timeout=0.2s" in message
    assert "last error: RCON connection to" in message and "Connection refused" in message
    assert f"--rcon-port {port}" in message
    assert isinstance(caught.value, TimeoutError)
    assert not client.connected


def test_connect_to_a_server_that_never_answers_auth_times_out(silent_server: Callable[..., SilentServer]) -> None:
    server = silent_server(answer_auth=False)
    client = FactorioClient(HOST, server.port, PASSWORD, connect_timeout=0.3, command_timeout=0.1)
    with pytest.raises(RconTimeoutError, match=r"last error: no RCON reply from .* within [\d.]+s while connecting"):
        client.connect()
    assert server.accepted >= 2  # each attempt was bounded, so it tried again


def test_command_timeout_closes_the_connection_and_the_next_command_reconnects(
    silent_server: Callable[..., SilentServer],
) -> None:
    server = silent_server(answer_auth=True)
    with FactorioClient(HOST, server.port, PASSWORD, command_timeout=0.1) as client:
        with pytest.raises(RconTimeoutError) as caught:
            client.send("/sc rcon.print(1)")
        assert str(caught.value).startswith(
            f"no RCON reply from 127.0.0.1:{server.port} within 0.1s while running '/sc rcon.print(1)'; "
            "the connection was closed"
        )
        assert not client.connected
        with pytest.raises(RconTimeoutError, match="within 0.05s"):
            client.send("/version", timeout=0.05)
    assert server.accepted == 2


async def test_async_command_timeout_closes_the_connection(silent_server: Callable[..., SilentServer]) -> None:
    server = silent_server(answer_auth=True)
    async with AsyncFactorioClient(HOST, server.port, PASSWORD, command_timeout=0.1) as client:
        with pytest.raises(RconTimeoutError, match=rf"127\.0\.0\.1:{server.port} within 0\.1s while running"):
            await client.lua("rcon.print(1)")
        assert not client.connected


# --- against the emulator ------------------------------------------------------------


def test_connect_waits_for_a_server_that_starts_later(emulator: Callable[..., EmulatorProcess]) -> None:
    port = free_port()
    client = FactorioClient(HOST, port, PASSWORD, connect_timeout=GUARD)
    with ThreadPoolExecutor(1) as pool:
        connecting = pool.submit(client.connect)
        server = emulator(*LAB, extra=("--rcon-port", str(port)))
        assert connecting.result(GUARD) is client
    with client:
        assert client.eval("game.tick >= 0") is True
    server.wait_for("New RCON connection")  # the log is read on another thread
    assert connections_logged(server) == 1


def test_wrong_password_fails_at_once_without_retrying(lab: EmulatorProcess) -> None:
    before = connections_logged(lab)
    client = FactorioClient(HOST, lab.rcon_port or 0, "wrong", connect_timeout=GUARD)
    with pytest.raises(RconAuthError) as caught:
        client.connect()
    assert str(caught.value) == (
        f"the RCON server at 127.0.0.1:{lab.rcon_port} refused the password; "
        "pass the password the server was started with (--rcon-password)"
    )
    assert isinstance(caught.value, PermissionError)
    # One refused attempt, then this client's: no retries in between.
    with FactorioClient(HOST, lab.rcon_port or 0, PASSWORD) as good:
        good.send("/time")
    deadline = time.monotonic() + GUARD
    while connections_logged(lab) < before + 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert connections_logged(lab) == before + 2


def test_send_returns_the_reply_and_empty_for_none(client: FactorioClient) -> None:
    assert client.send("/sc rcon.print('a') rcon.print('b')") == "a\nb"
    assert client.send("/sc local x = 1") == ""


def test_lua_error_raises_lua_error_with_factorios_message(client: FactorioClient) -> None:
    with pytest.raises(LuaError) as caught:
        client.lua("error('boom')")
    assert caught.value.message == "[string \"error('boom')\"]:1: boom"
    assert str(caught.value) == caught.value.message
    assert caught.value.command == "error('boom')"
    assert caught.value.index is None
    assert client.lua("rcon.print('still here')") == "still here"


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("1 + 1", 2),
        ("1.5", 1.5),
        ("-3", -3),
        ("'text with \"quotes\"'", 'text with "quotes"'),
        ("true", True),
        ("nil", None),
        ("{}", {}),
        ("{1, 2, 'three'}", [1, 2, "three"]),
        ("{a = 1, b = {c = false}}", {"a": 1, "b": {"c": False}}),
        ("game.tick -- a trailing comment", 0),
    ],
)
def test_eval_decodes_numbers_strings_tables_and_nil(client: FactorioClient, expr: str, value: object) -> None:
    if expr.startswith("game.tick"):
        assert isinstance(client.eval(expr), int)
    else:
        assert client.eval(expr) == value


def test_eval_of_a_value_without_json_form_raises_lua_error(client: FactorioClient) -> None:
    with pytest.raises(LuaError, match="Cannot convert a value of type function to JSON"):
        client.eval("function() end")


def test_transaction_keeps_results_around_a_failing_snippet(client: FactorioClient) -> None:
    with client.transaction() as tx:
        a = tx.lua("storage.tx_counter = 1 return storage.tx_counter")
        b = tx.lua("error('in the middle')")
        c = tx.lua("storage.tx_counter = storage.tx_counter + 1 return {n = storage.tx_counter}")
        assert not a.done
    assert a.result == 1 and a.error is None and a.ok
    assert c.result == {"n": 2}
    assert isinstance(b.error, LuaError)
    assert b.error.index == 1
    assert b.error.message == "[string \"error('in the middle')\"]:1: in the middle"
    assert b.error.command == "error('in the middle')"
    assert not b.ok
    with pytest.raises(LuaError, match="in the middle"):
        _ = b.result
    assert tx.results == [a, b, c]


def test_batch_reports_syntax_errors_and_unencodable_results_by_index(client: FactorioClient) -> None:
    results = client.batch(["return 1", "this is not lua", "return function() end", "rcon.print('noise') return 'x'"])
    assert [r.index for r in results] == [0, 1, 2, 3]
    assert results[0].result == 1
    assert results[1].error is not None and results[1].error.index == 1
    assert "syntax error" in results[1].error.message
    assert results[2].error is not None
    assert results[2].error.message == "the result has no JSON form: Cannot convert a value of type function to JSON"
    assert results[3].result == "x"
    assert client.batch([]) == []


def test_a_transaction_whose_block_raises_sends_nothing(client: FactorioClient) -> None:
    client.lua("storage.untouched = true")
    with pytest.raises(ZeroDivisionError):
        with client.transaction() as tx:
            tx.lua("storage.untouched = false")
            raise ZeroDivisionError
    assert client.eval("storage.untouched") is True


def test_snippet_with_brackets_quotes_and_newlines_arrives_intact(client: FactorioClient) -> None:
    code = (
        'local a = "say \\"hi\\"" -- ]] ]=] ]==] \'\n'
        "local b = [[x]] .. [==[]]]==]\r\n"
        "\n"
        "return a .. '\\n' .. b .. \"\\\\\""
    )
    (result,) = client.batch([code])
    assert result.result == 'say "hi"\nx]]\\'


def test_concurrent_threads_share_one_client(client: FactorioClient) -> None:
    with ThreadPoolExecutor(8) as pool:
        values = list(pool.map(lambda n: client.eval(f"{n} * 2"), range(64)))
    assert values == [n * 2 for n in range(64)]


def test_reconnects_once_after_the_server_restarts_on_the_same_port(
    emulator: Callable[..., EmulatorProcess],
) -> None:
    port = free_port()
    first = emulator(*LAB, extra=("--rcon-port", str(port)))
    with FactorioClient(HOST, port, PASSWORD, connect_timeout=GUARD, command_timeout=GUARD) as client:
        client.lua("storage.marker = 42")
        client.send("/save pristine")
        first.stop()
        emulator("--start-server-load-latest", extra=("--rcon-port", str(port)))
        assert client.connected  # still holding the dead connection
        assert client.eval("storage.marker") == 42


def test_a_command_after_the_server_is_gone_raises_connection_error(
    emulator: Callable[..., EmulatorProcess],
) -> None:
    server = emulator(*LAB)
    port = server.rcon_port or 0
    with FactorioClient(HOST, port, PASSWORD, command_timeout=GUARD) as client:
        server.stop()
        with pytest.raises(RconConnectionError) as caught:
            client.send("/time")
    message = str(caught.value)
    assert message.startswith(f"lost the RCON connection to 127.0.0.1:{port} while running '/time'")
    assert "reconnected once to retry, which failed too" in message and "Connection refused" in message
    assert isinstance(caught.value.__cause__, RconConnectionError)


async def test_async_client_does_what_the_sync_one_does(emulator: Callable[..., EmulatorProcess]) -> None:
    port = free_port()
    first = emulator(*LAB, extra=("--rcon-port", str(port)))
    client = AsyncFactorioClient(HOST, port, PASSWORD, connect_timeout=GUARD, command_timeout=GUARD)
    async with client:
        assert repr(client) == f"AsyncFactorioClient('127.0.0.1:{port}', connected)"
        assert await client.send("/sc rcon.print('hi')") == "hi"
        assert await client.eval("{1, {a = 'b'}}") == [1, {"a": "b"}]
        assert await client.eval("nil") is None
        with pytest.raises(LuaError, match="boom"):
            await client.lua("error('boom')")
        async with client.transaction() as tx:
            a = tx.lua("storage.marker = 7 return storage.marker")
            b = tx.lua("error('x')")
        assert a.result == 7
        assert b.error is not None and b.error.index == 1
        assert [r.result for r in await client.batch(["return 'p'", "return 2"])] == ["p", 2]
        await client.send("/save pristine")
        first.stop()
        emulator("--start-server-load-latest", extra=("--rcon-port", str(port)))
        assert await client.eval("storage.marker") == 7
    assert not client.connected


async def test_async_wrong_password_raises_auth_error(lab: EmulatorProcess) -> None:
    client = AsyncFactorioClient(HOST, lab.rcon_port or 0, "wrong", connect_timeout=GUARD)
    with pytest.raises(RconAuthError, match="refused the password"):
        await client.connect()
