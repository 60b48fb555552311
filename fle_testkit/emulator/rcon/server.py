"""The emulator's RCON listener: Factorio's auth and reply rules on top of asyncio streams.

Every connection is one task reading packets and answering them in order. The
command handler is synchronous (it runs Lua, which lives in the event loop's
thread), so commands from all connections are serialised, as in Factorio, where
RCON commands run in the game's main loop; nothing else on a connection can hold
up another one.

Nobody without the password can exhaust the server (issue 9): before
authentication a connection may send packets of a few KB only and must log in
within ``auth_timeout`` seconds; at most ``max_connections`` are open at once;
running out of file descriptors pauses accepting instead of failing. Every log
line a client can cause goes through a :class:`RateLimitedLog`. The limits and
why they were chosen are in ``config.RconLimits``.

Log lines: only ``New RCON connection from ...`` is Factorio's own wording (seen
in 2.0.77 server logs). What Factorio logs for a wrong password, a closed or a
broken connection is not known, so those lines are plain diagnostics of this
emulator, not imitations.
"""

from __future__ import annotations

import asyncio
import errno
import hmac
from collections.abc import Callable
from typing import Any

from fle_testkit.emulator import messages
from fle_testkit.emulator.ratelimit import RateLimitedLog
from fle_testkit.emulator.rcon.codec import (
    AUTH,
    AUTH_RESPONSE,
    EXECCOMMAND,
    MAX_PACKET_SIZE,
    RESPONSE_VALUE,
    MalformedPacket,
    Packet,
    PacketDecoder,
    RconError,
    encode_packet,
)

#: Handler: command text -> reply body, or None to send no reply at all.
CommandHandler = Callable[[str], str | None]

#: Bytes asked of the socket per read once authenticated (before, the pre-auth limit).
_READ_SIZE = 256 * 1024
#: Defaults of the limits; ``config.RconLimits`` documents why these values.
PRE_AUTH_PACKET_SIZE = 4096
MAX_CONNECTIONS = 64
AUTH_TIMEOUT = 10.0
#: accept() errors that mean "out of descriptors or memory": asyncio stops
#: accepting for a second and retries by itself, so only the log needs care.
_RESOURCE_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
_ACCEPT_OUT_OF_RESOURCES = "socket.accept() out of system resource"  # asyncio's own wording

# Kinds of rate-limited lines (the summary line names them).
_NEW = "new connection"
_CLOSED = "connection closed"
_REFUSED = "connection refused"
_BAD_PACKET = "malformed packet"
_AUTH_FAILED = "authentication failed"
_ODD_PACKET = "odd packet"
_ACCEPT = "accept failed"
_INTERNAL = "internal error"


