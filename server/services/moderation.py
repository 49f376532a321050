"""Suspensions and bans: a supervisor closes chat to a verified account
(every visitor of it on its site) or to one visitor, with a reason. Its
open chats end at once, its connections are told and closed, new
connections and new chats are refused. A suspension lifts by itself at
`until` (`[policy] suspension_days` by default); a ban only when a
supervisor lifts it. Tickets stay open to everyone. Every step is audited.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from . import audit, rooms
from . import events as ev
from .admission import may_chat
from .chats import ChatService
from .context import Desk
from .errors import BadRequest, Banned, NotFound, Suspended
from .hook_events import chat_data, rows_of, stage
from .model import Agent, Chat, EndReason, Site, Suspension, Visitor
from .webhook_types import HookRow
from .timers import Timers
from .tokens import new_id
from .views import iso

SUSPENSION = "suspension"  # the timer that lifts one: suspension:<id>
MAX_DAYS = 3650


@dataclasses.dataclass(frozen=True, slots=True)
class TargetRef:
    """What a supervisor names: a verified account (of the site whose key is
    `site`; None: the one site where verified visitors have that account),
    or one visitor."""

    account_id: str | None = None
    visitor_id: str | None = None
    site: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Target:
    site_id: str
    label: str  # the audit log's target
    room: str  # the connections to tell and close
    account_id: str | None = None
    visitor_id: str | None = None


def _account(site: Site, account_id: str) -> Target:
    return Target(site.id, audit.account_target(site.key, account_id), rooms.account(site.id, account_id),
                  account_id=account_id)


def _visitor(site_id: str, visitor_id: str) -> Target:
    return Target(site_id, audit.visitor_target(visitor_id), rooms.visitor(visitor_id), visitor_id=visitor_id)


def suspension_view(suspension: Suspension) -> dict[str, Any]:
    """A suspension as supervisors see it."""
    return {"id": suspension.id, "account_id": suspension.account_id, "visitor_id": suspension.visitor_id,
            "ban": suspension.ban, "until": iso(suspension.until), "reason": suspension.reason,
            "created_at": iso(suspension.created_at), "actor_id": suspension.actor_id,
            "lifted_at": iso(suspension.lifted_at)}


class ModerationService:
    def __init__(self, desk: Desk, chats: ChatService, timers: Timers) -> None:
        self._desk = desk
        self._chats = chats
        self._timers = timers
        timers.on(SUSPENSION, self._expire)

    async def check(self, visitor: Visitor) -> None:
        """Raises Suspended (with `until`) or Banned while the visitor, or
        its verified account, is kept out of chat."""
        await may_chat(self._desk, visitor)

    async def suspend(self, by: Agent, ref: TargetRef, *, reason: str, days: int | None = None,
                      ban: bool = False) -> tuple[Suspension, list[Chat]]:
        """Ends the target's open chats and closes its connections (after
        the commit); returns the suspension and the chats it ended. Raises
        NotFound for an unknown target, Conflict if it is suspended already."""
        reason = audit.reason_of(reason)
        if ban and days is not None:
            raise BadRequest("a ban has no days: it lasts until a supervisor lifts it")
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise BadRequest(f"days must be 1 to {MAX_DAYS}")
        target, now = await self._target(ref), self._desk.clock.now()
        until = None if ban else now + timedelta(days=days or self._desk.config.policy.suspension_days)
        suspension = Suspension(id=new_id(), site_id=target.site_id, ban=ban, reason=reason, created_at=now,
                                until=until, account_id=target.account_id, visitor_id=target.visitor_id,
                                actor_id=by.id)
        shown = {"suspension": suspension_view(suspension)}
        with stage(self._desk, target.site_id, "account.suspended", lambda: shown):
            ended = await self._desk.store.suspend(suspension, audit.entry(
                audit.BAN if ban else audit.SUSPEND, target.label, now, actor_id=by.id, reason=reason,
                data={"suspension_id": suspension.id, "until": iso(until)}), ended_hooks=self._ended_hooks(now))
        self._desk.webhooks.wake()
        self._desk.kept_out.changed()
        if until is not None:
            await self._timers.set_at(SUSPENSION, suspension.id, until)
        for chat in ended:
            await self._chats.ended_elsewhere(chat, {"chat_id": chat.id, "reason": str(EndReason.SUSPENDED)})
        # The visitor is told when it lifts, not the supervisor's reason: that is for the audit log.
        self._desk.events.add(ev.AccountSuspended(target.room, {"until": iso(until), "ban": ban}))
        self._desk.events.close(target.room)
        return suspension, ended

    async def kept_out(self, visitor: Visitor) -> dict[str, Any] | None:
        """`{"until", "ban"}` while chat is closed to the visitor (what a
        connection on standby is told in its `session`), else None."""
        try:
            await self.check(visitor)
        except Suspended as error:
            return {"until": error.fields.get("until"), "ban": False}
        except Banned:
            return {"until": None, "ban": True}
        return None

    async def lift(self, by: Agent, ref: TargetRef, reason: str) -> list[Suspension]:
        """Lifts the target's active suspensions and bans; NotFound if none."""
        reason = audit.reason_of(reason)
        target, now = await self._target(ref), self._desk.clock.now()
        data = {"account_id": target.account_id, "visitor_id": target.visitor_id, "lifted_at": iso(now),
                "reason": reason, "automatic": False}
        with stage(self._desk, target.site_id, "account.lifted", lambda: data):
            lifted = await self._desk.store.lift(target.site_id, account_id=target.account_id,
                                                 visitor_id=target.visitor_id,
                                                 audit=audit.entry(audit.LIFT, target.label, now, actor_id=by.id,
                                                                   reason=reason))
        if not lifted:
            raise NotFound("no active suspension or ban to lift")
        self._desk.kept_out.changed()
        for suspension in lifted:
            await self._timers.cancel(SUSPENSION, suspension.id)
        await self._announce_lift(target.room, now)
        return lifted

    async def recover(self) -> None:
        """After a restart: every suspension's lifting timer again (those
        that ran out meanwhile fire at once)."""
        for suspension in await self._desk.store.open_suspensions():
            if suspension.until is not None:
                await self._timers.set_at(SUSPENSION, suspension.id, suspension.until)

    async def _expire(self, suspension_id: str) -> None:
        """At `until` the suspension lifts by itself (audited, by nobody)."""
        store = self._desk.store
        suspension = await store.suspension_by_id(suspension_id)
        if suspension is None or suspension.lifted_at is not None:
            return
        target, now = await self._target_of(suspension), self._desk.clock.now()
        data = {"account_id": suspension.account_id, "visitor_id": suspension.visitor_id, "lifted_at": iso(now),
                "reason": "its time ran out", "automatic": True, "suspension_id": suspension.id}
        with stage(self._desk, suspension.site_id, "account.lifted", lambda: data):
            expired = await store.expire_suspension(suspension.id, audit.entry(
                audit.AUTO_LIFT, target.label, now, reason="its time ran out",
                data={"suspension_id": suspension.id, "until": iso(suspension.until)}))
        if expired is not None:
            self._desk.kept_out.changed()
            await self._announce_lift(target.room, now)

    def _ended_hooks(self, now: datetime) -> Callable[[list[Chat]], list[HookRow]]:
        """chat.ended for the chats a suspension ends: which they are is
        known only inside the store's transaction (store.suspend), which
        calls this to store their rows with the suspension."""
        desk = self._desk

        def rows(ended: list[Chat]) -> list[HookRow]:
            return [row for chat in ended for row in rows_of(
                desk, chat.site_id, "chat.ended", chat_data(chat, reason=str(EndReason.SUSPENDED)),
                chat_id=chat.id, at=now)]
        return rows

    async def _announce_lift(self, room: str, now: datetime) -> None:
        """Connections on standby hear it and connect again: their new
        `session` says whether chat is open now (another suspension, of the
        visitor or of its account, may still hold)."""
        self._desk.events.add(ev.AccountLifted(room, {"at": iso(now)}))

    async def _target_of(self, suspension: Suspension) -> Target:
        site = await self._desk.store.site_by_id(suspension.site_id)
        if suspension.account_id is not None and site is not None:
            return _account(site, suspension.account_id)
        return _visitor(suspension.site_id, str(suspension.visitor_id))

    async def _target(self, ref: TargetRef) -> Target:
        """Raises NotFound for an unknown visitor or site, BadRequest for
        an account on several sites when no site is named."""
        store = self._desk.store
        if ref.visitor_id is not None:
            visitor = await store.visitor_by_id(ref.visitor_id)
            if visitor is None:
                raise NotFound("no such visitor")
            return _visitor(visitor.site_id, visitor.id)
        if ref.account_id is None:
            raise BadRequest("name an account_id or a visitor_id")
        if ref.site is not None:
            site = await store.site_by_key(ref.site)
        else:
            sites = await store.account_sites(ref.account_id)
            if len(sites) > 1:
                raise BadRequest("that account is known on several sites: name the site (its key)")
            site = await store.site_by_id(sites[0]) if sites else None
        if site is None:
            raise NotFound("no such site, or no verified visitor has that account: name the site")
        return _account(site, ref.account_id)
