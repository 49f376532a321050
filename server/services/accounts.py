"""The lead's accounts view, read only: one account or one visitor whole,
in one call. Who they are (verified or not, site, account, plan), their
chats, tickets, surveys, the alerts raised about them, and every
suspension and ban that held or holds them, with who acted, why and until
when. Each list is the newest `LIMIT` first; `more` names the lists that
had more.

An account is the verified visitors of a site with the same account id:
what an account suspension covers. An unverified visitor (its account is
only a claim) is shown alone. Suspending, banning and lifting stay the
moderation service's (the `account:suspend` and `account:lift` events).
"""
from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from .context import Desk
from .errors import NotFound
from .model import Site, Suspension, Visitor
from .moderation import suspension_view
from .signals import alert_view
from .surveys import SurveyService
from .views import chat_view, iso, ticket_view, visitor_view

LIMIT = 50  # rows per list


@dataclasses.dataclass(frozen=True, slots=True)
class Whose:
    """What the lists are read for: one visitor, or else the account."""

    site: Site
    account_id: str | None  # a verified account: its own suspensions are read too
    visitor_id: str | None  # None: every verified visitor of the account


def holds(suspension: Suspension, now: datetime) -> bool:
    """Keeps them out of chat at `now`: not lifted, and a ban or not run out."""
    return suspension.lifted_at is None and (suspension.until is None or suspension.until > now)


class AccountsView:
    def __init__(self, desk: Desk, surveys: SurveyService) -> None:
        self._desk = desk
        self._surveys = surveys

    async def account(self, site_key: str, account_id: str) -> dict[str, Any]:
        """The account of the site with key `site_key`: its verified
        visitors and their record. Raises NotFound for an unknown site, or
        an account no verified visitor has and nobody suspended."""
        store = self._desk.store
        site = await store.site_by_key(site_key)
        if site is None:
            raise NotFound("no such site")
        members = await store.account_visitors(site.id, account_id, LIMIT + 1)
        picture = await self._picture(Whose(site, account_id, None))
        if not members and not picture["suspensions"]:
            raise NotFound("no verified visitor has that account on this site")
        plan = next((v.plan for v in members if v.plan), None)
        return {"kind": "account", "site": site.key, "account": {"id": account_id, "plan": plan},
                "visitors": [_member(v) for v in members[:LIMIT]],
                **_more(picture, visitors=len(members) > LIMIT)}

    async def visitor(self, visitor_id: str) -> dict[str, Any]:
        """One visitor and their record, with their verified account's
        suspensions (they hold them too). Raises NotFound."""
        store = self._desk.store
        visitor = await store.visitor_by_id(visitor_id)
        site = await store.site_by_id(visitor.site_id) if visitor else None
        if visitor is None or site is None:
            raise NotFound("no such visitor")
        picture = await self._picture(Whose(site, visitor.account, visitor.id))
        return {"kind": "visitor", "site": site.key, "visitor": _member(visitor),
                "account": {"id": visitor.account, "site": site.key} if visitor.account else None,
                **_more(picture)}

    async def _picture(self, whose: Whose) -> dict[str, Any]:
        store, now = self._desk.store, self._desk.clock.now()
        where = {"account_id": whose.account_id, "visitor_id": whose.visitor_id, "limit": LIMIT + 1}
        chats = await store.chats_of(whose.site.id, **where)
        tickets = await store.list_tickets(site_id=whose.site.id, visitor_id=whose.visitor_id,
                                           account_id=None if whose.visitor_id else whose.account_id,
                                           limit=LIMIT + 1)
        surveys = await store.surveys_of(whose.site.id, **where)
        alerts = await store.alerts_of(whose.site.id, **where)
        suspensions = await store.suspensions_of(whose.site.id, **where)
        # removed agents too: their chats and suspensions keep their names
        wanted = {c.agent_id for c in chats} | {s.actor_id for s in suspensions} | {s.lifted_by for s in suspensions}
        agents = {a.id: a for a in await store.agents_by_ids({i for i in wanted if i})}
        names = {i: a.name for i, a in agents.items()}
        return {
            "held": _held(suspensions, whose, names, now),
            "chats": [{**chat_view(c, agents.get(c.agent_id or "")), "visitor_id": c.visitor_id} for c in chats],
            "tickets": [{**ticket_view(t), "visitor_id": t.visitor_id, "updated_at": iso(t.updated_at)}
                        for t in tickets],
            "surveys": [await self._surveys.view(s) for s in surveys],
            "alerts": [alert_view(a) for a in alerts],
            "suspensions": [_suspension(s, names, now) for s in suspensions],
        }


def _held(suspensions: list[Suspension], whose: Whose, names: dict[str, str],
          now: datetime) -> dict[str, Any] | None:
    """What keeps them out of chat now, as `active_suspension` picks it (a
    ban first, else the one that lasts longest). An account is held by its
    own suspensions only: one of its visitors' is that visitor's."""
    active = [s for s in suspensions if holds(s, now) and (whose.visitor_id or s.visitor_id is None)]
    if not active:
        return None
    return _suspension(max(active, key=lambda s: (s.ban, s.until or now)), names, now)


def _more(picture: dict[str, Any], **others: bool) -> dict[str, Any]:
    """The lists cut to LIMIT, and `more`: the names of those that had more."""
    lists = ("chats", "tickets", "surveys", "alerts", "suspensions")
    more = [name for name in lists if len(picture[name]) > LIMIT] + [name for name, over in others.items() if over]
    return {**picture, **{name: picture[name][:LIMIT] for name in lists}, "more": sorted(more)}


def _member(visitor: Visitor) -> dict[str, Any]:
    return {**visitor_view(visitor), "created_at": iso(visitor.created_at)}


def _suspension(suspension: Suspension, names: dict[str, str], now: datetime) -> dict[str, Any]:
    """A suspension with who acted and who lifted it by name (None: by itself)."""
    return {**suspension_view(suspension), "active": holds(suspension, now),
            "actor_name": names.get(suspension.actor_id or ""),
            "lifted_by": suspension.lifted_by, "lifted_by_name": names.get(suspension.lifted_by or ""),
            "lifted_reason": suspension.lifted_reason}