class RconServer:
    """A Source RCON server answering with ``handler``; see the module docstring."""

    def __init__(
        self,
        host: str,
        port: int,
        password: str,
        handler: CommandHandler,
        log: Callable[[str], None],
        *,
        max_packet_size: int = MAX_PACKET_SIZE,
        pre_auth_packet_size: int = PRE_AUTH_PACKET_SIZE,
        max_connections: int = MAX_CONNECTIONS,
        auth_timeout: float = AUTH_TIMEOUT,
    ) -> None:
        if pre_auth_packet_size > max_packet_size:
            raise RconError("the pre-authentication packet limit exceeds the packet limit")
        if max_connections < 1 or auth_timeout <= 0:
            raise RconError("max_connections must be >= 1 and auth_timeout > 0")
        self._host = host
        self._port = port
        self._password = password.encode("utf-8")
        self._handler = handler
        self._log = log
        self._limits = _Limits(pre_auth_packet_size, max_packet_size, auth_timeout)
        self._max_connections = max_connections
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._limited = RateLimitedLog(log)

    async def start(self) -> None:
        """Bind and start accepting; port 0 picks a free port (read it from :attr:`port`)."""
        if self._server is not None:
            raise RconError("RCON server already started")
        loop = asyncio.get_running_loop()
        self._limited = RateLimitedLog(self._log, schedule=loop.call_later)
        loop.set_exception_handler(self._loop_error)
        self._server = await asyncio.start_server(self._serve, self._host, self._port)

    @property
    def host(self) -> str:
        """The address the listener is bound to."""
        return str(self._bound_address()[0])

    @property
    def port(self) -> int:
        """The port the listener is bound to (the real one when started with port 0)."""
        return int(self._bound_address()[1])

    @property
    def open_connections(self) -> int:
        """Connections being served now."""
        return len(self._connections)

    def _bound_address(self) -> tuple[str, int]:
        if self._server is None or not self._server.sockets:
            raise RconError("RCON server is not listening (call start() first)")
        return self._server.sockets[0].getsockname()[:2]

    async def close(self) -> None:
        """Stop listening and drop every open connection."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await server.wait_closed()
        self._limited.close()

    def _loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """One rate-limited line instead of asyncio's traceback per failure.

        Out of file descriptors, asyncio's accept loop pauses for a second and
        tries again (its own back-off) and reports each failure here; the
        connections already open go on being served.
        """
        exc = context.get("exception")
        if context.get("message") == _ACCEPT_OUT_OF_RESOURCES and isinstance(exc, OSError):
            reason = exc.strerror or messages.OS_ERROR_REASON
            self._limited.line(_ACCEPT, messages.RCON_ACCEPT_FAILED.format(reason=reason))
            return
        error = context.get("message", "")
        if exc is not None:
            error = f"{error} ({type(exc).__name__}: {exc})"
        self._limited.line(_INTERNAL, messages.RCON_LOOP_ERROR.format(error=error))

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One connection, from accept to close; never lets an error reach the loop."""
        peer = _peer_name(writer)
        if len(self._connections) >= self._max_connections:
            self._limited.line(_REFUSED, messages.RCON_REFUSED_FULL.format(addr=peer, count=len(self._connections)))
            writer.transport.abort()
            return
        task = asyncio.current_task()  # start_server runs this callback as a task
        if task is not None:
            self._connections.add(task)
        self._limited.line(_NEW, messages.RCON_CONNECTION.format(addr=peer))
        try:
            connection = _Connection(peer, writer, self._password, self._handler, self._limited, self._limits)
            kind, reason = await connection.run(reader)
            self._limited.line(kind, messages.RCON_CLOSED.format(addr=peer, reason=reason))
        except ConnectionError as exc:
            reason = exc.strerror or type(exc).__name__
            self._limited.line(_CLOSED, messages.RCON_LOST.format(addr=peer, reason=reason))
        except asyncio.CancelledError:
            # close() cancelled us: drop the peer at once (even one that stopped
            # reading) and end quietly. Re-raising makes Python 3.11's stream
            # protocol log the cancellation as an error with a traceback.
            writer.transport.abort()
        except Exception as exc:  # one broken connection must never stop the server
            error = f"{type(exc).__name__}: {exc}"
            self._limited.line(_INTERNAL, messages.RCON_FAILED.format(addr=peer, error=error))
        finally:
            self._connections.discard(task)
            writer.close()


class _Limits:
    """The per-connection limits, as one value."""

    __slots__ = ("pre_auth_packet_size", "max_packet_size", "auth_timeout")

    def __init__(self, pre_auth_packet_size: int, max_packet_size: int, auth_timeout: float) -> None:
        self.pre_auth_packet_size = pre_auth_packet_size
        self.max_packet_size = max_packet_size
        self.auth_timeout = auth_timeout


