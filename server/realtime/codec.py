"""A JSON codec for python-socketio built on msgspec: several times faster
than the standard library's on every packet in and out; and the Socket.IO
packet class that uses it."""
from __future__ import annotations

import json
import re
from typing import Any

import msgspec
from socketio import packet

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(obj: Any, **_: Any) -> str:
    return _encoder.encode(obj).decode("utf-8")


def loads(data: str | bytes, **_: Any) -> Any:
    """Raises ValueError (msgspec.DecodeError is one) for anything but JSON."""
    try:
        return _decoder.decode(data)
    except msgspec.DecodeError:
        return _lenient(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _lenient(data: str | bytes) -> Any:
    """JSON that msgspec refuses although it is well-formed: a string with
    an escaped lone surrogate ("\\ud83d"), which JavaScript's JSON.stringify
    writes for a string cut in the middle of an emoji. Each one becomes
    U+FFFD, as a browser's TextEncoder does. Raises ValueError when the
    standard library refuses it too."""
    try:
        value = json.loads(data, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    return _replace_surrogates(value)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _replace_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_replace_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_replace_surrogates(k): _replace_surrogates(v) for k, v in value.items()}
    return value


class DeskPacket(packet.Packet):
    """python-socketio's packet, with binary attachments put back safely.

    The library raised on a placeholder naming no attachment (`"num": 7` of
    one, `"num": "x"`) or nested past the recursion limit, before the server
    forgot the packet: every later packet of that connection was then taken
    for one more attachment and refused, and no event was handled again.
    Here such a placeholder becomes None, which the event's handler refuses
    (`bad_request`) like any other bad payload. A binary packet announcing
    no attachment (`450-`, `45/visitor,`) jammed the connection the same way,
    waiting for an attachment that was not to come: it is handled as the
    text packet it amounts to.
    """

    def decode(self, encoded_packet: str) -> int:
        """Raises ValueError for anything but a Socket.IO text packet."""
        if not isinstance(encoded_packet, str):  # a binary frame with no binary packet before it
            raise ValueError("a binary frame where a packet was expected")
        count = super().decode(encoded_packet)
        if not count and self.packet_type in (packet.BINARY_EVENT, packet.BINARY_ACK):
            self.packet_type -= packet.BINARY_EVENT - packet.EVENT  # BINARY_ACK - ACK alike
        return count

    @classmethod
    def reconstruct_binary(cls, data: Any, attachments: list) -> Any:
        try:
            return _put_back(data, attachments)
        except RecursionError:
            return None


def _put_back(data: Any, attachments: list) -> Any:
    if isinstance(data, list):
        return [_put_back(item, attachments) for item in data]
    if isinstance(data, dict):
        if data.get("_placeholder") and "num" in data:
            num = data["num"]
            return attachments[num] if type(num) is int and 0 <= num < len(attachments) else None
        return {key: _put_back(value, attachments) for key, value in data.items()}
    return data
