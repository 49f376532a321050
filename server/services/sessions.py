"""Ending staff sockets when what opened them no longer holds.

A socket is checked once, when it connects (no store read per event). What
can end it later is written to the store, often by another process: the
command line changes a password, an API token or a role (the agent's epoch
moves on) or removes an agent; logout revokes a session (and closes that
session's sockets at once, `AuthService.logout`), as do the agent's own
account page's ending of a session, revoking of a named API token and new
password (services/own_account.py); a session grows too old.
`SessionWatch.run` reads the store every WATCH_S seconds for the sockets
this node holds and the agents holding chats, closes the sockets whose
session or epoch no longer holds (through the notifier's rooms, as every
other close), and sends a removed agent's chats back to the front of the
queue through the path of an agent gone for good.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging

from .auth import AuthService, StaffLogin, agent_rooms, session_rooms, token_rooms
from .context import Desk
from .errors import Unavailable
from .presence import PresenceService

log = logging.getLogger(__name__)
WATCH_S = 2.0  # real seconds between two looks: a command-line change takes effect this fast


@dataclasses.dataclass(frozen=True, slots=True)
class _Socket:
    agent_id: str
    epoch: int
    session_id: str | None  # None: opened with an API token
    token_id: str | None = None  # a named API token's


class SessionWatch:
    def __init__(self, desk: Desk, auth: AuthService, presence: PresenceService) -> None:
        self._desk = desk
        self._auth = auth
        self._presence = presence
        # This node's staff sockets. Per process by nature (a socket lives
        # on one node): every node watches its own, and the store and the
        # live state's presences are what they share.
        self._sockets: dict[str, _Socket] = {}

    def attach(self, sid: str, login: StaffLogin) -> None:
        self._sockets[sid] = _Socket(login.agent.id, login.agent.epoch, login.session_id, login.token_id)

    def detach(self, sid: str) -> None:
        self._sockets.pop(sid, None)

    async def run(self) -> None:
        while True:
            try:
                async with self._desk.events.unit():
                    await self.check()
            except asyncio.CancelledError:
                raise
            except Unavailable as exc:  # Redis away: look again next time
                log.warning("checking staff sessions waits: %s", exc)
            except Exception:  # a store hiccup: look again next time
                log.exception("checking staff sessions failed")
            await asyncio.sleep(WATCH_S)

    async def check(self) -> None:
        """One look (see the module's docstring)."""
        sockets = list(self._sockets.values())
        held = {p.agent_id for p in await self._desk.live.presences() if p.connections or p.load}
        ids = held | {s.agent_id for s in sockets}
        if not ids:
            return
        store = self._desk.store
        agents = {a.id: a for a in await store.agents_by_ids(ids)}
        sessions = {s.session_id for s in sockets if s.session_id is not None}
        valid = await store.valid_console_sessions(sessions, since=self._auth.valid_since())
        for session_id in sessions - valid:
            await self._close(session_rooms(session_id))
        tokens = {s.token_id for s in sockets if s.token_id is not None}
        for token_id in tokens - await store.valid_api_tokens(tokens):
            await self._close(token_rooms(token_id))
        for agent_id in ids:
            agent = agents.get(agent_id)
            gone = agent is None or agent.removed
            if gone or any(s.epoch != agent.epoch for s in sockets if s.agent_id == agent_id):
                await self._close(agent_rooms(agent_id))
            if gone and agent_id in held:
                await self._presence.agent_removed(agent_id)

    async def _close(self, rooms: tuple[str, ...]) -> None:
        for room in rooms:
            self._desk.events.close(room)
