"""/agent and /supervisor: the console's and the dashboard's namespaces.

Staff authenticate with the console's session cookie (same origin only, so
another site cannot ride an agent's cookie) or with an API token in `auth`.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import aiohttp_session
import socketio

from ..services.auth import StaffLogin, agent_rooms, session_rooms, token_rooms
from ..services import tags
from ..services.bundle import Services
from ..services.chats import Actor, TransferTarget
from ..services.errors import Refused, Unauthorized
from ..services.model import Agent, AgentStatus, Author, Priority, Role, Ticket
from ..services.moderation import TargetRef, suspension_view
from ..services.rooms import AGENTS, SUPERVISORS  # by name: `rooms` is a method here
from ..services.views import ticket_view
from . import commands as c
from .common import allow_connect, allow_event, auth_object, check_message_text, stored_ack
from .chat_events import ChatEvents
from .dispatch import Namespace



DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, the port made explicit; None
    for anything else (`null`, a file: page, a bad port)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        return None
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def same_origin(environ: dict, public_url: str) -> bool:
    """Whether a browser's request comes from the desk's own pages: scheme,
    host and port of its Origin against `[server] public_url` when set, else
    against this request's own scheme and Host. The host alone is not
    enough: a page served over plain http (anyone on the path can write
    one) must not ride the cookie of the https console."""
    origin = environ.get("HTTP_ORIGIN")
    if origin is None:  # not a browser request: cookies are not ambient here
        return True
    request = environ.get("aiohttp.request")
    own = public_url or (f"{request.scheme}://{request.host}" if request is not None else "")
    theirs = origin_of(origin)
    return theirs is not None and theirs == origin_of(own)


async def authenticate(services: Services, environ: dict, auth: Any) -> StaffLogin:
    """The agent behind a connection (and its console session); raises
    Refused(unauthorized)."""
    fields = auth_object(auth)
    login = None
    if "token" in fields:
        login = await services.auth.token_login(fields["token"])
    else:
        request = environ.get("aiohttp.request")
        if request is not None and same_origin(environ, services.desk.config.server.public_url):
            login = await services.auth.console_login(await aiohttp_session.get_session(request))
    if login is None:
        raise Refused("unauthorized", "log in to the console or give a valid API token")
    return login


def _credential_rooms(login: StaffLogin, which: int) -> list[str]:
    """The room of the session or API token the connection came with, on
    /agent (`which` 0) or /supervisor (1): ending that credential closes it."""
    if login.session_id is not None:
        return [session_rooms(login.session_id)[which]]
    return [token_rooms(login.token_key)[which]] if login.token_key else []


class StaffNamespace(Namespace):
    role = Role.AGENT

    def __init__(self, services: Services, sio: socketio.AsyncServer) -> None:
        super().__init__()
        self._s = services
        self._sio = sio
        self._agents: dict[str, Agent] = {}

    async def connect(self, sid: str, environ: dict, auth: Any) -> None:
        await allow_connect(self._s, environ)
        login = await authenticate(self._s, environ, auth)
        self._s.auth.require_role(login.agent, self.role)
        self._agents[sid] = login.agent
        self._s.sessions.attach(sid, login)  # checked again while it lasts: services/sessions.py
        for room in self.rooms(login):
            await self._sio.enter_room(sid, room, namespace=self.path)

    def rooms(self, login: StaffLogin) -> list[str]:
        """This namespace's rooms for the connection (its agent's, its session's)."""
        return []

    def _gone(self, sid: str) -> Agent | None:
        self._s.sessions.detach(sid)
        return self._agents.pop(sid, None)

    def _agent(self, sid: str) -> Agent:
        agent = self._agents.get(sid)
        if agent is None:
            raise Unauthorized("not connected")
        return agent


