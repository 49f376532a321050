"""Socket.IO room names: the one place they are spelled. The services emit
to rooms and close them through the Notifier (services.ports); the realtime
namespaces put sockets in them; a room's prefix picks its namespace.

On /visitor:
- `visitor(id)`: every connection (tab) of one visitor;
- `VISITORS`: every visitor;
- `account(site id, account id)`: the verified visitors of an account.

On /agent:
- `agent(id)`: an agent's console sockets;
- `AGENTS`: every agent;
- `agent_session(id)`: the /agent sockets opened with one console session
  (to close them);
- `agent_token(key)`: the /agent sockets opened with one API token (to
  close them when it is revoked; services.auth.token_key).

On /supervisor:
- `SUPERVISORS`: every supervisor;
- `supervisor(agent id)`: an agent's /supervisor sockets (to close them);
- `supervisor_session(id)`: the /supervisor sockets opened with one console
  session (to close them);
- `supervisor_token(key)`: the /supervisor sockets opened with one API token.

And `connection(namespace, id)`: one connection (the `session` it is sent
when it connects).
"""
from __future__ import annotations

import dataclasses

AGENTS = "agents"
SUPERVISORS = "supervisors"
VISITORS = "visitors"

# a room's prefix (its whole name for the shared rooms) -> its namespace
_NAMESPACES = {"visitor": "/visitor", VISITORS: "/visitor", "account": "/visitor",
               "agent": "/agent", AGENTS: "/agent", "agent_session": "/agent",
               "supervisor": "/supervisor", SUPERVISORS: "/supervisor", "supervisor_session": "/supervisor",
               "agent_token": "/agent", "supervisor_token": "/supervisor"}


def visitor(visitor_id: str) -> str:
    return f"visitor:{visitor_id}"


def agent(agent_id: str) -> str:
    return f"agent:{agent_id}"


def account(site_id: str, account_id: str) -> str:
    return f"account:{site_id}/{account_id}"


def supervisor(agent_id: str) -> str:
    return f"supervisor:{agent_id}"


def agent_session(session_id: str) -> str:
    return f"agent_session:{session_id}"


def supervisor_session(session_id: str) -> str:
    return f"supervisor_session:{session_id}"


def agent_token(key: str) -> str:
    return f"agent_token:{key}"


def supervisor_token(key: str) -> str:
    return f"supervisor_token:{key}"


@dataclasses.dataclass(frozen=True, slots=True)
class Connection:
    """One connection: Socket.IO puts each in a room of its own id."""

    namespace: str
    id: str


Room = str | Connection


def connection(namespace: str, conn: str) -> Connection:
    if namespace not in _NAMESPACES.values():
        raise KeyError(namespace)
    return Connection(namespace, conn)


def namespace_of(room: Room) -> str:
    """The namespace ("/visitor", "/agent", "/supervisor") the room lives in;
    KeyError for a name no function here makes."""
    if isinstance(room, Connection):
        return room.namespace
    return _NAMESPACES[room.partition(":")[0]]
