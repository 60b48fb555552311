"""One RCON connection to a Factorio server: ``FactorioClient`` and ``AsyncFactorioClient``.

Every other piece talks to a server through this module, so that connecting
while a server is still starting, telling a Lua error from a broken connection,
and batching many snippets into one round trip are solved once. It relies only
on the RCON contract in DESIGN.md, so the same code drives real Factorio 2.0
and the emulator.

Both clients are built on factorio-rcon-py; the section "factorio-rcon-py"
below is the only code that touches it, and works with 1.2.1 (FLE's pin) and
2.x unchanged.

Why a native async client rather than the sync one in a thread: a `Cluster`
drives n servers from one event loop, and a thread per server would need a
thread per in-flight command; anyio's cancellation also lets a timed-out command
be abandoned without leaving a thread blocked in ``recv``. The lib's
``AsyncRCONClient`` has the same constructor, ``connect()`` and
``send_command()`` in 1.2.1 and 2.x, so nothing version-specific leaks in.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Iterator, Sequence
from typing import Any

import anyio
import factorio_rcon

from fle_testkit.errors import (
    LuaError,
    RconAuthError,
    RconConnectionError,
    RconError,
    RconTimeoutError,
)
from fle_testkit.readiness import Attempts, Backoff, Deadline, poll, poll_async

__all__ = ["AsyncFactorioClient", "FactorioClient", "Result", "Transaction", "lua_string"]

#: How Factorio prefixes the reply to a Lua command that raised an error.
LUA_ERROR_PREFIX = "Cannot execute command. Error: "

# A local server answers within milliseconds of opening its port.
CONNECT_BACKOFF = Backoff(first=0.01, cap=0.2)


# --- factorio-rcon-py --------------------------------------------------------------
#
# The one place that knows the library. 1.2.1 and 2.x agree on everything used
# here: RCONClient(host, port, password, timeout=, connect_on_init=),
# AsyncRCONClient(host, port, password) + `await connect()`, send_command()
# returning the body with trailing whitespace stripped or None for an empty one,
# close(), the exception names, the socket in `rcon_socket`, and `raise ... from`
# the socket error (so a timeout shows in the cause chain). Where they differ,
# this code stays out of the way: 1.2.1 raises ClientBusy on overlapping calls
# (our lock prevents them), only 2.x's clients are context managers (unused), and
# after any error both want a fresh connect() (we make a new lib client instead).


def _cause_text(exc: BaseException) -> str:
    """The library's message followed by the OS error under it ("...: Connection refused")."""
    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(parts) < 4:
        text = str(seen) or type(seen).__name__
        if text not in parts:
            parts.append(text)
        seen = seen.__cause__
    return ": ".join(parts)


def _timed_out(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TimeoutError):  # socket.timeout is TimeoutError
            return True
        seen = seen.__cause__
    return False


def _translate(exc: factorio_rcon.RCONBaseError, where: str, doing: str, timeout: float) -> RconError:
    """The testkit error for a library error; the retry logic keys on its class."""
    if isinstance(exc, factorio_rcon.InvalidPassword):
        return RconAuthError(
            f"the RCON server at {where} refused the password; pass the password the server was "
            "started with (--rcon-password)"
        )
    if _timed_out(exc):
        return _timeout_error(where, doing, timeout)
    if isinstance(exc, factorio_rcon.RCONNetworkError):
        return RconConnectionError(f"RCON connection to {where} failed while {doing}: {_cause_text(exc)}")
    # InvalidResponse, 1.2.1's ClientBusy: the stream is out of step, not merely broken.
    return RconError(f"RCON server at {where} answered out of protocol while {doing}: {_cause_text(exc)}")


def _timeout_error(where: str, doing: str, timeout: float) -> RconTimeoutError:
    message = f"no RCON reply from {where} within {timeout:.3g}s while {doing}"
    if doing != "connecting":
        message += (
            "; the connection was closed, the next command reconnects. A server that is saving, "
            "stopped in a debugger or stuck in a Lua loop does not answer; pass a larger timeout= "
            "if the command is just slow"
        )
    return RconTimeoutError(message)