class _Connection:
    """Per-connection state: the decoder and whether the peer has logged in.

    Before authentication the decoder accepts only small packets and reads are
    as small, so an unauthenticated socket holds a few KB at most; the limit
    rises to ``max_packet_size`` for the packets after a successful AUTH.
    """

    def __init__(
        self,
        peer: str,
        writer: asyncio.StreamWriter,
        password: bytes,
        handler: CommandHandler,
        log: RateLimitedLog,
        limits: _Limits,
    ) -> None:
        self._peer = peer
        self._writer = writer
        self._password = password
        self._handler = handler
        self._log = log
        self._limits = limits
        self._decoder = PacketDecoder(limits.pre_auth_packet_size)
        self._authenticated = False

    async def run(self, reader: asyncio.StreamReader) -> tuple[str, str]:
        """Answer packets until the peer leaves or must be dropped; return (log kind, why it ended)."""
        deadline = asyncio.get_running_loop().time() + self._limits.auth_timeout
        while True:
            if self._authenticated:
                data = await reader.read(_READ_SIZE)
            else:
                remaining = deadline - asyncio.get_running_loop().time()
                try:
                    data = await asyncio.wait_for(reader.read(self._limits.pre_auth_packet_size), max(remaining, 0))
                except TimeoutError:
                    return _CLOSED, messages.REASON_AUTH_TIMEOUT.format(seconds=self._limits.auth_timeout)
            if not data:
                if unread := self._decoder.buffered:
                    return _CLOSED, messages.REASON_PEER_CLOSED_MID_PACKET.format(unread=unread)
                return _CLOSED, messages.REASON_PEER_CLOSED
            self._decoder.append(data)
            while True:
                try:
                    packet = self._decoder.next_packet()
                except MalformedPacket as exc:
                    return _BAD_PACKET, messages.REASON_MALFORMED.format(error=exc)
                if packet is None:
                    break
                if (ended := self._answer(packet)) is not None:
                    return ended
                # Back-pressure: a client that never reads its replies stalls only itself.
                await self._writer.drain()

    def _answer(self, packet: Packet) -> tuple[str, str] | None:
        """Act on one packet; return (log kind, reason) to close the connection, else None."""
        if packet.type == AUTH:
            return self._authenticate(packet)
        if packet.type != EXECCOMMAND:
            # Unknown to Factorio's protocol subset (e.g. the Source "mirror" trick of an
            # empty RESPONSE_VALUE). Not known what Factorio does; ignoring keeps the peer.
            self._log.line(_ODD_PACKET, messages.RCON_IGNORED_TYPE.format(type=packet.type, addr=self._peer))
            return None
        if not self._authenticated:
            # Valve's spec: a connection must authenticate before any command. Whether
            # Factorio replies first is unknown; closing at once gives a client a clear
            # RCONClosed instead of a reply it could take for the command's output.
            return _AUTH_FAILED, messages.REASON_COMMAND_BEFORE_AUTH
        if not packet.body:
            return None  # Factorio sends nothing at all for an empty command
        try:
            text = packet.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            # What Factorio does with non-UTF-8 is not known, and no real client sends it
            # (they encode str as UTF-8). Replacing bad sequences keeps the connection and
            # the handler's text-only contract; the log line makes the oddity visible.
            self._log.line(_ODD_PACKET, messages.RCON_NOT_UTF8.format(addr=self._peer, position=exc.start))
            text = packet.text
        reply = self._handler(text)
        if reply is not None:
            self._write(packet.id, RESPONSE_VALUE, reply)
        return None

    def _authenticate(self, packet: Packet) -> tuple[str, str] | None:
        """Exactly one AUTH_RESPONSE, nothing before it; a wrong password ends the connection."""
        if hmac.compare_digest(packet.body, self._password):
            self._authenticated = True
            self._decoder.max_size = self._limits.max_packet_size
            self._write(packet.id, AUTH_RESPONSE, b"")
            return None
        self._authenticated = False
        self._write(-1, AUTH_RESPONSE, b"")
        return _AUTH_FAILED, messages.REASON_WRONG_PASSWORD

    def _write(self, packet_id: int, packet_type: int, body: bytes | str) -> None:
        """Write one whole packet with a single ``write`` (see ``encode_packet``)."""
        self._writer.write(encode_packet(packet_id, packet_type, body))


def _peer_name(writer: asyncio.StreamWriter) -> str:
    """``host:port`` of the remote end, as Factorio prints it inside ``IP ADDR:({...})``."""
    peer = writer.get_extra_info("peername")
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer)
