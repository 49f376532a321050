"""The baseline of the load benchmark: a bare python-socketio relay.

A DEFAULT `socketio.AsyncServer` on aiohttp -- the default asyncio event
loop, the standard library's json, the default `async_handlers=True` --
speaking the subset of protocol v1 that `bench/loadgen.py` uses, with the
same namespaces, event names and ack shapes as Shiftdesk, and nothing
stored: seqs are counted in memory, an ack means "relayed", not "durable".

  /visitor  connect -> `session`; `chat:start` -> the chat goes round-robin
            to a connected available agent (`chat:assigned` to both sides);
            `chat:send` -> `chat:message` to the agent, ack {ok, seq, at};
            `chat:end`.
  /agent    connect (any token) -> `session`; `agent:status`; `chat:send`
            -> `chat:message` to the visitor, ack {ok, seq, at}.

No capacity, queue, dedup of client_ids, rate limits or auth: it is the
floor a real server is measured against, so it is kept simple on purpose.

`--no-compression` makes it refuse permessage-deflate, as Shiftdesk does
by default: the same relay without the cost of compressing every frame,
the ceiling of this stack (bench/browser_bench.py's `relay-plain`).

`--redis URL` gives it python-socketio's stock `AsyncRedisManager` (on a
channel of its own, random) as its client manager: every emit is then
also published to Redis, as on one node of several (bench/nodes.py).

    python bench/relay.py --host 127.0.0.1 --port 8098 [--redis redis://127.0.0.1:6379/0]
"""
from __future__ import annotations

import argparse
import itertools
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import socketio
from aiohttp import web

# Built by build(): the handlers below are registered on it there, so that
# its client manager can come from the command line.
sio: socketio.AsyncServer
HANDLERS: list[tuple[str, str, Callable]] = []  # (namespace, event, handler)


def on(event: str, namespace: str) -> Callable[[Callable], Callable]:
    def register(handler: Callable) -> Callable:
        HANDLERS.append((namespace, event, handler))
        return handler
    return register


def build(client_manager: socketio.AsyncManager | None = None) -> web.Application:
    """The relay's app; `client_manager` is python-socketio's (None: its
    default, in this process only)."""
    global sio
    sio = socketio.AsyncServer(async_mode="aiohttp", client_manager=client_manager)
    for namespace, event, handler in HANDLERS:
        sio.on(event, handler, namespace=namespace)
    app = web.Application()
    sio.attach(app)
    app.router.add_get("/healthz", health)
    return app

agents: dict[str, dict[str, Any]] = {}       # agent sid -> {"id", "name", "available"}
chats: dict[str, dict[str, Any]] = {}        # chat id -> {"visitor", "agent", "seq", ...}
visitor_chat: dict[str, str] = {}            # visitor sid -> its open chat id
_round_robin = itertools.count()


def now() -> str:
    return datetime.now(timezone.utc).isoformat()


def error(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message}}


def chat_view(chat: dict[str, Any]) -> dict[str, Any]:
    agent = agents.get(chat["agent"])
    return {"id": chat["id"], "status": "active", "priority": "medium", "topic": None,
            "started_at": chat["started_at"], "assigned_at": chat["started_at"],
            "agent": {"id": agent["id"], "name": agent["name"]} if agent else None,
            "last_seq": chat["seq"]}


def message(chat: dict[str, Any], author: str, text: str, client_id: str | None) -> dict[str, Any]:
    chat["seq"] += 1
    return {"chat_id": chat["id"], "seq": chat["seq"], "author": author, "text": text,
            "at": now(), "client_id": client_id}


