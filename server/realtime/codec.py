"""A JSON codec for python-socketio built on msgspec: several times faster
than the standard library's on every packet in and out."""
from __future__ import annotations

from typing import Any

import msgspec

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


def dumps(obj: Any, **_: Any) -> str:
    return _encoder.encode(obj).decode("utf-8")


def loads(data: str | bytes, **_: Any) -> Any:
    return _decoder.decode(data)  # msgspec.DecodeError is a ValueError
