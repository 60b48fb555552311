"""A loopback TCP relay in front of an RCON server that records what clients send.

For tests that assert on the bytes a server received (FLE's uploads, for
instance) without touching the client or the server: point the client at
``tap.port``. Only loopback: it listens on and connects to 127.0.0.1.
"""

from __future__ import annotations

import socket
import struct
import threading
from types import TracebackType

HEADER = struct.Struct("<iii")  # length, id, type (Valve RCON, little-endian)
EXECCOMMAND = 2


class RconTap:
    """Relays connections to ``127.0.0.1:target``; ``commands`` holds each command body sent."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.bytes_sent = 0  # client -> server, every byte
        self.commands: list[str] = []
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self) -> RconTap:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        for sock in [self._listener, *self._sockets]:
            sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            server = socket.create_connection(("127.0.0.1", self.target))
            self._sockets += [client, server]
            threading.Thread(target=self._relay, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._relay, args=(server, client, False), daemon=True).start()

    def _relay(self, source: socket.socket, sink: socket.socket, upstream: bool) -> None:
        pending = bytearray()  # this connection's bytes not yet a whole packet
        try:
            while data := source.recv(65536):
                if upstream:
                    self._record(data, pending)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            sink.close()

    def _record(self, data: bytes, pending: bytearray) -> None:
        pending += data
        with self._lock:
            self.bytes_sent += len(data)
            while len(pending) >= 4:
                (length,) = struct.unpack_from("<i", pending)
                if len(pending) < 4 + length:
                    break
                _, _, kind = HEADER.unpack_from(pending)
                body = bytes(pending[HEADER.size : 4 + length - 2])
                del pending[: 4 + length]
                if kind == EXECCOMMAND:
                    self.commands.append(body.decode("utf-8", "replace"))
