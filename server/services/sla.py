"""The chat SLA clocks at work: first response, response gap, duration.

The rules are `policy.sla`'s; this service keeps one deadline per open chat
in the live state (`sla:<chat id>`), set to the chat's next stage not yet
fired. When it fires, the chat's timeline is rebuilt from the store (the
record, whichever node wrote the messages), every stage due is recorded
once in the store and only then announced, and the deadline moves on.
Recording first is what keeps a restart, or two nodes, from announcing a
stage twice; re-arming from the store at start-up is what keeps one from
being lost.
"""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from ..policy.sla import ChatTimeline, Deadline, MessageMark, SlaLimits, deadlines, elapsed_s, timeline
from .context import Desk
from .model import Author, Chat, ChatStatus, Message, SlaEvent
from .timers import Timers
from .views import iso

log = logging.getLogger(__name__)
SLA = "sla"
Fired = tuple[str, str, datetime]  # (kind, stage, since)
ConvertHandler = Callable[[Chat], Awaitable[None]]


def breach_alert(event: SlaEvent) -> dict:
    """A breach as supervisors see it: the live `alert` and the stored list."""
    return {"kind": "sla_breach", "sla": event.kind, "chat_id": event.chat_id, "agent_id": event.agent_id,
            "elapsed_s": event.elapsed_s, "limit_s": event.limit_s, "at": iso(event.at)}


def _mark(message: Message) -> MessageMark:
    author = "note" if message.note else str(message.author)
    return MessageMark(message.at, author)  # type: ignore[arg-type]


@dataclasses.dataclass
class _Clocks:
    timeline: ChatTimeline
    fired: set[Fired]
    armed: datetime | None = None


class SlaService:
    def __init__(self, desk: Desk, timers: Timers) -> None:
        self._desk = desk
        self._timers = timers
        p = desk.config.policy
        self.limits = SlaLimits(p.first_response_s, p.first_response_warn_s, p.response_gap_s,
                                p.response_gap_warn_s, p.duration_warn_s, p.duration_convert_s)
        self._clocks: dict[str, _Clocks] = {}
        self.on_convert: ConvertHandler | None = None
        timers.on(SLA, self._fire)

    # what the chat loop reports
    async def started(self, chat: Chat, first: Message | None) -> None:
        marks = [_mark(first)] if first is not None else []
        await self._arm(chat.id, _Clocks(timeline(chat.started_at, chat.assigned_at, marks), set()))

    async def assigned(self, chat: Chat) -> None:
        clocks = await self._load(chat)
        if clocks.timeline.assigned_at != chat.assigned_at:
            clocks.timeline = dataclasses.replace(clocks.timeline, assigned_at=chat.assigned_at)
            await self._arm(chat.id, clocks)

    async def message(self, chat: Chat, message: Message) -> None:
        """A stored message: an agent reply stops the waiting clocks, a
        visitor message with nothing waiting starts the response gap."""
        if message.note or message.author is Author.SYSTEM:
            return
        clocks = await self._load(chat)
        before = clocks.timeline
        if message.author is Author.AGENT:
            after = dataclasses.replace(before, first_agent_reply_at=before.first_agent_reply_at or message.at,
                                        oldest_unanswered_visitor_at=None)
        elif before.oldest_unanswered_visitor_at is None:
            after = dataclasses.replace(before, oldest_unanswered_visitor_at=message.at)
        else:
            return
        if after != before:
            clocks.timeline = after
            await self._arm(chat.id, clocks)

    async def stopped(self, chat_id: str) -> None:
        self._clocks.pop(chat_id, None)
        await self._timers.cancel(SLA, chat_id)

    async def recover(self, chat: Chat) -> None:
        """After a restart: the chat's clocks from the store, stages already
        fired included, due ones firing at the next pass."""
        self._clocks.pop(chat.id, None)
        await self._arm(chat.id, await self._load(chat))

    def clocks_view(self, chat: Chat) -> dict:
        """The running clocks' next deadlines, for the console."""
        clocks = self._clocks.get(chat.id)
        if clocks is None:
            return {}
        return {d.kind: {"stage": d.stage, "at": iso(d.at), "since": iso(d.since), "limit_s": d.limit_s}
                for d in reversed(self._pending(clocks))}

    # inside
    async def _load(self, chat: Chat) -> _Clocks:
        clocks = self._clocks.get(chat.id)
        if clocks is None:
            clocks = self._clocks[chat.id] = await self._from_store(chat)
        return clocks

    async def _from_store(self, chat: Chat) -> _Clocks:
        store = self._desk.store
        messages = await store.messages_after(chat.id, 0, include_notes=True, limit=1_000_000)
        fired = {(e.kind, e.stage, e.anchor_at) for e in await store.sla_events(chat_id=chat.id)}
        return _Clocks(timeline(chat.started_at, chat.assigned_at, map(_mark, messages)), fired)

    def _pending(self, clocks: _Clocks) -> list[Deadline]:
        return [d for d in deadlines(clocks.timeline, self.limits)
                if (d.kind, d.stage, d.since) not in clocks.fired]

    async def _arm(self, chat_id: str, clocks: _Clocks) -> None:
        self._clocks[chat_id] = clocks
        pending = self._pending(clocks)
        at = pending[0].at if pending else None
        if at == clocks.armed:
            return
        clocks.armed = at
        if at is None:
            await self._timers.cancel(SLA, chat_id)
        else:
            await self._timers.set_at(SLA, chat_id, at)

    async def _fire(self, chat_id: str) -> None:
        chat = await self._desk.chats.get(chat_id)
        if chat.status is ChatStatus.ENDED:
            self._clocks.pop(chat_id, None)
            return
        now = self._desk.clock.now()
        clocks = self._clocks[chat_id] = await self._from_store(chat)  # the record decides
        for deadline in self._pending(clocks):
            if deadline.at > now:
                break
            clocks.fired.add((deadline.kind, deadline.stage, deadline.since))
            event = SlaEvent(chat.id, deadline.kind, deadline.stage, deadline.since, now, deadline.limit_s,
                             elapsed_s(deadline.since, now), chat.agent_id)
            if deadline.stage == "convert":  # the chat's end is the record: convert, then note it
                if self.on_convert is not None:
                    await self.on_convert(chat)
                await self._desk.store.record_sla_event(event)
                return
            if await self._desk.store.record_sla_event(event):
                await self._announce(chat, event)
        clocks.armed = None
        await self._arm(chat_id, clocks)

    async def _announce(self, chat: Chat, event: SlaEvent) -> None:
        notify = self._desk.notify
        payload = {"chat_id": chat.id, "kind": event.kind, "elapsed_s": event.elapsed_s, "limit_s": event.limit_s}
        agent_room = f"agent:{chat.agent_id}" if chat.agent_id else None
        if event.stage == "warning":
            if agent_room:
                await notify.emit("sla:warning", payload, agent_room)
            if event.kind == "duration":
                await notify.emit("chat:warning", {"chat_id": chat.id, "kind": "duration",
                                                   "remaining_s": max(0, event.limit_s - event.elapsed_s)},
                                  f"visitor:{chat.visitor_id}")
        else:
            if agent_room:
                await notify.emit("sla:breach", payload, agent_room)
            await notify.emit("alert", breach_alert(event), "supervisors")
