"""The services wired together over one Desk (ports + clock + config)."""
from __future__ import annotations

import dataclasses

from .auth import AuthService
from .chats import ChatService
from .closures import ClosureService
from .hours import DeskHours
from .context import Desk
from .model import Chat, Visitor
from .presence import PresenceService
from .routing import Router
from .sla import SlaService
from .tickets import TicketService
from .timers import Timers


@dataclasses.dataclass(frozen=True)
class Services:
    desk: Desk
    auth: AuthService
    router: Router
    timers: Timers
    sla: SlaService
    tickets: TicketService
    closures: ClosureService
    hours: DeskHours
    chats: ChatService
    presence: PresenceService

    @classmethod
    def build(cls, desk: Desk) -> Services:
        router, timers = Router(desk), Timers(desk)
        sla, tickets = SlaService(desk, timers), TicketService(desk)
        router.on_assigned = sla.assigned

        async def describe(chat: Chat, visitor: Visitor | None) -> dict:
            context = await tickets.context(visitor) if visitor is not None else {}
            return {**context, "sla": sla.clocks_view(chat)}
        router.describe = describe
        chats = ChatService(desk, router, timers, sla, tickets)
        hours = DeskHours(desk, router, timers)
        closures = ClosureService(desk, on_change=hours.check)
        presence = PresenceService(desk, router, chats, timers, sla, tickets, closures)
        return cls(desk, AuthService(desk), router, timers, sla, tickets, closures, hours, chats, presence)
