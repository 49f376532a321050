"""Server-to-client events (server/services/events.py): each is a type the
protocol names, they leave only when their unit of work ends, and nothing
but the collector sends them."""
from __future__ import annotations

import ast
import asyncio
import pathlib
import re

import pytest

from server.services import events as ev
from server.services import rooms
from server.services.bus import Bus, EventSent

ROOT = pathlib.Path(__file__).resolve().parent.parent
SERVER = ROOT / "server"
PROTOCOL = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
# The modules that may call a Notifier or Socket.IO's emit: the collector, the
# Notifier over Socket.IO, and the managers that deliver emits (here and to other nodes).
SENDERS = {"services/events.py", "realtime/dispatch.py", "realtime/manager.py", "realtime/roomindex.py"}


def told(who: str) -> str:
    """The protocol's paragraphs on what the server sends to `who`."""
    paragraphs = PROTOCOL.split("\n\n")
    found = [p for p in paragraphs if re.search(f"^server to {who}:", p, re.M)]
    if who == "supervisor":
        found += [p for p in paragraphs if p.startswith("Supervisors also get")]
        # canned replies and closures are listed with the agents': "`/supervisor` gets it too"
        found += [item for p in paragraphs if p.startswith("server to agent:")
                  for item in re.split(r",\s(?=`)", p) if re.search(r"`/supervisor` gets\sit too", item)]
    assert found, f"docs/protocol.md says nothing sent to {who}"
    return "\n".join(found)


@pytest.mark.parametrize("kind", ev.TYPES, ids=lambda kind: kind.name)
def test_every_event_type_is_one_the_protocol_lists_where_it_goes(kind):
    for namespace in kind.namespaces:
        assert re.search(rf"`{re.escape(kind.name)}[` ]", told(namespace.strip("/"))), (kind.name, namespace)


def test_event_names_are_distinct():
    names = [kind.name for kind in ev.TYPES]
    assert len(names) == len(set(names)) and len(names) == 31


def test_an_event_refuses_a_room_of_another_namespace():
    with pytest.raises(ValueError, match="chat:queued does not go to /agent"):
        ev.ChatQueued(rooms.agent("a1"), {})
    with pytest.raises(ValueError):
        ev.Metrics(rooms.connection("/visitor", "n1-x"), {})
    assert ev.Session(rooms.connection("/agent", "n1-x"), {}).to == rooms.Connection("/agent", "n1-x")


def _emit_calls(source: str) -> list[int]:
    """Lines calling something's `emit`, or a Notifier's `disconnect`."""
    return sorted(node.lineno for node in ast.walk(ast.parse(source))
                  if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and (node.func.attr == "emit"
                       or node.func.attr == "disconnect" and "notif" in ast.unparse(node.func.value)))


def test_the_check_finds_an_emit():
    assert _emit_calls('await self._sio.emit("session", s, to=sid)\nx = 1\nawait notifier.disconnect(r)') == [1, 3]
    assert _emit_calls('self._desk.events.add(ev.Queue(rooms.AGENTS, {}))\nawait sio.disconnect(sid)') == []


def test_nothing_but_the_collector_sends_events():
    found = []
    for path in sorted(SERVER.rglob("*.py")):
        name = path.relative_to(SERVER).as_posix()
        if name not in SENDERS:
            source = path.read_text(encoding="utf-8")
            found += [f"server/{name}:{line}" for line in _emit_calls(source)]
    assert found == [], "add events to the unit of work (services.events) instead:\n" + "\n".join(found)


class Wire:
    """A Notifier that keeps what it is asked to send: the collector's
    other side, to see when and what the collector sends."""

    def __init__(self) -> None:
        self.sent: list[tuple] = []

    async def emit(self, event, data, room, skip=None, *, here=False) -> None:
        self.sent.append(("emit", event, room, skip, here))

    async def disconnect(self, room) -> None:
        self.sent.append(("close", room))


@pytest.fixture
def wire_and_events():
    wire, bus = Wire(), Bus()
    seen: list[str] = []
    bus.on(EventSent, lambda e: seen.append(e.name))
    return wire, ev.Events(wire, bus), seen


async def test_a_unit_sends_its_events_in_order_when_it_ends(wire_and_events):
    wire, events, seen = wire_and_events
    async with events.unit():
        events.add(ev.ChatEnded(rooms.visitor("v1"), {}), ev.SurveyRequest(rooms.visitor("v1"), {}))
        events.close(rooms.visitor("v1"))
        events.add(ev.Metrics(rooms.SUPERVISORS, {}))
        assert wire.sent == []  # nothing before the end
    assert wire.sent == [("emit", "chat:ended", "visitor:v1", None, False),
                         ("emit", "survey:request", "visitor:v1", None, False),
                         ("close", "visitor:v1"),
                         ("emit", "metrics", "supervisors", None, True)]
    assert seen == ["chat:ended", "survey:request"]  # the metrics push itself does not make them stale


async def test_a_unit_that_fails_sends_nothing(wire_and_events):
    wire, events, seen = wire_and_events
    with pytest.raises(KeyError):
        async with events.unit():
            events.add(ev.ChatMessage(rooms.agent("a1"), {}, skip="n1-s"))
            events.close(rooms.agent("a1"))
            raise KeyError("the use case failed after adding")
    assert wire.sent == [] and seen == []


async def test_an_inner_unit_sends_at_its_own_end(wire_and_events):
    wire, events, _ = wire_and_events
    async with events.unit():
        events.add(ev.Queue(rooms.AGENTS, {"n": 1}))
        async with events.unit():
            events.add(ev.ChatAssigned(rooms.agent("a1"), {}))
        assert [s[1] for s in wire.sent] == ["chat:assigned"]
        events.add(ev.Queue(rooms.AGENTS, {"n": 2}))
    assert [s[1] for s in wire.sent] == ["chat:assigned", "queue", "queue"]


async def test_an_event_outside_a_unit_is_refused(wire_and_events):
    wire, events, _ = wire_and_events
    with pytest.raises(RuntimeError, match="outside a unit"):
        events.add(ev.Queue(rooms.AGENTS, {}))
    async with events.unit():
        # a task started inside a unit has a unit of its own to open: its
        # events would otherwise wait for (or outlive) a unit not its own
        task = asyncio.ensure_future(_add_later(events))
        with pytest.raises(RuntimeError, match="outside a unit"):
            await task
    with pytest.raises(RuntimeError):
        async with ev.Events(Wire(), Bus()).unit():  # another collector's unit
            events.add(ev.Queue(rooms.AGENTS, {}))
    assert wire.sent == []


async def _add_later(events: ev.Events) -> None:
    events.add(ev.Queue(rooms.AGENTS, {}))
