"""Raw Engine.IO v4 / Socket.IO v5 frames on a visitor's websocket: events
with odd ids and arguments, binary attachments, mangled packets, Engine.IO
control packets, CONNECTs to every namespace, random text and bytes. Each
example ends by proving the connection still handles events (unless the
frame itself asked to close it or was over the packet limit)."""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import event as outcome_event, given, note
from hypothesis import strategies as st

from tests.fuzz.budget import fuzz_settings
from tests.fuzz.conftest import check_the_normal_client, open_desk
from tests.fuzz.desk import Desk
from tests.fuzz.events import RESERVED_NAMES, Driver
from tests.fuzz.strategies import hostile_text, json_values, payloads, resolve
from tests.fuzz.test_visitor_events import REFS, visitor_scene
from tests.fuzz.wire import encode

NAMESPACES = ["/visitor", "/agent", "/supervisor", "/", "/nowhere", "/visitor/", "/VISITOR", "/visitor?x=1",
              "visitor", "//visitor"]
ENGINEIO = ["1", "2", "2probe", "3", "3probe", "5", "6", "", "4", "7", "8", "9", "0", "0{}", "6" * 1000]


@pytest.fixture(scope="module")
def desk(tmp_path_factory) -> Iterator[Desk]:
    yield from open_desk(tmp_path_factory, "fuzz-frames")


@pytest.fixture(scope="module")
def visitor(desk) -> tuple[Driver, Any]:
    token = secrets.token_urlsafe(24)
    driver = Driver(desk, "/visitor", lambda: {"site": desk.harness.site.key, "token": token})
    return driver, visitor_scene(desk, driver)


def names(desk: Desk) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(sorted(desk.namespace("/visitor").events)), st.sampled_from(RESERVED_NAMES),
                     hostile_text(20), json_values(3))


def event_args(desk: Desk) -> st.SearchStrategy[list]:
    return st.builds(lambda name, rest: [name, *rest], names(desk), st.lists(payloads(None, REFS), max_size=3)
                     | st.lists(payloads(None, REFS).map(lambda p: p), max_size=1))


# Each kind builds its frames at run time from what was drawn: ack ids must
# be fresh on the connection for "exactly one ack" to mean anything.
def event_kind(desk: Desk) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({"kind": st.just("event"), "args": event_args(desk),
                                  "id": st.sampled_from(["fresh", "fresh", "none", "huge"]),
                                  "zeros": st.integers(0, 3)})


def binary_kind(desk: Desk) -> st.SearchStrategy[dict]:
    placeholder = st.builds(lambda num: {"_placeholder": True, "num": num},
                            st.one_of(st.integers(-3, 4), json_values(2)))
    return st.fixed_dictionaries({
        "kind": st.just("binary"), "name": names(desk),
        "payload": st.dictionaries(st.sampled_from(["text", "chat_id", "client_id", "email", "subject", "x"]),
                                   st.one_of(placeholder, payloads(None, REFS)), max_size=4),
        "attachments": st.lists(st.binary(max_size=64), max_size=3), "ack": st.booleans()})


def mangled_kind(desk: Desk) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({
        "kind": st.just("mangled"), "args": event_args(desk),
        "how": st.sampled_from(["truncate", "replace", "insert", "prefix", "suffix", "type", "nan", "deep"]),
        "at": st.integers(0, 10_000), "junk": hostile_text(8), "type": st.sampled_from("01234789")})


def control_kind() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({"kind": st.just("engineio"), "text": st.sampled_from(ENGINEIO)
                                  | st.builds(lambda d, t: d + t, st.sampled_from("0235679"), hostile_text(20))})


def connect_kind() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({"kind": st.just("connect"),
                                  "namespace": st.sampled_from(NAMESPACES) | hostile_text(12),
                                  "auth": st.one_of(st.none(), json_values(6),
                                                    st.fixed_dictionaries({"site": st.sampled_from(["acme", "demo"])
                                                                           | hostile_text(10)},
                                                                          optional={"token": hostile_text(40),
                                                                                    "identity": hostile_text(60)}))})


