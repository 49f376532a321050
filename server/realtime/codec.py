"""A JSON codec for python-socketio built on msgspec: several times faster
than the standard library's on every packet in and out."""
from __future__ import annotations

import json
import re
from typing import Any

import msgspec

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

