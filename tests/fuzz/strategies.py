"""Hypothesis strategies for hostile input: payloads shaped like the
server's own msgspec structs (every field, its type and its bounds read from
`msgspec.inspect`), filled with hostile values; and fully random JSON.

Ids cannot be known when a strategy is built, so a strategy draws a `Ref`
("victim_chat", "own_chat", ...) that the runner resolves to the desk's
current id just before sending: an example stays the same example when it
is replayed or shrunk.
"""
from __future__ import annotations

import dataclasses
import json
import operator
import string
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import msgspec
import msgspec.inspect as mi
from hypothesis import strategies as st

UNKNOWN_ID = "0" * 32


@dataclasses.dataclass(frozen=True)
class Ref:
    """An id the desk knows at run time, by its role ("victim_chat")."""

    name: str


def resolve(value: Any, ids: Mapping[str, str]) -> Any:
    """`value` with every Ref replaced by its id (an unknown one by an id
    nobody has)."""
    if isinstance(value, Ref):
        return ids.get(value.name, UNKNOWN_ID)
    if isinstance(value, dict):
        return {resolve(k, ids): resolve(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, ids) for v in value]
    return value


SPECIAL_STRINGS = [
    "", " ", "\t\n\r", "\x00", "\x00" * 8, "\x1b[31m", "\x7f", "\u202e\u0644\u0627", "\ufeff", "\u2028\u2029",
    "\u200b", "😀", "🏳️‍🌈", "a\u0301", "\U0010ffff", "\ud800", "\udfff", "\ud83d", "null", "None", "undefined",
    "NaN", "-1", "0", "1e309", "true", "[]", "{}", "<script>alert(1)</script>", "<b>hi</b>",
    "'; DROP TABLE chats; --", "%s%n%x%d", "{0}{1}", "${jndi:x}", "../../../../etc/passwd", "%00", "%2e%2e%2f",
    "SD-000001", "SD-", "SD-99999999999999999999999", "sd-1", "1", "99999999999999999999", "%", "_", "\\", '"',
    "acme", "demo", "a@b", "@", "x@y@z", "a b@c", "Bcc: x@y\r\nSubject: hi", "=cmd|' /C calc'!A0",
    "+1", "-", "@SUM(1)", "*", "\n" * 50, " " * 50,
]
FILLERS = ["x", "é", "😀", "\x00", " ", "\n", "\\", '"', "\u202e"]
LENGTHS = [0, 1, 31, 32, 33, 63, 64, 65, 99, 100, 101, 199, 200, 201, 254, 255, 256, 499, 500, 501, 1999, 2000,
           2001, 3999, 4000, 4001, 4096, 65535, 65537, 100_000, 100_001, 150_000, 400_000]
BIG_INTS = [-1, 0, 1, 2, 7, 9, 10, 200, 201, 366, 367, 3650, 3651, 2**15, 2**31 - 1, 2**31, 2**32, 2**53,
            2**53 + 1, 2**63 - 1, 2**63, 2**64, 2**64 + 1, -(2**63), -(2**63) - 1, 10**30, -(10**30), 10**100]
BAD_DATES = ["0000-00-00", "2026-02-30", "2026-13-01", "2026-1-1", "20261123", "+002026-11-23", "9999-12-31",
             "0001-01-01", "2026-11-23T00:00:00Z", "2026-11-23 ", "today", "-2026-11-23"]
BAD_INSTANTS = ["0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-14:00",
                "9999-12-31T23:59:59-23:59", "2026-11-23T15:00:00", "2026-11-23T15:00:00Z", "2026-11-23",
                "2026-11-23T25:00:00Z", "2026-11-23T15:00:00+24:00", "2026-11-23T15:00:00.123456789Z"]
# Fields that name something the desk holds: they draw ids of the cast too.
ID_FIELDS = ("id", "chat_id", "visitor_id", "agent_id", "survey_id", "account_id", "actor", "target", "q",
             "account", "site", "token")


def long_strings() -> st.SearchStrategy[str]:
    return st.builds(operator.mul, st.sampled_from(FILLERS), st.sampled_from(LENGTHS))


