"""RCON framing: byte layout, incremental decoding, and clear errors for bad input."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fle_testkit.emulator.errors import EmulatorError
from fle_testkit.emulator.rcon.codec import (
    AUTH,
    AUTH_RESPONSE,
    EXECCOMMAND,
    RESPONSE_VALUE,
    MalformedPacket,
    Packet,
    PacketDecoder,
    RconError,
    encode_packet,
)


def raw_packet(size: int, packet_id: int, packet_type: int, rest: bytes) -> bytes:
    """Hand-built bytes, for packets the encoder would never produce."""
    return struct.pack("<iii", size, packet_id, packet_type) + rest


def test_type_numbers_are_the_source_rcon_ones() -> None:
    assert (AUTH, AUTH_RESPONSE, EXECCOMMAND, RESPONSE_VALUE) == (3, 2, 2, 0)


def test_encode_layout_matches_the_wire_format() -> None:
    assert encode_packet(7, EXECCOMMAND, "/c") == (struct.pack("<iii", 12, 7, 2) + b"/c" + b"\x00\x00")


def test_encode_empty_body_and_negative_id() -> None:
    assert encode_packet(-1, AUTH_RESPONSE, b"") == struct.pack("<iii", 10, -1, 2) + b"\x00\x00"


def test_str_body_is_utf8() -> None:
    assert encode_packet(1, RESPONSE_VALUE, "é€") == encode_packet(1, RESPONSE_VALUE, "é€".encode())


@pytest.mark.parametrize("packet_id", [2**31, -(2**31) - 1])
def test_encode_rejects_ids_outside_int32(packet_id: int) -> None:
    with pytest.raises(RconError, match="signed 32-bit"):
        encode_packet(packet_id, EXECCOMMAND, "x")


def test_round_trip() -> None:
    packet = Packet(42, EXECCOMMAND, b"/sc rcon.print(1)")
    assert PacketDecoder().feed(encode_packet(packet.id, packet.type, packet.body)) == [packet]


def test_byte_by_byte_feeding_yields_each_packet_once_complete() -> None:
    stream = encode_packet(1, AUTH, "pw") + encode_packet(2, EXECCOMMAND, "/time")
    decoder = PacketDecoder()
    seen: list[tuple[int, Packet]] = []
    for index in range(len(stream)):
        for packet in decoder.feed(stream[index : index + 1]):
            seen.append((index, packet))
    first_end = len(encode_packet(1, AUTH, "pw")) - 1
    assert seen == [
        (first_end, Packet(1, AUTH, b"pw")),
        (len(stream) - 1, Packet(2, EXECCOMMAND, b"/time")),
    ]
    assert decoder.buffered == 0


def test_several_packets_in_one_feed_keep_their_order() -> None:
    stream = b"".join(encode_packet(i, EXECCOMMAND, f"cmd {i}") for i in range(5))
    partial_next = encode_packet(5, EXECCOMMAND, "tail")[:7]
    decoder = PacketDecoder()
    packets = decoder.feed(stream + partial_next)
    assert [p.id for p in packets] == [0, 1, 2, 3, 4]
    assert [p.text for p in packets] == [f"cmd {i}" for i in range(5)]
    assert decoder.buffered == 7


def test_text_replaces_invalid_utf8() -> None:
    assert Packet(1, EXECCOMMAND, b"a\xffb").text == "a\ufffdb"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (struct.pack("<i", 9), "size field 9 is below the minimum of 10"),
        (struct.pack("<i", -5), "size field -5 is below the minimum of 10"),
        (struct.pack("<i", 2**31 - 1), f"size field {2**31 - 1} exceeds the limit of 1024 bytes"),
        (
            raw_packet(12, 3, EXECCOMMAND, b"ab\x00x"),
            r"packet id 3 does not end with two NUL bytes",
        ),
        (raw_packet(12, 4, EXECCOMMAND, b"abcd"), r"last two bytes: b'cd'"),
    ],
)
def test_malformed_input_names_what_is_wrong(data: bytes, message: str) -> None:
    with pytest.raises(MalformedPacket, match=message) as caught:
        PacketDecoder(max_size=1024).feed(data)
    assert isinstance(caught.value, EmulatorError)


def test_oversized_packet_is_refused_from_its_size_field_alone() -> None:
    """No need to wait for megabytes that a confused peer may never send."""
    with pytest.raises(MalformedPacket, match="exceeds the limit"):
        PacketDecoder(max_size=1024).feed(struct.pack("<i", 1025))


def test_good_packets_before_a_bad_one_are_handed_over() -> None:
    good = encode_packet(1, EXECCOMMAND, "/time")
    with pytest.raises(MalformedPacket) as caught:
        PacketDecoder().feed(good + struct.pack("<i", 3))
    assert caught.value.decoded == (Packet(1, EXECCOMMAND, b"/time"),)


def test_a_failed_decoder_stays_failed() -> None:
    decoder = PacketDecoder()
    with pytest.raises(MalformedPacket):
        decoder.feed(struct.pack("<i", 0))
    with pytest.raises(MalformedPacket, match="stream already failed: size field 0"):
        decoder.feed(encode_packet(1, EXECCOMMAND, "/time"))


def test_large_packet_split_in_chunks() -> None:
    body = b"x" * (5 * 1024 * 1024)
    stream = encode_packet(9, EXECCOMMAND, body)
    decoder = PacketDecoder()
    packets: list[Packet] = []
    for start in range(0, len(stream), 65536):
        packets += decoder.feed(stream[start : start + 65536])
    assert packets == [Packet(9, EXECCOMMAND, body)]


# Any text an RCON client can send: factorio-rcon-py encodes str as UTF-8, and the
# body is NUL-terminated for 1.2.1's parser, so NUL is the one excluded character.
# Large bodies (up to ~1.2 MB) come from repeating a short random text.
_short_text = st.text(
    alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
    max_size=2000,
)
rcon_text = _short_text | st.builds(
    lambda unit, n: unit * n, _short_text.filter(bool).map(lambda t: t[:4]), st.integers(0, 300_000)
)


@settings(max_examples=200, deadline=None)
@given(
    body=rcon_text,
    packet_id=st.integers(-(2**31), 2**31 - 1),
    packet_type=st.sampled_from([AUTH, EXECCOMMAND, RESPONSE_VALUE]),
    chunk=st.integers(1, 70_000),
)
def test_any_body_round_trips_byte_exact(body: str, packet_id: int, packet_type: int, chunk: int) -> None:
    stream = encode_packet(packet_id, packet_type, body)
    chunk = max(chunk, len(stream) // 500)  # at most ~500 feeds, to keep the test quick
    decoder = PacketDecoder()
    packets: list[Packet] = []
    for start in range(0, len(stream), chunk):
        packets += decoder.feed(stream[start : start + chunk])
    assert packets == [Packet(packet_id, packet_type, body.encode("utf-8"))]
    assert packets[0].text == body
