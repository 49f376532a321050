"""/visitor: the widget's namespace."""
from __future__ import annotations

from typing import Any

import socketio

from ..services import rooms
from ..services.auth import VisitorLogin
from ..services.bundle import Services
from ..services.chats import Actor, StartRequest
from ..services.tickets import TicketRequest
from ..services.views import ticket_view
from ..services.visit_types import VisitUpdate
from ..services.errors import Unauthorized
from ..services.model import Author, Priority, Visitor
from . import commands as c
from .common import (allow_connect, allow_event, auth_object, check_message_text, check_text, client_address,
                     stored_ack)
from .chat_events import ChatEvents
from .dispatch import Namespace


class VisitorNamespace(ChatEvents, Namespace):
    path = "/visitor"

    def __init__(self, services: Services, sio: socketio.AsyncServer) -> None:
        super().__init__()
        self._s = services
        self._sio = sio
        self._logins: dict[str, VisitorLogin] = {}
        # Connections admitted on standby while chat is closed to them: {"until", "ban"}.
        self._standby: dict[str, dict[str, Any]] = {}
        self.events = {"chat:start": self.start, "chat:send": self.send, "ticket:create": self.ticket,
                       **self.chat_events()}
        self.events["survey:submit"] = self.survey
        self.events["chat:transcript"] = self.transcript
        self.events["chat:context"] = self.context
        self.events["ticket:receipt"] = self.receipt

    async def connect(self, sid: str, environ: dict, auth: Any) -> None:
        await allow_connect(self._s, environ)
        fields = auth_object(auth)
        login = await self._s.auth.visitor(fields.get("site"), fields.get("token"), fields.get("identity"),
                                           environ.get("HTTP_ORIGIN"))
        if login.unseen:  # a visitor nobody has seen cannot be suspended
            pass
        elif fields.get("standby") is True:  # admitted while kept out of chat, to hear when it lifts
            kept_out = await self._s.moderation.kept_out(login.visitor)
            if kept_out is not None:
                self._standby[sid] = kept_out
        else:
            await self._s.moderation.check(login.visitor)  # refused while suspended or banned
        self._logins[sid] = login
        await self._sio.enter_room(sid, rooms.visitor(login.visitor.id), namespace=self.path)
        await self._sio.enter_room(sid, rooms.VISITORS, namespace=self.path)
        if login.visitor.verified and login.visitor.account_id:  # a suspension of the account reaches it
            room = rooms.account(login.visitor.site_id, login.visitor.account_id)
            await self._sio.enter_room(sid, room, namespace=self.path)

    async def connected(self, sid: str) -> None:
        login = self._logins[sid]
        await self._s.presence.visitor_connected(login.visitor, sid, login.token, kept_out=self._standby.get(sid),
                                                 unseen=login.unseen)

    async def disconnect(self, sid: str) -> None:
        self._standby.pop(sid, None)
        login = self._logins.pop(sid, None)
        if login is not None:
            await self._s.presence.visitor_disconnected(login.visitor.id, sid)

    def _actor(self, sid: str) -> Actor:
        login = self._logins.get(sid)
        if login is None:
            raise Unauthorized("not connected")
        return Actor(Author.VISITOR, login.visitor.id, sid)

    async def _visitor(self, sid: str, actor: Actor) -> Visitor:
        """The connection's visitor as stored now (or as it logged in, if
        not stored yet); never a visitor of another site."""
        login = self._logins[sid]
        stored = await self._s.chats.visitor(actor.id)
        return stored if stored is not None and stored.site_id == login.site.id else login.visitor

    async def start(self, sid: str, payload: Any) -> dict:
        cmd = c.parse(c.ChatStart, payload)
        actor = self._actor(sid)
        visitor = self._logins[sid].visitor  # the start reads it as stored, with what else it needs
        request = StartRequest(check_text(self._s, cmd.text), cmd.topic, cmd.name, cmd.email,
                               Priority(cmd.priority) if cmd.priority else None, cmd.new_issue)
        chat, position = await self._s.chats.start(visitor, request, actor)
        return {"ok": True, "chat": await self._s.router.view(chat), "position": position}

    async def survey(self, sid: str, payload: Any) -> dict:
        cmd = c.parse(c.SurveySubmit, payload)
        actor = self._actor(sid)
        visitor = await self._visitor(sid, actor)
        survey = await self._s.surveys.submit(visitor, cmd.chat_id, cmd.rating, cmd.comment)
        return {"ok": True, "survey_id": survey.id}

    async def ticket(self, sid: str, payload: Any) -> dict:
        """The offline form (and any time chat cannot help): a ticket with a receipt."""
        cmd = c.parse(c.TicketCreate, payload)
        actor = self._actor(sid)
        visitor = await self._visitor(sid, actor)
        request = TicketRequest(cmd.subject, check_text(self._s, cmd.text), cmd.email,
                                Priority(cmd.priority or "medium"), cmd.topic, evidence=cmd.evidence)
        client = client_address(self._sio.get_environ(sid, namespace=self.path) or {})
        ticket = await self._s.tickets.open(visitor, request, client=client, name=cmd.name, files=cmd.attachments)
        return {"ok": True, "ticket": ticket_view(ticket)}

    async def receipt(self, sid: str, payload: Any) -> dict:
        """A receipt the visitor did not get, mailed again: only of its own tickets."""
        cmd = c.parse(c.TicketReceipt, payload)
        actor = self._actor(sid)
        ticket = await self._s.intake.resend_receipt(await self._visitor(sid, actor), cmd.number)
        return {"ok": True, "ticket": ticket_view(ticket)}

    async def transcript(self, sid: str, payload: Any) -> dict:
        """The chat's transcript mailed to the visitor (queued in the outbox)."""
        cmd = c.parse(c.TranscriptMail, payload)
        actor = self._actor(sid)
        visitor = await self._visitor(sid, actor)
        client = client_address(self._sio.get_environ(sid, namespace=self.path) or {})
        await self._s.transcripts.for_visitor(actor, visitor, cmd.chat_id, cmd.email, client=client)
        return {"ok": True, "queued": True}

    async def context(self, sid: str, payload: Any) -> dict:
        """The visitor's page, browser facts and the host page's fields, beside its chat."""
        cmd = c.parse(c.ChatContext, payload)
        update = VisitUpdate(url=cmd.url, title=cmd.title, referrer=cmd.referrer, language=cmd.language,
                             time_zone=cmd.time_zone, utc_offset_min=cmd.utc_offset_min,
                             user_agent=cmd.user_agent, custom=cmd.custom)
        await self._s.visits.report(self._actor(sid), cmd.chat_id, update)
        return {"ok": True}

    async def send(self, sid: str, payload: Any) -> Any:
        cmd = c.parse(c.ChatSend, payload)
        pending = await self._s.chats.send(self._actor(sid), cmd.chat_id, cmd.client_id,
                                           check_message_text(self._s, cmd.text, cmd.attachments),
                                           attachments=cmd.attachments)
        return stored_ack(pending)

    async def _budget(self, sid: str) -> None:
        await allow_event(self._s, sid, self._actor(sid).id)