class _SyncLink:
    """One authenticated connection through the library's blocking ``RCONClient``."""

    def __init__(self, host: str, port: int, password: str, timeout: float) -> None:
        self.where = f"{host}:{port}"
        lib = factorio_rcon.RCONClient(host, port, password, timeout=timeout, connect_on_init=False)
        try:
            lib.connect()
        except factorio_rcon.RCONBaseError as exc:
            raise _translate(exc, self.where, "connecting", timeout) from exc
        self._lib = lib

    def send(self, command: str, timeout: float) -> str:
        # The library sets its timeout once per socket; set it per command instead.
        self._lib.rcon_socket.settimeout(timeout)
        try:
            reply = self._lib.send_command(command)
        except factorio_rcon.RCONBaseError as exc:
            raise _translate(exc, self.where, f"running {_describe(command)}", timeout) from exc
        return reply or ""

    def close(self) -> None:
        self._lib.close()


class _AsyncLink:
    """One authenticated connection through the library's ``AsyncRCONClient`` (anyio)."""

    def __init__(self, host: str, port: int, password: str) -> None:
        self.where = f"{host}:{port}"
        self._lib = factorio_rcon.AsyncRCONClient(host, port, password)

    @classmethod
    async def open(cls, host: str, port: int, password: str, timeout: float) -> _AsyncLink:
        link = cls(host, port, password)
        await link._call(link._lib.connect(), "connecting", timeout)
        return link

    async def send(self, command: str, timeout: float) -> str:
        reply = await self._call(self._lib.send_command(command), f"running {_describe(command)}", timeout)
        return reply or ""

    async def _call(self, step: Awaitable[Any], doing: str, timeout: float) -> Any:
        try:
            with anyio.fail_after(timeout):
                return await step
        except TimeoutError as exc:
            # The library has no timeout of its own: the cancelled call left the
            # stream mid-packet, so it must not be used again.
            await self.close()
            raise _timeout_error(self.where, doing, timeout) from exc
        except factorio_rcon.RCONBaseError as exc:
            raise _translate(exc, self.where, doing, timeout) from exc

    async def close(self) -> None:
        with anyio.CancelScope(shield=True):
            await self._lib.close()


# --- Lua commands: built and read the same way by both clients ----------------------

_LUA_ESCAPES = {
    ord("\\"): "\\\\",
    ord('"'): '\\"',
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
    **{c: f"\\{c:03d}" for c in [*range(32), 127] if chr(c) not in "\n\r\t"},
}


def lua_string(text: str) -> str:
    """``text`` as a Lua string literal that reads back exactly (quotes, ``]]``, newlines, NUL).

    A quoted literal with three-digit escapes, rather than a long bracket
    string: long brackets drop a leading newline and rewrite ``\\r\\n``, and a
    NUL would end the RCON packet's C string early.
    """
    return '"' + text.translate(_LUA_ESCAPES) + '"'


def _describe(command: str, limit: int = 80) -> str:
    if len(command) <= limit:
        return f"{command!r}"
    return f"{command[:limit]!r}... ({len(command)} chars)"


def _check_lua(reply: str, code: str) -> str:
    if reply.startswith(LUA_ERROR_PREFIX):
        raise LuaError(reply[len(LUA_ERROR_PREFIX) :], command=code)
    return reply


def _eval_command(expr: str) -> str:
    # `{v = x}` keeps nil (as an absent key) apart from JSON's null, and makes the
    # top level always an object. The newlines end a trailing `--` comment in expr.
    return f"rcon.print(helpers.table_to_json({{v = (\n{expr}\n)}}))"


def _decode_eval(reply: str, expr: str, where: str) -> Any:
    decoded = _last_json_line(reply, where, f"eval of {_describe(expr)}")
    if not isinstance(decoded, dict):
        raise RconError(f"eval of {_describe(expr)} on {where} answered {_describe(reply)}")
    return decoded.get("v")


def _last_json_line(reply: str, where: str, what: str) -> Any:
    # Whatever the code itself rcon.print()ed comes first; table_to_json never
    # writes a newline, so the last line is ours.
    line = reply.rpartition("\n")[2]
    try:
        return json.loads(line)
    except ValueError as exc:
        raise RconError(f"{what} on {where} did not answer with JSON: {_describe(reply)}") from exc


