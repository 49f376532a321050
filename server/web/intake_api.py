"""Ticket intake, mounted in the /api sub-app by `setup_api` (its
authentication, CSRF check and JSON errors); the rules are
services/intake.py's.

- `POST /api/tickets/{id}/split` `{"text", "subject"?}`: one problem per
  ticket: a new ticket for the same requester holding `text` (the part of
  the ticket that is another problem), linked both ways, audited, its
  receipt mailed. Every agent (any agent reads and answers tickets).
  Answers `{"ok": true, "ticket": TICKET}` (201) as `GET /api/tickets/{id}`.
"""
from __future__ import annotations

from aiohttp import web

from ..realtime.commands import Subject, Text
from ..realtime.common import check_text
from ..services.intake import SplitRequest
from ..services.model import Agent
from .api import Body, body, endpoint, services_of, ticket_answer
from .params import path_id


class SplitBody(Body):
    text: Text
    subject: Subject | None = None


async def split_ticket(request: web.Request, agent: Agent) -> web.Response:
    services, cmd = services_of(request), await body(request, SplitBody)
    asked = SplitRequest(check_text(services, cmd.text), cmd.subject.strip() if cmd.subject else None)
    ticket = await services.intake.split(agent, path_id(request), asked)
    return await ticket_answer(services, ticket, 201)


def intake_routes() -> list[web.RouteDef]:
    return [web.post("/tickets/{id}/split", endpoint(split_ticket))]
