"""Room names: each lives in the namespace its sockets join, and none is
spelled anywhere but services.rooms."""
from __future__ import annotations

import ast
import pathlib
import re

import pytest

from server.services import rooms

SERVER = pathlib.Path(__file__).resolve().parent.parent / "server"
# Spell room-shaped strings on purpose: rooms.py builds the rooms; audit.py
# builds audit target labels (`account:<site key>/<id>`, `visitor:<id>`)
# that share their shape but are never rooms.
SPELLERS = {"services/rooms.py", "services/audit.py"}
# The store names its tables "agents" and "visitors"; no room reaches it.
TABLE_NAMES = "store/"
SHARED = {rooms.AGENTS, rooms.SUPERVISORS, rooms.VISITORS}
# A room prefix followed by what fills in an id: a `{}` of an f-string or
# str.format, a `%` conversion, or nothing (then `+ id`). Event names such as
# "agent:status" or "account:suspended" do not match.
BUILT = re.compile(r"(?:^(?:visitor|agent|account|supervisor)|_session):(?:\{|%|$)")


@pytest.mark.parametrize(("room", "namespace"), [
    (rooms.visitor("v1"), "/visitor"),
    (rooms.VISITORS, "/visitor"),
    (rooms.account("s1", "acct:7/x"), "/visitor"),
    (rooms.agent("a1"), "/agent"),
    (rooms.AGENTS, "/agent"),
    (rooms.agent_session("s:1"), "/agent"),
    (rooms.supervisor("a1"), "/supervisor"),
    (rooms.SUPERVISORS, "/supervisor"),
    (rooms.supervisor_session("s1"), "/supervisor"),
])
def test_every_room_lives_in_the_namespace_its_sockets_join(room, namespace):
    assert rooms.namespace_of(room) == namespace


def test_room_names_on_the_wire_are_unchanged():
    # Other nodes (over Redis) name rooms too: a rolling upgrade needs the same strings.
    assert [rooms.visitor("v"), rooms.agent("a"), rooms.account("s", "c"), rooms.supervisor("a"),
            rooms.agent_session("x"), rooms.supervisor_session("x")] == [
        "visitor:v", "agent:a", "account:s/c", "supervisor:a", "agent_session:x", "supervisor_session:x"]
    assert (rooms.AGENTS, rooms.SUPERVISORS, rooms.VISITORS) == ("agents", "supervisors", "visitors")


def test_an_unknown_room_has_no_namespace():
    with pytest.raises(KeyError):
        rooms.namespace_of("chat:c1")


def _shape(node: ast.JoinedStr) -> str:
    """An f-string's text with `{}` for each value it formats."""
    return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)


def hand_built_rooms(source: str, *, tables: bool = False) -> list[int]:
    """The lines of `source` that spell a room name: a room-shaped string, or
    a shared room's name other than as a dict key or an index (`tables`: the
    store's table names are allowed)."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    lines = set()
    for node in ast.walk(tree):
        parent = parents.get(node)
        if isinstance(node, ast.JoinedStr) and BUILT.search(_shape(node)):
            lines.add(node.lineno)
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and not isinstance(parent, ast.JoinedStr)):
            if BUILT.search(node.value):
                lines.add(node.lineno)
            elif (node.value in SHARED and not tables
                  and not (isinstance(parent, ast.Dict) and node in parent.keys)
                  and not (isinstance(parent, ast.Subscript) and node is parent.slice)
                  and not (isinstance(parent, ast.keyword) and parent.arg == "tag")):  # an API's tag
                lines.add(node.lineno)
    return sorted(lines)


@pytest.mark.parametrize("source", [
    'await notify.emit("chat:ended", payload, f"visitor:{chat.visitor_id}")',
    'room = f"agent:{chat.agent_id}" if chat.agent_id else None',
    'room = f"account:{site_id}/{account_id}"',
    'disconnect(f"supervisor:{agent_id}")',
    'rooms = (f"agent_session:{s}", f"supervisor_session:{s}")',
    'room = "agent:" + agent_id',
    'room = "visitor:%s" % visitor_id',
    'room = "agent:{}".format(agent_id)',
    'await notify.emit("queue", {}, "agents")',
    'ROOMS = ("agents", "supervisors")',
    'await sio.enter_room(sid, "visitors", namespace="/visitor")',
])
def test_the_check_finds_a_hand_built_room(source):
    assert hand_built_rooms(source) == [1]


@pytest.mark.parametrize("source", [
    'view["agents"] = []',
    'names = {"agents": agents}',
    'STATUS_EVENT = "agent:status"',
    'SUSPENDED_EVENT = "account:suspended"',
    'key = f"agent_gone:{agent_id}"',
    'target = f"chat:{chat.id}"',
    'await notify.emit("x", {}, rooms.agent(agent_id))',
    'register(operation("GET", "/agents", tag="agents", scope="read"))',
])
def test_the_check_passes_what_is_not_a_room(source):
    assert hand_built_rooms(source) == []


def test_no_room_name_is_built_outside_rooms_module():
    found = []
    for path in sorted(SERVER.rglob("*.py")):
        name = path.relative_to(SERVER).as_posix()
        if name in SPELLERS:
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        found += [f"server/{name}:{line}: {lines[line - 1].strip()}"
                  for line in hand_built_rooms(source, tables=name.startswith(TABLE_NAMES))]
    assert found == [], "build these with server/services/rooms.py:\n" + "\n".join(found)