def hostile_text(max_size: int = 40) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=max_size),
        st.text(alphabet=st.characters(categories=["Cc", "Cf", "Cs", "Co", "Zl", "Zp", "Mn"]), max_size=12),
        st.sampled_from(SPECIAL_STRINGS),
        long_strings(),
    )


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Any JSON value (numbers within what JSON carries, huge integers too)."""
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.sampled_from(BIG_INTS),
                        st.floats(allow_nan=False, allow_infinity=False), hostile_text(20))
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(hostile_text(12), inner, max_size=4), max_leaves=max_leaves)


def refs_of(names: Sequence[str]) -> st.SearchStrategy[Ref]:
    return st.sampled_from([Ref(n) for n in names]) if names else st.nothing()


def _strings(kind: mi.StrType) -> st.SearchStrategy[str]:
    low, high = kind.min_length or 0, kind.max_length if kind.max_length is not None else 200
    if kind.pattern is not None:
        valid = st.from_regex(kind.pattern, fullmatch=True).filter(lambda s: low <= len(s) <= high)
    else:
        valid = st.text(min_size=low, max_size=min(high, 60))
    return st.one_of(valid, valid, hostile_text())


def _ints(kind: mi.IntType) -> st.SearchStrategy[int]:
    low = kind.ge if kind.ge is not None else (kind.gt + 1 if kind.gt is not None else None)
    high = kind.le if kind.le is not None else (kind.lt - 1 if kind.lt is not None else None)
    edges = [v for v in (low, high) if v is not None]
    edges += [v + d for v in edges for d in (-1, 1)]
    return st.one_of(st.integers(low, high), st.sampled_from(edges or [0]), st.sampled_from(BIG_INTS))


def _instants() -> st.SearchStrategy[str]:
    offsets = st.builds(timezone, st.timedeltas(min_value=timedelta(hours=-23, minutes=-59),
                                                max_value=timedelta(hours=23, minutes=59)))
    return st.one_of(st.datetimes(timezones=offsets | st.just(UTC)).map(datetime.isoformat),
                     st.sampled_from(BAD_INSTANTS))


def value_of(kind: mi.Type, field: str, refs: Sequence[str]) -> st.SearchStrategy[Any]:
    """A value for a field of that msgspec type: mostly of the right shape
    (at its bounds and past them), sometimes of any other JSON type."""
    wrong = json_values(6)
    if isinstance(kind, mi.UnionType):
        return st.one_of(*[value_of(k, field, refs) for k in kind.types])
    if isinstance(kind, mi.NoneType):
        return st.none()
    if isinstance(kind, mi.StrType):
        right = _strings(kind)
        if field in ID_FIELDS or field.endswith("_id"):
            right = st.one_of(refs_of(refs), refs_of(refs), right)
    elif isinstance(kind, mi.IntType):
        right = _ints(kind)
    elif isinstance(kind, mi.BoolType):
        right = st.one_of(st.booleans(), st.sampled_from([0, 1, "true", "false", None]))
    elif isinstance(kind, mi.LiteralType):
        right = st.one_of(st.sampled_from(list(kind.values)), hostile_text(12))
    elif isinstance(kind, mi.EnumType):
        right = st.one_of(st.sampled_from([m.value for m in kind.cls]), hostile_text(12))
    elif isinstance(kind, mi.DateType):
        right = st.one_of(st.dates().map(date.isoformat), st.sampled_from(BAD_DATES))
    elif isinstance(kind, mi.DateTimeType):
        right = _instants()
    elif isinstance(kind, (mi.VarTupleType, mi.ListType, mi.TupleType, mi.SetType)):
        right = st.lists(value_of(kind.item_type, field, refs), max_size=6)
    elif isinstance(kind, mi.StructType):
        right = struct_payloads(kind.cls, refs)
    else:
        right = wrong
    return st.one_of(right, right, right, wrong)


def _fields(info: mi.StructType, refs: Sequence[str]) -> tuple[dict, dict]:
    required = {f.encode_name: value_of(f.type, f.name, refs) for f in info.fields if f.required}
    optional = {f.encode_name: value_of(f.type, f.name, refs) for f in info.fields if not f.required}
    return required, optional


@st.composite
def _mutated(draw, base: st.SearchStrategy[dict], names: list[str]) -> dict:
    """A struct's payload with a field dropped, added or retyped."""
    payload = dict(draw(base))
    how = draw(st.sampled_from(["drop", "unknown", "retype", "case"]))
    if how == "drop" and payload:
        payload.pop(draw(st.sampled_from(sorted(payload))))
    elif how == "unknown":
        payload[draw(st.one_of(hostile_text(12), st.sampled_from(["__proto__", "constructor", "note", "ok",
                                                                  "sid", "author", "seq", "id"])))] = \
            draw(json_values(4))
    elif how == "retype" and names:
        payload[draw(st.sampled_from(names))] = draw(json_values(6))
    elif how == "case" and payload:
        key = draw(st.sampled_from(sorted(payload)))
        payload[key.upper()] = payload.pop(key)
    return payload


def struct_payloads(kind: type[msgspec.Struct], refs: Sequence[str] = ()) -> st.SearchStrategy[dict]:
    """Payloads for a command struct: its fields with hostile values, and
    mutations of them."""
    info = mi.type_info(kind)
    required, optional = _fields(info, refs)
    base = st.fixed_dictionaries(required, optional=optional)
    names = [f.encode_name for f in info.fields]
    return st.one_of(base, base, base, _mutated(base, names))


def payloads(kind: type[msgspec.Struct] | None, refs: Sequence[str] = ()) -> st.SearchStrategy[Any]:
    """Struct-shaped payloads (when the struct is known) and random JSON."""
    if kind is None:
        return json_values()
    shaped = struct_payloads(kind, refs)
    return st.one_of(shaped, shaped, shaped, json_values())


def query_text(value: Any) -> str:
    """A value as a query string carries it."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, (str, int, Ref)) for v in value):
        return ",".join(v if isinstance(v, str) else str(v) for v in value)
    return json.dumps(value)


@st.composite
def queries(draw, kind: type[msgspec.Struct] | None, refs: Sequence[str] = ()) -> list[tuple[str, Any]]:
    """A query string as pairs (a key may repeat): the struct's fields with
    hostile values, plus unknown keys. Ref values stay Refs until sent."""
    pairs: list[tuple[str, Any]] = []
    if kind is not None:
        info = mi.type_info(kind)
        for field in info.fields:
            if draw(st.booleans()):
                value = draw(value_of(field.type, field.name, refs))
                if value is not None:
                    pairs.append((field.encode_name, value if isinstance(value, Ref) else query_text(value)))
    for _ in range(draw(st.integers(0, 2))):
        pairs.append((draw(hostile_text(10)), draw(hostile_text(20))))
    return pairs


def path_values(refs: Sequence[str]) -> st.SearchStrategy[Any]:
    """A path parameter ({id}, {token}): an id of the cast or a hostile one."""
    return st.one_of(refs_of(refs), refs_of(refs), hostile_text(30).filter(lambda s: s != ""),
                     st.text(alphabet=string.hexdigits.lower(), min_size=32, max_size=32))
