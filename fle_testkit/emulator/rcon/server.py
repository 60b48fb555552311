"""The emulator's RCON listener: Factorio's auth and reply rules on top of asyncio streams.

Every connection is one task reading packets and answering them in order. The
command handler is synchronous (it runs Lua, which lives in the event loop's
thread), so commands from all connections are serialised, as in Factorio, where
RCON commands run in the game's main loop; nothing else on a connection can hold
up another one.

Log lines: only ``New RCON connection from ...`` is Factorio's own wording (seen
in 2.0.77 server logs). What Factorio logs for a wrong password, a closed or a
broken connection is not known, so those lines are plain diagnostics of this
emulator, not imitations.
"""

from __future__ import annotations

import asyncio
import hmac
import traceback
from collections.abc import Callable

from fle_testkit.emulator import messages
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


_READ_SIZE = 256 * 1024


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
    ) -> None:
        self._host = host
        self._port = port
        self._password = password.encode("utf-8")
        self._handler = handler
        self._log = log
        self._max_packet_size = max_packet_size
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Bind and start accepting; port 0 picks a free port (read it from :attr:`port`)."""
        if self._server is not None:
            raise RconError("RCON server already started")
        self._server = await asyncio.start_server(self._serve, self._host, self._port)

    @property
    def host(self) -> str:
        """The address the listener is bound to."""
        return str(self._bound_address()[0])

    @property
    def port(self) -> int:
        """The port the listener is bound to (the real one when started with port 0)."""
        return int(self._bound_address()[1])

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

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One connection, from accept to close; never lets an error reach the loop."""
        task = asyncio.current_task()  # start_server runs this callback as a task
        if task is not None:
            self._connections.add(task)
        peer = _peer_name(writer)
        self._log(messages.RCON_CONNECTION.format(addr=peer))
        try:
            connection = _Connection(peer, writer, self._password, self._handler, self._log, self._max_packet_size)
            reason = await connection.run(reader)
            self._log(f"RCON connection from {peer} closed: {reason}")
        except ConnectionError as exc:
            self._log(f"RCON connection from {peer} lost: {exc}")
        except asyncio.CancelledError:
            # close() cancelled us: drop the peer at once (even one that stopped
            # reading) and end quietly. Re-raising makes Python 3.11's stream
            # protocol log the cancellation as an error with a traceback.
            writer.transport.abort()
        except Exception:  # one broken connection must never stop the server
            self._log(f"RCON connection from {peer} failed:\n{traceback.format_exc().rstrip()}")
        finally:
            self._connections.discard(task)
            writer.close()


class _Connection:
    """Per-connection state: the decoder and whether the peer has logged in."""

    def __init__(
        self,
        peer: str,
        writer: asyncio.StreamWriter,
        password: bytes,
        handler: CommandHandler,
        log: Callable[[str], None],
        max_packet_size: int,
    ) -> None:
        self._peer = peer
        self._writer = writer
        self._password = password
        self._handler = handler
        self._log = log
        self._decoder = PacketDecoder(max_packet_size)
        self._authenticated = False

    async def run(self, reader: asyncio.StreamReader) -> str:
        """Answer packets until the peer leaves or must be dropped; return why it ended."""
        while True:
            data = await reader.read(_READ_SIZE)
            if not data:
                if self._decoder.buffered:
                    unread = self._decoder.buffered
                    return f"peer closed in the middle of a packet ({unread} bytes unread)"
                return "peer closed the connection"
            try:
                packets, error = self._decoder.feed(data), None
            except MalformedPacket as exc:
                packets, error = list(exc.decoded), exc
            for packet in packets:
                if (reason := self._answer(packet)) is not None:
                    return reason
                # Back-pressure: a client that never reads its replies stalls only itself.
                await self._writer.drain()
            if error is not None:
                return f"malformed packet: {error}"

    def _answer(self, packet: Packet) -> str | None:
        """Act on one packet; return a reason to close the connection, else None."""
        if packet.type == AUTH:
            return self._authenticate(packet)
        if packet.type != EXECCOMMAND:
            # Unknown to Factorio's protocol subset (e.g. the Source "mirror" trick of an
            # empty RESPONSE_VALUE). Not known what Factorio does; ignoring keeps the peer.
            self._log(f"RCON: ignored packet of type {packet.type} from {self._peer}")
            return None
        if not self._authenticated:
            # Valve's spec: a connection must authenticate before any command. Whether
            # Factorio replies first is unknown; closing at once gives a client a clear
            # RCONClosed instead of a reply it could take for the command's output.
            return "command before authentication (not executed)"
        if not packet.body:
            return None  # Factorio sends nothing at all for an empty command
        try:
            text = packet.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            # What Factorio does with non-UTF-8 is not known, and no real client sends it
            # (they encode str as UTF-8). Replacing bad sequences keeps the connection and
            # the handler's text-only contract; the log line makes the oddity visible.
            self._log(f"RCON: command from {self._peer} is not valid UTF-8 ({exc}); using U+FFFD")
            text = packet.text
        reply = self._handler(text)
        if reply is not None:
            self._write(packet.id, RESPONSE_VALUE, reply)
        return None

    def _authenticate(self, packet: Packet) -> str | None:
        """Exactly one AUTH_RESPONSE, nothing before it; a wrong password ends the connection."""
        if hmac.compare_digest(packet.body, self._password):
            self._authenticated = True
            self._write(packet.id, AUTH_RESPONSE, b"")
            return None
        self._authenticated = False
        self._write(-1, AUTH_RESPONSE, b"")
        return "wrong RCON password"

    def _write(self, packet_id: int, packet_type: int, body: bytes | str) -> None:
        """Write one whole packet with a single ``write`` (see ``encode_packet``)."""
        self._writer.write(encode_packet(packet_id, packet_type, body))


def _peer_name(writer: asyncio.StreamWriter) -> str:
    """``host:port`` of the remote end, as Factorio prints it inside ``IP ADDR:({...})``."""
    peer = writer.get_extra_info("peername")
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer)