def random_kind() -> st.SearchStrategy[dict]:
    # A frame announcing binary attachments ("451-", "462-") makes the next
    # N frames attachments, by the protocol: random text never announces any.
    text = hostile_text(60).filter(lambda t: not re.match(r"4[56][1-9][0-9]*-", t))
    return st.fixed_dictionaries({"kind": st.just("random"), "frame": text | st.binary(max_size=200)})


def build(driver: Driver, spec: dict, ids: dict) -> tuple[str | bytes, list, list[int], bool]:
    """The frame, its binary attachments, the ack ids it must get, and
    whether it may close the connection."""
    ns, ws, kind = driver.namespace, driver.ws, spec["kind"]
    if kind == "event":
        fresh = ws.next_id()
        ack_id = {"fresh": fresh, "none": None, "huge": 10**30 + fresh}[spec["id"]]
        digits = "" if ack_id is None else "0" * spec["zeros"] + str(ack_id)
        return f"42{ns},{digits}{encode(resolve(spec['args'], ids))}", [], [] if ack_id is None else [ack_id], False
    if kind == "binary":  # not part of the protocol: refused as a bad packet, with no answer (docs/protocol.md)
        ack_id = ws.next_id() if spec["ack"] else None
        args = encode([resolve(spec["name"], ids), resolve(spec["payload"], ids)])
        count = len(spec["attachments"])
        return f"45{count}-{ns},{'' if ack_id is None else ack_id}{args}", spec["attachments"], [], False
    if kind == "mangled":
        return _mangle(ns, encode(resolve(spec["args"], ids)), spec), [], [], True
    if kind == "engineio":
        return spec["text"], [], [], spec["text"].startswith("1")
    if kind == "connect":
        auth = "" if spec["auth"] is None else encode(spec["auth"])
        return f"40{spec['namespace']},{auth}", [], [], False
    frame = spec["frame"]
    return frame, [], [], isinstance(frame, str) and frame.startswith(("1", "41"))


def _mangle(ns: str, args: str, spec: dict) -> str:
    """A well-formed event frame, broken one way. It may close the
    connection only when it became a DISCONNECT or an Engine.IO close."""
    frame = f"42{ns},{args}"
    at = spec["at"] % (len(frame) + 1)
    how = spec["how"]
    if how == "truncate":
        return frame[:at]
    if how == "replace":
        return frame[:at] + spec["junk"] + frame[at + len(spec["junk"]):]
    if how == "insert":
        return frame[:at] + spec["junk"] + frame[at:]
    if how == "prefix":
        return spec["junk"] + frame
    if how == "suffix":
        return frame + spec["junk"]
    if how == "type":
        return f"4{spec['type']}{ns},{args}"
    if how == "nan":
        return f"42{ns},[\"chat:start\",{{\"text\":NaN,\"x\":Infinity}}]"
    return f"42{ns},[\"chat:start\"," + "[" * 5000 + "]" * 5000 + "]"


KINDS = {"event": event_kind, "binary": binary_kind, "mangled": mangled_kind, "engineio": lambda desk: control_kind(),
         "connect": lambda desk: connect_kind(), "random": lambda desk: random_kind()}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_raw_frames_neither_crash_nor_kill_the_connection(desk, visitor, kind):
    driver, prepare = visitor

    @fuzz_settings()
    @given(spec=KINDS[kind](desk))
    def run(spec: dict) -> None:
        prepare()  # the driver's socket is open
        frame, extra, ack_ids, may_close = build(driver, spec, desk.ids)
        label = f"frame {str(frame)[:2000]!r} + {len(extra)} attachments, acks {ack_ids}"
        note(label)
        problems = desk.check(driver.send_frame(frame, ack_ids, extra=extra, may_close=may_close), label,
                              f"frames: {kind}")
        outcome_event(driver.outcome)
        assert not problems, "\n".join(problems)
    run()
    check_the_normal_client(desk)