async def health(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


# /visitor
@on("connect", namespace="/visitor")
async def visitor_connect(sid: str, environ: dict, auth: Any = None) -> None:
    await sio.emit("session", {"visitor_token": uuid.uuid4().hex, "visitor_id": sid, "verified": False,
                               "online": bool(agents), "open_tickets": []}, to=sid, namespace="/visitor")


@on("disconnect", namespace="/visitor")
async def visitor_disconnect(sid: str, reason: Any = None) -> None:
    chat_id = visitor_chat.pop(sid, None)
    if chat_id is not None:
        chats.pop(chat_id, None)


@on("chat:start", namespace="/visitor")
async def chat_start(sid: str, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return error("bad_request", "text is required")
    if sid in visitor_chat:
        return error("chat_active", "you already have an open chat")
    available = [a for a, info in agents.items() if info["available"]]
    if not available:
        return error("offline", "no agent is available")
    agent_sid = available[next(_round_robin) % len(available)]
    chat = {"id": uuid.uuid4().hex, "visitor": sid, "agent": agent_sid, "seq": 0, "started_at": now()}
    chats[chat["id"]] = chat
    visitor_chat[sid] = chat["id"]
    first = message(chat, "visitor", data["text"], None)
    await sio.emit("chat:assigned", {"chat": chat_view(chat), "visitor": {"id": sid},
                                     "messages": [first]}, to=agent_sid, namespace="/agent")
    await sio.emit("chat:assigned", {"chat_id": chat["id"], "agent": {"name": agents[agent_sid]["name"]}},
                   to=sid, namespace="/visitor")
    return {"ok": True, "chat": chat_view(chat), "position": 0}


@on("chat:send", namespace="/visitor")
async def visitor_send(sid: str, data: Any) -> dict[str, Any]:
    chat = chats.get(data.get("chat_id")) if isinstance(data, dict) else None
    if chat is None or chat["visitor"] != sid:
        return error("not_found", "no such chat")
    msg = message(chat, "visitor", data.get("text", ""), data.get("client_id"))
    await sio.emit("chat:message", msg, to=chat["agent"], namespace="/agent")
    return {"ok": True, "seq": msg["seq"], "at": msg["at"]}


@on("chat:end", namespace="/visitor")
async def visitor_end(sid: str, data: Any) -> dict[str, Any]:
    chat = chats.get(data.get("chat_id")) if isinstance(data, dict) else None
    if chat is None or chat["visitor"] != sid:
        return error("not_found", "no such chat")
    chats.pop(chat["id"], None)
    visitor_chat.pop(sid, None)
    await sio.emit("chat:ended", {"chat_id": chat["id"], "reason": "visitor"}, to=chat["agent"],
                   namespace="/agent")
    return {"ok": True}


# /agent
@on("connect", namespace="/agent")
async def agent_connect(sid: str, environ: dict, auth: Any = None) -> None:
    agents[sid] = {"id": sid, "name": f"agent-{len(agents) + 1}", "available": False}
    await sio.emit("session", {"agent": {"id": sid, "name": agents[sid]["name"]}, "chats": []},
                   to=sid, namespace="/agent")


@on("disconnect", namespace="/agent")
async def agent_disconnect(sid: str, reason: Any = None) -> None:
    agents.pop(sid, None)


@on("agent:status", namespace="/agent")
async def agent_status(sid: str, data: Any) -> dict[str, Any]:
    status = data.get("status") if isinstance(data, dict) else None
    if status not in ("available", "away") or sid not in agents:
        return error("bad_request", "status is available or away")
    agents[sid]["available"] = status == "available"
    return {"ok": True, "status": status}


@on("chat:send", namespace="/agent")
async def agent_send(sid: str, data: Any) -> dict[str, Any]:
    chat = chats.get(data.get("chat_id")) if isinstance(data, dict) else None
    if chat is None or chat["agent"] != sid:
        return error("not_found", "no such chat")
    msg = message(chat, "agent", data.get("text", ""), data.get("client_id"))
    await sio.emit("chat:message", msg, to=chat["visitor"], namespace="/visitor")
    return {"ok": True, "seq": msg["seq"], "at": msg["at"]}


def refuse_compression() -> None:
    """Every websocket of this process made with `compress=False`:
    python-engineio's aiohttp driver makes its `WebSocketResponse` with
    aiohttp's default, `compress=True`, and has no option for it."""
    make = web.WebSocketResponse.__init__

    def without(self: web.WebSocketResponse, *args: Any, **kwargs: Any) -> None:
        make(self, *args, **{**kwargs, "compress": False})
    web.WebSocketResponse.__init__ = without  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description="bare python-socketio relay (benchmark baseline)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8098)
    parser.add_argument("--redis", metavar="URL", help="python-socketio's AsyncRedisManager on this Redis")
    parser.add_argument("--no-compression", action="store_true",
                        help="refuse permessage-deflate, as Shiftdesk does by default (not the relay's default)")
    args = parser.parse_args()
    if args.no_compression:
        refuse_compression()
    manager = None
    if args.redis:
        manager = socketio.AsyncRedisManager(args.redis, channel=f"relay-{secrets.token_hex(6)}")
    app = build(manager)
    print(f"relay on http://{args.host}:{args.port}/" + (f" (Redis manager on {manager.channel})" if manager else ""),
          flush=True)
    web.run_app(app, host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
