"""The room index (server/realtime/roomindex.py) keeps python-socketio's
rooms exactly as its stock manager would: the same operations on both,
in any order, leave the same `rooms`, the same answer to `get_rooms`, and
the same pending lists and callbacks."""
from __future__ import annotations

import asyncio

import socketio
from hypothesis import given, settings
from hypothesis import strategies as st

from server.realtime.roomindex import DeskManager

NAMESPACES = ["/visitor", "/agent"]
SIDS = [f"s{i}" for i in range(4)]
ROOMS = ["agents", "visitor:1", "visitor:2", "chat:1"]

operations = st.lists(st.one_of(
    st.tuples(st.just("connect"), st.sampled_from(SIDS), st.sampled_from(NAMESPACES)),
    st.tuples(st.just("enter"), st.sampled_from(SIDS), st.sampled_from(NAMESPACES), st.sampled_from(ROOMS)),
    st.tuples(st.just("leave"), st.sampled_from(SIDS), st.sampled_from(NAMESPACES), st.sampled_from(ROOMS)),
    st.tuples(st.just("close"), st.sampled_from(NAMESPACES), st.sampled_from(ROOMS)),
    st.tuples(st.just("pre_disconnect"), st.sampled_from(SIDS), st.sampled_from(NAMESPACES)),
    st.tuples(st.just("disconnect"), st.sampled_from(SIDS), st.sampled_from(NAMESPACES)),
    st.tuples(st.just("callback"), st.sampled_from(SIDS)),
), max_size=40)


async def apply(manager: socketio.AsyncManager, ops: list[tuple]) -> list[str]:
    """Runs `ops` on `manager`; what each one raised, by type (or "ok")."""
    sids: dict[tuple[str, str], str] = {}  # (our name, namespace) -> the manager's sid
    outcomes = []
    for op in ops:
        kind, args = op[0], op[1:]
        try:
            if kind == "connect":
                name, namespace = args
                if (name, namespace) in sids:  # the server never connects one twice
                    continue
                sids[(name, namespace)] = await manager.connect(f"eio-{name}", namespace)
            elif kind in ("enter", "leave"):
                name, namespace, room = args
                sid = sids.get((name, namespace), name)
                if kind == "enter":
                    await manager.enter_room(sid, namespace, room)
                else:
                    await manager.leave_room(sid, namespace, room)
            elif kind == "close":
                await manager.close_room(args[1], args[0])
            elif kind == "pre_disconnect":
                name, namespace = args
                if (name, namespace) in sids:
                    manager.pre_disconnect(sids[(name, namespace)], namespace)
            elif kind == "disconnect":
                name, namespace = args
                await manager.disconnect(sids.pop((name, namespace), name), namespace)
            else:
                manager.callbacks.setdefault(sids.get((args[0], "/agent"), args[0]), {})[1] = print
            outcomes.append("ok")
        except Exception as error:  # the stock manager's refusals must be the same too
            outcomes.append(type(error).__name__)
    return outcomes


def served(manager: socketio.AsyncManager) -> socketio.AsyncManager:
    """`manager` under a server whose connection ids are s-0, s-1, ... (the
    same for both managers, where engineio's are random)."""
    server = socketio.AsyncServer(client_manager=manager)
    ids = iter(range(10_000))
    server.eio.generate_id = lambda: f"s-{next(ids)}"
    return manager


def state(manager: socketio.AsyncManager) -> tuple:
    rooms = {ns: {room: dict(members) for room, members in by_room.items()} for ns, by_room in manager.rooms.items()}
    joined = {(ns, sid): sorted(map(str, manager.get_rooms(sid, ns)))
              for ns, by_room in manager.rooms.items() for members in by_room.values() for sid in members}
    return rooms, joined, manager.pending_connect, manager.pending_disconnect, sorted(manager.callbacks)


@settings(max_examples=300, deadline=None)
@given(operations)
def test_the_indexed_manager_keeps_the_rooms_as_the_stock_one(ops):
    def run(manager):
        return asyncio.run(apply(manager, ops)), state(manager)
    stock, indexed = served(socketio.AsyncManager()), served(DeskManager())
    assert run(indexed) == run(stock)


async def test_a_disconnect_leaves_only_its_own_rooms():
    manager = served(DeskManager())
    sids = [await manager.connect(f"eio{i}", "/visitor") for i in range(3)]
    for i, sid in enumerate(sids):
        await manager.enter_room(sid, "/visitor", f"visitor:{i}")
        await manager.enter_room(sid, "/visitor", "everyone")
    await manager.disconnect(sids[1], "/visitor")
    assert manager.get_rooms(sids[1], "/visitor") == []
    assert set(manager.rooms["/visitor"]) == {None, sids[0], sids[2], "visitor:0", "visitor:2", "everyone"}
    assert manager.get_rooms(sids[0], "/visitor") == [sids[0], "visitor:0", "everyone"]