# Runs each snippet under pcall(load(...)) so one failure leaves the rest, and
# encodes each result on its own so one unencodable value (a function, say)
# costs only that snippet.
_BATCH_PRELUDE = """\
local function run(code)
  local f, err = load(code)
  if not f then return {e = tostring(err)} end
  local ok, v = pcall(f)
  if not ok then return {e = tostring(v)} end
  return {v = v}
end
local function encode(r)
  local ok, j = pcall(function() return helpers.table_to_json(r) end)
  if ok then return j end
  return helpers.table_to_json({e = "the result has no JSON form: " .. tostring(j)})
end
local out = {}
"""


def _batch_command(snippets: Sequence[str]) -> str:
    lines = [_BATCH_PRELUDE]
    lines += [f"out[{i}] = encode(run({lua_string(code)}))\n" for i, code in enumerate(snippets, 1)]
    lines.append('rcon.print("[" .. table.concat(out, ",") .. "]")')
    return "".join(lines)


class Result:
    """One snippet's outcome in a transaction, filled in when the transaction runs.

    ``result`` is the snippet's first return value decoded from JSON (numbers,
    strings, bools, lists, dicts; ``None`` for nil; an empty table is ``{}``);
    reading it re-raises the snippet's ``LuaError``. ``error`` is that error, or
    None: check it to handle failures without try/except.
    """

    __slots__ = ("index", "code", "_value", "_error", "_done")

    def __init__(self, index: int, code: str) -> None:
        self.index = index
        self.code = code
        self._value: Any = None
        self._error: LuaError | None = None
        self._done = False

    @property
    def done(self) -> bool:
        return self._done

    @property
    def ok(self) -> bool:
        return self._done and self._error is None

    @property
    def error(self) -> LuaError | None:
        self._require_done()
        return self._error

    @property
    def result(self) -> Any:
        self._require_done()
        if self._error is not None:
            raise self._error
        return self._value

    def _require_done(self) -> None:
        if not self._done:
            raise RconError(
                f"snippet {self.index} ({_describe(self.code)}) has not run yet: its transaction runs "
                "when the `with` block ends"
            )

    def _set(self, value: Any, error: LuaError | None) -> None:
        self._value, self._error, self._done = value, error, True

    def __repr__(self) -> str:
        if not self._done:
            state = "pending"
        elif self._error is not None:
            state = f"error={self._error.message!r}"
        else:
            state = f"result={self._value!r}"
        return f"Result({self.index}, {state})"


class Transaction:
    """Snippets collected in a ``with client.transaction()`` block, sent in one round trip."""

    def __init__(self) -> None:
        self.results: list[Result] = []

    def lua(self, code: str) -> Result:
        """Queue ``code`` (a Lua chunk; its ``return`` value is the result) and return its handle."""
        result = Result(len(self.results), code)
        self.results.append(result)
        return result


def _apply_batch(reply: str, results: Sequence[Result], where: str) -> None:
    decoded = _last_json_line(reply, where, "a transaction")
    if not isinstance(decoded, list) or len(decoded) != len(results):
        raise RconError(f"a transaction of {len(results)} snippets on {where} answered {_describe(reply)}")
    for result, item in zip(results, decoded, strict=True):
        if isinstance(item, dict) and "e" in item:
            result._set(None, LuaError(str(item["e"]), command=result.code, index=result.index))
        else:
            result._set(item.get("v") if isinstance(item, dict) else None, None)


# --- shared connect/retry bookkeeping -----------------------------------------------


