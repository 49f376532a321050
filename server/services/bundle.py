"""The services wired together over one Desk (ports + clock + config)."""
from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from .accounts import AccountsView
from .attachments import AttachmentService
from .auth import AuthService
from .chats import ChatService
from .closures import ClosureService
from .hours import DeskHours
from .metrics import Metrics
from .context import Desk
from .moderation import ModerationService
from .nodes import NodeWatch
from .people import PeopleService
from .presence import PresenceService
from .records import Records
from .routing import Router
from .search import SearchService
from .sessions import SessionWatch
from .intake import IntakeService
from .integrations import IntegrationService
from .signals import Signals
from .sla import SlaService
from .surveys import SurveyService
from .throttle import Throttle
from .tickets import TicketService
from .ticket_sla import TicketSlaService
from .timers import Timers
from .topics import TopicService
from .transcripts import TranscriptService
from .visits import VisitService
from .webhooks import WebhookService


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
    signals: Signals
    surveys: SurveyService
    metrics: Metrics
    moderation: ModerationService
    sessions: SessionWatch
    nodes: NodeWatch
    throttle: Throttle
    records: Records
    transcripts: TranscriptService
    attachments: AttachmentService
    visits: VisitService
    search: SearchService
    accounts: AccountsView
    topics: TopicService
    intake: IntakeService
    people: PeopleService
    ticket_sla: TicketSlaService
    integrations: IntegrationService
    webhooks: WebhookService

    @classmethod
    def build(cls, desk: Desk) -> Services:
        timers = Timers(desk)
        sla, tickets = SlaService(desk, timers), TicketService(desk)
        ticket_sla = TicketSlaService(desk, timers)
        router = Router(desk, timers, sla, tickets)

        signals = Signals(desk)
        chats = ChatService(desk, router, timers, sla, tickets, signals)
        hours = DeskHours(desk, router, timers)
        closures = ClosureService(desk, on_change=_then(hours.check, ticket_sla.recover))
        presence = PresenceService(desk, router, chats, timers, sla, tickets, closures, hours.agent_seen)
        moderation = ModerationService(desk, chats, timers)
        auth = AuthService(desk)
        surveys = SurveyService(desk, signals)
        records = Records(desk, router, surveys, ticket_sla)
        return cls(desk=desk, auth=auth, router=router, timers=timers, sla=sla, tickets=tickets,
                   closures=closures, hours=hours, chats=chats, presence=presence, signals=signals,
                   surveys=surveys, metrics=Metrics(desk, router, ticket_sla),
                   moderation=moderation, sessions=SessionWatch(desk, auth, presence),
                   nodes=NodeWatch(desk, router, presence, moderation, ticket_sla), throttle=Throttle(desk),
                   records=records,
                   transcripts=TranscriptService(desk, chats, tickets, router),
                   attachments=AttachmentService(desk),
                   visits=VisitService(desk, chats),
                   search=SearchService(desk, records),
                   accounts=AccountsView(desk, surveys),
                   topics=TopicService(desk),
                   intake=IntakeService(desk, tickets),
                   people=PeopleService(desk, router, presence, on_change=hours.check),
                   ticket_sla=ticket_sla, integrations=IntegrationService(desk), webhooks=WebhookService(desk))



def _then(*steps: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    """One callback running `steps` in order: a closure added or removed
    tells visitors whether the desk is open, and moves the business-hours
    warnings of open tickets (re-armed from the new calendar)."""
    async def run() -> None:
        for step in steps:
            await step()
    return run
