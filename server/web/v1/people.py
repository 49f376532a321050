"""/api/v1/visitors and /api/v1/accounts: who a chat or ticket is with,
their record, and suspending or lifting a verified account, as a lead does
(services/accounts.py, services/moderation.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from ...services.accounts import holds
from ...services.audit import REASON_CHARS
from ...services.errors import BadRequest, NotFound
from ...services.model import Suspension
from ...services.moderation import MAX_DAYS, TargetRef
from ..params import Query, SiteKey
from .registry import Call, operation
from .scope import acting, site_keys
from .types import Ok

Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=REASON_CHARS, description=(
    "Why, for the audit log (the visitor is not shown it)"))]
Site = Annotated[SiteKey | None, msgspec.Meta(description=(
    "The account's site key: a site token's own site when left out; a desk-wide token names it unless "
    "the account is known on one site only"))]


class VisitorItem(msgspec.Struct, kw_only=True):
    """A visitor as agents see them: a verified visitor's name, email and
    plan come from their site's identity token, an unverified one's are claims."""

    id: Annotated[str, msgspec.Meta(description="The visitor's id")]
    site: Annotated[str, msgspec.Meta(description="The key of the visitor's site")]
    verified: Annotated[bool, msgspec.Meta(description="Signed in on the site (an identity token)")]
    name: Annotated[str | None, msgspec.Meta(description="Their name")]
    email: Annotated[str | None, msgspec.Meta(description="Their email")]
    account_id: Annotated[str | None, msgspec.Meta(description="Their verified account on the site")]
    plan: Annotated[str | None, msgspec.Meta(description="Their account's plan")]
    created_at: Annotated[datetime, msgspec.Meta(description="When the desk first saw them (UTC)")]


class SuspensionItem(msgspec.Struct, kw_only=True):
    """A suspension or ban of a visitor or an account: chat is closed to them while it holds."""

    id: Annotated[str, msgspec.Meta(description="The suspension's id")]
    account_id: Annotated[str | None, msgspec.Meta(description="The account it is on (null: a visitor's)")]
    visitor_id: Annotated[str | None, msgspec.Meta(description="The visitor it is on (null: an account's)")]
    ban: Annotated[bool, msgspec.Meta(description="A ban lasts until lifted")]
    until: Annotated[datetime | None, msgspec.Meta(description="When a suspension runs out (UTC); null for a ban")]
    reason: Annotated[str, msgspec.Meta(description="Why, as the lead or program gave it")]
    created_at: Annotated[datetime, msgspec.Meta(description="When (UTC)")]
    actor_id: Annotated[str | None, msgspec.Meta(description="Who: an agent's id, or `token:<id>`")]
    lifted_at: Annotated[datetime | None, msgspec.Meta(description="When it was lifted (UTC)")]
    active: Annotated[bool, msgspec.Meta(description="It keeps them out of chat now")]


class ChatSummary(msgspec.Struct, kw_only=True):
    """One of their chats (GET /chats/{chat_id} has the rest)."""

    id: Annotated[str, msgspec.Meta(description="The chat's id")]
    status: Annotated[Literal["queued", "active", "ended"], msgspec.Meta(description="Where it is")]
    topic: Annotated[str | None, msgspec.Meta(description="Its topic")]
    started_at: Annotated[datetime, msgspec.Meta(description="When it started (UTC)")]
    ended_at: Annotated[datetime | None, msgspec.Meta(description="When it ended (UTC)")] = None


class TicketSummary(msgspec.Struct, kw_only=True):
    """One of their tickets (GET /tickets/{ticket_id} has the rest)."""

    id: Annotated[str, msgspec.Meta(description="The ticket's id")]
    number: Annotated[str, msgspec.Meta(description="Its receipt number")]
    subject: Annotated[str, msgspec.Meta(description="Its subject")]
    status: Annotated[str, msgspec.Meta(description="Its status")]
    created_at: Annotated[datetime, msgspec.Meta(description="When it was opened (UTC)")]


class Record(msgspec.Struct, kw_only=True):
    """What the desk holds of them, the latest 50 of each list."""

    held: Annotated[SuspensionItem | None, msgspec.Meta(description="What keeps them out of chat now, if anything")]
    suspensions: list[SuspensionItem]
    chats: list[ChatSummary]
    tickets: list[TicketSummary]


class VisitorAnswer(Record, kw_only=True):
    """A visitor and their record (their verified account's suspensions hold them too)."""

    ok: Ok = True
    visitor: VisitorItem


class AccountAnswer(Record, kw_only=True):
    """A verified account of a site: its visitors and their record."""

    ok: Ok = True
    site: Annotated[str, msgspec.Meta(description="The site's key")]
    account_id: Annotated[str, msgspec.Meta(description="The account's id on the site")]
    plan: Annotated[str | None, msgspec.Meta(description="Its plan")]
    visitors: list[VisitorItem]


class AccountQuery(Query):
    """Which site's account."""

    site: Site = None


class AccountSuspend(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A suspension (or a ban) of a verified account: its open chats end
    and its connections close at once."""

    reason: Reason
    days: Annotated[int | None, msgspec.Meta(description=(
        f"How long a suspension lasts, 1 to {MAX_DAYS} days (left out: the desk's `suspension_days`)"))] = None
    ban: Annotated[bool, msgspec.Meta(description="A ban, until lifted (then no days)")] = False
    site: Site = None


class AccountLift(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Lifts the account's suspensions and bans."""

    reason: Reason
    site: Site = None


class SuspensionAnswer(msgspec.Struct, kw_only=True):
    """The suspension, and the chats it ended."""

    ok: Ok = True
    suspension: SuspensionItem
    ended_chats: Annotated[list[str], msgspec.Meta(description="The ids of the chats it ended")]


class LiftAnswer(msgspec.Struct, kw_only=True):
    """What was lifted."""

    ok: Ok = True
    lifted: list[SuspensionItem]


def suspension_item(suspension: Suspension, now: datetime) -> SuspensionItem:
    s = suspension
    return SuspensionItem(id=s.id, account_id=s.account_id, visitor_id=s.visitor_id, ban=s.ban, until=s.until,
                          reason=s.reason, created_at=s.created_at, actor_id=s.actor_id, lifted_at=s.lifted_at,
                          active=holds(s, now))


def _visitor(view: dict[str, Any], site: str) -> dict[str, Any]:
    return {**view, "site": site, "account_id": view["account"] if view["verified"] else None}


def _record(view: dict[str, Any]) -> dict[str, Any]:
    return {"held": view["held"], "suspensions": view["suspensions"], "chats": view["chats"],
            "tickets": view["tickets"]}


async def _site_key(call: Call, key: str | None) -> str | None:
    """The site named, as the token may name it: a site token's own (another is 404)."""
    if call.site_id is None:
        return key
    own = (await site_keys(call))[call.site_id]
    if key is not None and key != own:
        raise NotFound("no such site")
    return own


@operation("GET", "/visitors/{visitor_id}", operation_id="getVisitor", summary="Get a visitor and their record",
           tag="visitors", scope="read", response=VisitorAnswer)
async def get_visitor(call: Call) -> VisitorAnswer:
    """A visitor, what keeps them out of chat if anything, their suspensions, chats and tickets."""
    visitor = await call.services.records.visitor(call.path["visitor_id"])
    call.check_site(visitor.site_id)
    view = await call.services.accounts.visitor(visitor.id)
    return msgspec.convert({**_record(view), "visitor": _visitor(view["visitor"], view["site"])}, VisitorAnswer)


@operation("GET", "/accounts/{account_id}", operation_id="getAccount", summary="Get a verified account",
           tag="accounts", scope="read", response=AccountAnswer, query=AccountQuery)
async def get_account(call: Call) -> AccountAnswer:
    """A verified account of a site: its visitors, what keeps it out of
    chat, its suspensions, chats and tickets. 404 for an account no
    verified visitor has and nobody suspended."""
    q: AccountQuery = call.query
    key = await _site_key(call, q.site)
    if key is None:
        keys = list((await site_keys(call)).values())
        if len(keys) != 1:
            raise BadRequest("name the account's site (?site=KEY): the desk has several")
        key = keys[0]
    view = await call.services.accounts.account(key, call.path["account_id"])
    return msgspec.convert({**_record(view), "site": view["site"], "account_id": view["account"]["id"],
                            "plan": view["account"]["plan"],
                            "visitors": [_visitor(v, view["site"]) for v in view["visitors"]]}, AccountAnswer)


@operation("POST", "/accounts/{account_id}/suspend", operation_id="suspendAccount", summary="Suspend or ban an account",
           tag="accounts", scope="write", response=SuspensionAnswer, status=201, body=AccountSuspend)
async def suspend_account(call: Call) -> SuspensionAnswer:
    """Closes chat to the account, as a lead does from the dashboard: its
    open chats end and its connections close; audited with actor
    `token:<id>`. 409 if it is suspended already."""
    cmd: AccountSuspend = call.body
    ref = TargetRef(account_id=call.path["account_id"], site=await _site_key(call, cmd.site))
    suspension, ended = await call.services.moderation.suspend(acting(call), ref, reason=cmd.reason, days=cmd.days,
                                                               ban=cmd.ban)
    return SuspensionAnswer(suspension=suspension_item(suspension, call.services.desk.clock.now()),
                            ended_chats=[c.id for c in ended])


@operation("POST", "/accounts/{account_id}/lift", operation_id="liftAccount", summary="Lift an account's suspension",
           tag="accounts", scope="write", response=LiftAnswer, body=AccountLift)
async def lift_account(call: Call) -> LiftAnswer:
    """Lifts the account's suspensions and bans; audited with actor
    `token:<id>`. 404 if none holds."""
    cmd: AccountLift = call.body
    ref = TargetRef(account_id=call.path["account_id"], site=await _site_key(call, cmd.site))
    lifted = await call.services.moderation.lift(acting(call), ref, cmd.reason)
    now = call.services.desk.clock.now()
    return LiftAnswer(lifted=[suspension_item(s, now) for s in lifted])