class _Client:
    """What both clients share: the address, timeouts and the wording of their errors."""

    def __init__(
        self,
        host: str,
        port: int,
        password: str,
        *,
        connect_timeout: float = 30.0,
        command_timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self._password = password
        self.connect_timeout = connect_timeout
        #: The command being sent, while one is: a watchdog that finds the server
        #: hung can name it (another thread reads it; a str swap is atomic).
        self.pending: str | None = None
        self.command_timeout = command_timeout
        self._link: Any = None

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def _attempt_timeout(self, deadline: Deadline) -> float:
        # An attempt must not outlive connect_timeout, nor wait on a silent
        # server longer than a command would.
        return max(0.001, min(self.command_timeout, deadline.remaining()))

    def _connect_failed(self, attempts: Attempts) -> RconTimeoutError:
        return RconTimeoutError(
            f"no RCON answer from {self.where} after {attempts.deadline.elapsed():.2f}s and {attempts.count} "
            f"attempts (connect_timeout={self.connect_timeout:g}s); last error: {attempts.last_error}. Check that a "
            f"server is running with --rcon-port {self.port}, or raise connect_timeout if it starts slowly."
        )

    def _retry_failed(self, command: str, first: RconError, second: RconError) -> RconConnectionError:
        return RconConnectionError(
            f"lost the RCON connection to {self.where} while running {_describe(command)} ({first}); "
            f"reconnected once to retry, which failed too: {second}"
        )

    def _timeout(self, timeout: float | None) -> float:
        return self.command_timeout if timeout is None else timeout

    @property
    def connected(self) -> bool:
        """Whether a connection is open (it may still turn out broken on the next command)."""
        return self._link is not None

    def __repr__(self) -> str:
        state = "connected" if self.connected else "not connected"
        return f"{type(self).__name__}({self.where!r}, {state})"


class FactorioClient(_Client):
    """A blocking RCON client for one Factorio server (real or the emulator).

    ``connect()`` (or ``with``) waits up to ``connect_timeout`` for a server
    that is still starting, polling every 10 ms at first, backing off to 200 ms.
    A command on a client without a live connection makes one connection
    attempt; a command that hits a broken connection (the server restarted)
    reconnects once and is retried once. The retry can run a command twice if
    the server died after running it; the case it is for is a connection that
    went stale between commands, where the command never ran.

    A command that gets no reply within ``command_timeout`` (or its own
    ``timeout=``) raises ``RconTimeoutError`` and closes the connection: the
    reply may still arrive, and must not be read as the next command's. (Here
    the limit is the socket's, so it bounds each wait for data; a reply that
    keeps trickling in can take longer. The async client bounds the whole call.)

    Thread-safe in the simplest way: a lock lets one command at a time use the
    connection, as RCON answers in order anyway. For parallel commands, use one
    client per thread.
    """

    def __init__(
        self,
        host: str,
        port: int,
        password: str,
        *,
        connect_timeout: float = 30.0,
        command_timeout: float = 30.0,
    ) -> None:
        super().__init__(host, port, password, connect_timeout=connect_timeout, command_timeout=command_timeout)
        self._link: _SyncLink | None = None
        self._lock = threading.RLock()

    def connect(self) -> FactorioClient:
        """(Re)connect, retrying until the server answers or ``connect_timeout`` has passed.

        A refused password raises ``RconAuthError`` at once: waiting cannot fix it.
        """
        with self._lock:
            self._drop()
            deadline = Deadline(self.connect_timeout)
            poll(
                lambda: self._open(self._attempt_timeout(deadline)),
                deadline,
                retry_on=(RconError,),
                give_up_on=(RconAuthError,),
                backoff=CONNECT_BACKOFF,
                on_timeout=self._connect_failed,
            )
            return self

    def send(self, command: str, *, timeout: float | None = None) -> str:
        """Send a raw console command (``/save``, ``/sc ...``, chat); return the reply ("" for none).

        Trailing whitespace of the reply is stripped (factorio-rcon-py does so).
        """
        with self._lock:
            timeout = self._timeout(timeout)
            self.pending = command
            try:
                return self._exchange(self._link or self._open(timeout), command, timeout)
            except RconConnectionError as first:
                try:
                    return self._exchange(self._open(timeout), command, timeout)
                except (RconAuthError, RconTimeoutError):
                    raise
                except RconError as second:
                    raise self._retry_failed(command, first, second) from second
            finally:
                self.pending = None

    def lua(self, code: str, *, timeout: float | None = None) -> str:
        """Run ``code`` with ``/sc`` and return what it ``rcon.print``\\ ed; a Lua error raises ``LuaError``."""
        return _check_lua(self.send("/sc " + code, timeout=timeout), code)

    def eval(self, expr: str, *, timeout: float | None = None) -> Any:
        """The value of the Lua expression ``expr``, decoded from JSON (nil is ``None``)."""
        return _decode_eval(self.lua(_eval_command(expr), timeout=timeout), expr, self.where)

    def batch(self, snippets: Sequence[str], *, timeout: float | None = None) -> list[Result]:
        """Run Lua chunks in one round trip; one ``Result`` each, failures reported by index."""
        results = [Result(i, code) for i, code in enumerate(snippets)]
        self._run(results, timeout)
        return results

    @contextlib.contextmanager
    def transaction(self, *, timeout: float | None = None) -> Iterator[Transaction]:
        """Collect ``tx.lua(...)`` snippets; they run in one round trip when the block ends.

        Nothing is sent if the block raises.
        """
        tx = Transaction()
        yield tx
        self._run(tx.results, timeout)

    def _run(self, results: Sequence[Result], timeout: float | None) -> None:
        if results:
            reply = self.lua(_batch_command([r.code for r in results]), timeout=timeout)
            _apply_batch(reply, results, self.where)

    def _open(self, timeout: float) -> _SyncLink:
        self._link = _SyncLink(self.host, self.port, self._password, timeout)
        return self._link

    def _exchange(self, link: _SyncLink, command: str, timeout: float) -> str:
        try:
            return link.send(command, timeout)
        except RconError:
            self._drop()  # the library already closed it; forget it so the next command reconnects
            raise

    def _drop(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            link.close()

    def close(self) -> None:
        """Close the connection; a later command or ``connect()`` opens a new one."""
        with self._lock:
            self._drop()

    def __enter__(self) -> FactorioClient:
        return self if self.connected else self.connect()

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncFactorioClient(_Client):
    """``FactorioClient`` for anyio (asyncio or trio): the same methods, as coroutines.

    Same rules for connecting, reconnecting and timeouts; an ``anyio.Lock``
    keeps to one command at a time per client.
    """

    def __init__(
        self,
        host: str,
        port: int,
        password: str,
        *,
        connect_timeout: float = 30.0,
        command_timeout: float = 30.0,
    ) -> None:
        super().__init__(host, port, password, connect_timeout=connect_timeout, command_timeout=command_timeout)
        self._link: _AsyncLink | None = None
        self._lock = anyio.Lock()

    async def connect(self) -> AsyncFactorioClient:
        """See ``FactorioClient.connect``."""
        async with self._lock:
            await self._drop()
            deadline = Deadline(self.connect_timeout)
            await poll_async(
                lambda: self._open(self._attempt_timeout(deadline)),
                deadline,
                retry_on=(RconError,),
                give_up_on=(RconAuthError,),
                backoff=CONNECT_BACKOFF,
                on_timeout=self._connect_failed,
            )
            return self

    async def send(self, command: str, *, timeout: float | None = None) -> str:
        """See ``FactorioClient.send``."""
        async with self._lock:
            timeout = self._timeout(timeout)
            try:
                return await self._exchange(self._link or await self._open(timeout), command, timeout)
            except RconConnectionError as first:
                try:
                    return await self._exchange(await self._open(timeout), command, timeout)
                except (RconAuthError, RconTimeoutError):
                    raise
                except RconError as second:
                    raise self._retry_failed(command, first, second) from second

    async def lua(self, code: str, *, timeout: float | None = None) -> str:
        """See ``FactorioClient.lua``."""
        return _check_lua(await self.send("/sc " + code, timeout=timeout), code)

    async def eval(self, expr: str, *, timeout: float | None = None) -> Any:
        """See ``FactorioClient.eval``."""
        return _decode_eval(await self.lua(_eval_command(expr), timeout=timeout), expr, self.where)

    async def batch(self, snippets: Sequence[str], *, timeout: float | None = None) -> list[Result]:
        """See ``FactorioClient.batch``."""
        results = [Result(i, code) for i, code in enumerate(snippets)]
        await self._run(results, timeout)
        return results

    @contextlib.asynccontextmanager
    async def transaction(self, *, timeout: float | None = None) -> AsyncIterator[Transaction]:
        """See ``FactorioClient.transaction`` (``async with``)."""
        tx = Transaction()
        yield tx
        await self._run(tx.results, timeout)

    async def _run(self, results: Sequence[Result], timeout: float | None) -> None:
        if results:
            reply = await self.lua(_batch_command([r.code for r in results]), timeout=timeout)
            _apply_batch(reply, results, self.where)

    async def _open(self, timeout: float) -> _AsyncLink:
        self._link = await _AsyncLink.open(self.host, self.port, self._password, timeout)
        return self._link

    async def _exchange(self, link: _AsyncLink, command: str, timeout: float) -> str:
        try:
            return await link.send(command, timeout)
        except RconError:
            await self._drop()
            raise

    async def _drop(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            await link.close()

    async def close(self) -> None:
        """See ``FactorioClient.close``."""
        async with self._lock:
            await self._drop()

    async def __aenter__(self) -> AsyncFactorioClient:
        return self if self.connected else await self.connect()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
