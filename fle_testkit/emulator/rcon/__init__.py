"""Source RCON as Factorio speaks it: :mod:`.codec` (pure framing) and :mod:`.server` (asyncio)."""

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
from fle_testkit.emulator.rcon.server import CommandHandler, RconServer

__all__ = [
    "AUTH",
    "AUTH_RESPONSE",
    "EXECCOMMAND",
    "MAX_PACKET_SIZE",
    "RESPONSE_VALUE",
    "CommandHandler",
    "MalformedPacket",
    "Packet",
    "PacketDecoder",
    "RconError",
    "RconServer",
    "encode_packet",
]
