"""Source RCON framing as Factorio speaks it: pure bytes in, packets out, no sockets.

A packet on the wire is ``int32 size`` (little-endian, counting every byte that
follows it), ``int32 id``, ``int32 type``, the body, and two NUL bytes. The size
field is authoritative: the body is everything between the header and the two
trailing NULs, taken as raw bytes (Factorio's body is a byte string, and
factorio-rcon-py 2.x frames by size too). Decoding bytes to text is the caller's
choice; :attr:`Packet.text` is the lenient one.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

from fle_testkit.emulator.errors import EmulatorError

#: Client -> server: log in with the password as body.
AUTH: Final = 3
#: Server -> client: the answer to AUTH; id echoed, or -1 for a wrong password.
AUTH_RESPONSE: Final = 2
#: Client -> server: run the body as a console command. Same number as AUTH_RESPONSE.
EXECCOMMAND: Final = 2
#: Server -> client: the output of one command.
RESPONSE_VALUE: Final = 0

_HEADER: Final = struct.Struct("<iii")  # size, id, type
_SIZE: Final = struct.Struct("<i")
_TERMINATOR: Final = b"\x00\x00"
#: Smallest legal size field: id + type + the two NUL bytes of an empty body.
MIN_PACKET_SIZE: Final = 10
#: Largest size field accepted by default. Valve's spec says 4096, but Factorio
#: takes far more (FLE uploads scripts of ~68 KB; whole save blobs are sent by
#: some tools), so the limit only guards against garbage and memory blow-ups.
MAX_PACKET_SIZE: Final = 16 * 1024 * 1024

_INT32_MIN: Final = -(2**31)
_INT32_MAX: Final = 2**31 - 1


class RconError(EmulatorError):
    """Something about RCON framing is wrong (a value that cannot be encoded, ...)."""


class MalformedPacket(RconError):
    """The peer sent bytes that are not a valid RCON packet.

    ``decoded`` holds the packets that were complete and valid before the bad
    bytes in the same :meth:`PacketDecoder.feed` call, so that a server can still
    answer them in order before it drops the connection.
    """

    def __init__(self, message: str, decoded: tuple[Packet, ...] = ()) -> None:
        super().__init__(message)
        self.decoded = decoded


@dataclass(frozen=True, slots=True)
class Packet:
    """One RCON packet: ``id`` is echoed in replies, ``body`` is raw bytes."""

    id: int
    type: int
    body: bytes

    @property
    def text(self) -> str:
        """The body as UTF-8, invalid sequences replaced by U+FFFD (never raises)."""
        return self.body.decode("utf-8", errors="replace")


def encode_packet(packet_id: int, packet_type: int, body: bytes | str) -> bytes:
    """Frame one packet; a ``str`` body is encoded as UTF-8.

    The result is meant to be written in one call: factorio-rcon-py 1.2.1 stops
    reading as soon as its buffer ends in two NUL bytes, which a header written on
    its own (``... 00 00``) can satisfy too early.
    """
    for name, value in (("id", packet_id), ("type", packet_type)):
        if not _INT32_MIN <= value <= _INT32_MAX:
            raise RconError(f"RCON packet {name} {value} does not fit a signed 32-bit integer")
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    size = MIN_PACKET_SIZE + len(raw)
    if size > _INT32_MAX:
        raise RconError(f"RCON packet body of {len(raw)} bytes does not fit a 32-bit size field")
    return _HEADER.pack(size, packet_id, packet_type) + raw + _TERMINATOR


class PacketDecoder:
    """Turns a byte stream (fed in arbitrary pieces) into packets.

    After a :class:`MalformedPacket` the stream has no reliable packet boundary
    any more, so the decoder stays failed: every later ``feed`` raises again.
    """

    def __init__(self, max_size: int = MAX_PACKET_SIZE) -> None:
        if max_size < MIN_PACKET_SIZE:
            raise RconError(f"max_size {max_size} is below the minimum size field {MIN_PACKET_SIZE}")
        self._max_size = max_size
        self._buffer = bytearray()
        self._failure: str | None = None

    @property
    def max_size(self) -> int:
        """The largest size field accepted now."""
        return self._max_size

    @max_size.setter
    def max_size(self, value: int) -> None:
        """Change the limit for packets not yet started (a server raises it after
        authentication: see ``RconServer``)."""
        if value < MIN_PACKET_SIZE:
            raise RconError(f"max_size {value} is below the minimum size field {MIN_PACKET_SIZE}")
        self._max_size = value

    @property
    def buffered(self) -> int:
        """Bytes received that do not form a complete packet yet."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Packet]:
        """Add ``data``; return every packet completed by it, in stream order."""
        self.append(data)
        packets: list[Packet] = []
        try:
            while (packet := self.next_packet()) is not None:
                packets.append(packet)
        except MalformedPacket as exc:
            raise MalformedPacket(str(exc), tuple(packets)) from None
        return packets

    def append(self, data: bytes) -> None:
        """Add ``data`` without decoding; :meth:`next_packet` takes packets out one by one.

        One at a time lets a server change :attr:`max_size` between two packets
        of the same read (an AUTH packet pipelined with a large command).
        """
        if self._failure is not None:
            raise MalformedPacket(f"stream already failed: {self._failure}")
        self._buffer += data

    def next_packet(self) -> Packet | None:
        """The next complete packet, or None until more bytes come."""
        if self._failure is not None:
            raise MalformedPacket(f"stream already failed: {self._failure}")
        try:
            end = self._complete_packet_end(0)
            if end is None:
                return None
            packet = self._parse(0, end)
        except MalformedPacket as exc:
            self._failure = str(exc)
            self._buffer.clear()
            raise
        del self._buffer[:end]
        return packet

    def _complete_packet_end(self, offset: int) -> int | None:
        """End offset of the packet starting at ``offset``, or None if still incomplete.

        The size field is checked as soon as its four bytes are in, so a bogus
        size is reported at once instead of waiting for megabytes that never come.
        """
        if len(self._buffer) - offset < _SIZE.size:
            return None
        (size,) = _SIZE.unpack_from(self._buffer, offset)
        if size < MIN_PACKET_SIZE:
            raise MalformedPacket(
                f"size field {size} is below the minimum of {MIN_PACKET_SIZE} (id, type and two NUL terminators)"
            )
        if size > self._max_size:
            raise MalformedPacket(f"size field {size} exceeds the limit of {self._max_size} bytes")
        end = offset + _SIZE.size + size
        return end if len(self._buffer) >= end else None

    def _parse(self, offset: int, end: int) -> Packet:
        """Build the packet occupying ``self._buffer[offset:end]`` (already complete)."""
        _, packet_id, packet_type = _HEADER.unpack_from(self._buffer, offset)
        tail = bytes(self._buffer[end - len(_TERMINATOR) : end])
        if tail != _TERMINATOR:
            raise MalformedPacket(f"packet id {packet_id} does not end with two NUL bytes (last two bytes: {tail!r})")
        body = bytes(self._buffer[offset + _HEADER.size : end - len(_TERMINATOR)])
        return Packet(packet_id, packet_type, body)