class AgentNamespace(ChatEvents, StaffNamespace):
    path = "/agent"

    def __init__(self, services: Services, sio: socketio.AsyncServer) -> None:
        super().__init__(services, sio)
        self.events = {"agent:status": self.status, "chat:send": self.send, "chat:transfer": self.transfer,
                       "chat:convert": self.convert, **self.chat_events()}
        self.events["chat:flag"] = self.flag
        self.events["chat:transcript"] = self.transcript
        self.events |= {"chat:tag": self.tag, "chat:untag": self.untag}

    def rooms(self, login: StaffLogin) -> list[str]:
        return [agent_rooms(login.agent.id).agent, AGENTS, *_credential_rooms(login, 0)]

    async def connected(self, sid: str) -> None:
        await self._s.presence.agent_connected(self._agents[sid], sid)

    async def disconnect(self, sid: str) -> None:
        agent = self._gone(sid)
        if agent is not None:
            await self._s.presence.agent_disconnected(agent.id, sid)

    def _actor(self, sid: str) -> Actor:
        return Actor(Author.AGENT, self._agent(sid).id, sid)

    async def _budget(self, sid: str) -> None:
        await allow_event(self._s, sid)

    async def status(self, sid: str, payload: Any) -> dict:
        cmd = c.parse(c.AgentStatusSet, payload)
        await self._s.presence.set_status(self._agent(sid), AgentStatus(cmd.status))
        return {"ok": True, "status": cmd.status}

    async def send(self, sid: str, payload: Any) -> Any:
        cmd = c.parse(c.AgentSend, payload)
        pending = await self._s.chats.send(self._actor(sid), cmd.chat_id, cmd.client_id,
                                           check_message_text(self._s, cmd.text, cmd.attachments), note=cmd.note,
                                           attachments=cmd.attachments)
        return stored_ack(pending)

    async def transfer(self, sid: str, payload: Any) -> dict:
        cmd = c.parse(c.ChatTransfer, payload)
        to = TransferTarget(cmd.to.agent_id, cmd.to.tier, cmd.to.skill, cmd.to.department)
        result = await self._s.chats.transfer(self._actor(sid), cmd.chat_id, to)
        if isinstance(result, Ticket):
            return {"ok": True, "ticket": ticket_view(result)}
        return {"ok": True, "chat": await self._s.router.view(result)}

    async def flag(self, sid: str, payload: Any) -> dict:
        """Raises an abuse signal to supervisors; the chat goes on."""
        cmd = c.parse(c.ChatFlag, payload)
        chat = await self._s.chats.own(self._actor(sid), cmd.chat_id)
        visitor = await self._s.chats.visitor(chat.visitor_id)
        alert = await self._s.signals.flagged(self._agent(sid), chat, visitor, cmd.reason)
        return {"ok": True, "alert_id": alert.id}

    async def transcript(self, sid: str, payload: Any) -> dict:
        """A chat's transcript (no notes) mailed to its visitor's email on file."""
        cmd = c.parse(c.ChatRef, payload)
        email = await self._s.transcripts.for_agent(self._agent(sid), cmd.chat_id)
        return {"ok": True, "queued": True, "email": email}

    async def tag(self, sid: str, payload: Any) -> dict:
        """A tag of the list on a chat the agent holds or had; its tags after."""
        cmd = c.parse(c.ChatTag, payload)
        await self._budget(sid)  # each writes an audit row and tells every console of the chat
        found = await tags.tag_chat(self._s.desk, self._agent(sid), cmd.chat_id, cmd.tag_id)
        return {"ok": True, "chat_id": cmd.chat_id, "tags": [tags.tag_view(t) for t in found]}

    async def untag(self, sid: str, payload: Any) -> dict:
        cmd = c.parse(c.ChatTag, payload)
        await self._budget(sid)
        found = await tags.untag_chat(self._s.desk, self._agent(sid), cmd.chat_id, cmd.tag_id)
        return {"ok": True, "chat_id": cmd.chat_id, "tags": [tags.tag_view(t) for t in found]}

    async def convert(self, sid: str, payload: Any) -> dict:
        cmd = c.parse(c.ChatConvert, payload)
        ticket = await self._s.chats.convert(self._actor(sid), cmd.chat_id, subject=cmd.subject,
                                             priority=Priority(cmd.priority) if cmd.priority else None)
        return {"ok": True, "ticket": ticket_view(ticket)}


class SupervisorNamespace(StaffNamespace):
    path = "/supervisor"
    role = Role.SUPERVISOR

    def __init__(self, services: Services, sio: socketio.AsyncServer) -> None:
        super().__init__(services, sio)
        self.events = {"chat:reassign": self.reassign}
        self.events["survey:exclude"] = self.exclude_survey
        self.events |= {"account:suspend": self.suspend, "account:lift": self.lift}

    def rooms(self, login: StaffLogin) -> list[str]:
        return [agent_rooms(login.agent.id).supervisor, SUPERVISORS, *_credential_rooms(login, 1)]

    async def connected(self, sid: str) -> None:
        self._s.metrics.watchers = len(self._agents)
        await self._s.metrics.watcher_connected(self._agents[sid], sid)

    async def disconnect(self, sid: str) -> None:
        self._gone(sid)
        self._s.metrics.watchers = len(self._agents)

    async def exclude_survey(self, sid: str, payload: Any) -> dict:
        cmd = c.parse(c.SurveyExclude, payload)
        survey = await self._s.surveys.exclude(self._agent(sid), cmd.survey_id, cmd.reason)
        return {"ok": True, "survey": await self._s.surveys.view(survey)}

    async def reassign(self, sid: str, payload: Any) -> dict:
        supervisor = self._agent(sid)
        cmd = c.parse(c.ChatReassign, payload)
        chat = await self._s.chats.reassign(cmd.chat_id, cmd.agent_id, by=supervisor.id)
        return {"ok": True, "chat": await self._s.router.view(chat)}

    async def suspend(self, sid: str, payload: Any) -> dict:
        cmd = c.parse(c.AccountSuspend, payload)
        suspension, ended = await self._s.moderation.suspend(self._agent(sid), _target(cmd), reason=cmd.reason,
                                                             days=cmd.days, ban=cmd.ban)
        return {"ok": True, "suspension": suspension_view(suspension), "ended_chats": [chat.id for chat in ended]}

    async def lift(self, sid: str, payload: Any) -> dict:
        cmd = c.parse(c.AccountLift, payload)
        lifted = await self._s.moderation.lift(self._agent(sid), _target(cmd), cmd.reason)
        return {"ok": True, "lifted": [suspension_view(s) for s in lifted]}


def _target(cmd: c.AccountRef) -> TargetRef:
    return TargetRef(account_id=cmd.account_id, visitor_id=cmd.visitor_id, site=cmd.site)
