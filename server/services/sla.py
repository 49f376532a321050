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
from datetime import datetime

from ..policy.sla import (ChatTimeline, Deadline, Fired, MessageMark, SlaLimits, advance, clock_states, deadlines,
                          elapsed_s, timeline)
from . import events as ev
from . import rooms
from .bus import ChatAssigned, DurationLimitReached
from .context import Desk
from .hook_events import chat_data, stage
from .model import Chat, ChatStatus, Message, SlaEvent
from .timers import Timers
from .views import clocks_view, iso

log = logging.getLogger(__name__)
SLA = "sla"


def breach_alert(event: SlaEvent) -> dict:
    """A breach as supervisors see it: the live `alert` and the stored list."""
    return {"kind": "sla_breach", "sla": event.kind, "chat_id": event.chat_id, "agent_id": event.agent_id,
            "elapsed_s": event.elapsed_s, "limit_s": event.limit_s, "at": iso(event.at)}


def sla_view(event: SlaEvent) -> dict:
    """An SLA warning or breach as webhooks carry it."""
    return {"kind": event.kind, "stage": event.stage, "elapsed_s": event.elapsed_s, "limit_s": event.limit_s,
            "at": iso(event.at), "agent_id": event.agent_id}


def _mark(message: Message) -> MessageMark:
    author = "note" if message.note else str(message.author)
    return MessageMark(message.at, author)  # type: ignore[arg-type]


@dataclasses.dataclass
class _Clocks:
    timeline: ChatTimeline
    fired: set[Fired]
    armed: datetime | None = None
    seq: int = 0  # the last message counted

    @property
    def version(self) -> int:
        """Grows with every change of the clocks (a message counted, a stage
        fired), so a console keeps the latest of two states that cross."""
        return self.seq + len(self.fired)

    def view(self, limits: SlaLimits) -> dict:
        return clocks_view(clock_states(self.timeline, limits, self.fired))


def _clocks_of(chat: Chat, messages: list[Message], fired: list[SlaEvent]) -> _Clocks:
    return _Clocks(timeline(chat.started_at, chat.assigned_at, map(_mark, messages)),
                   {(e.kind, e.stage, e.anchor_at) for e in fired}, seq=messages[-1].seq if messages else 0)


class SlaService:
    def __init__(self, desk: Desk, timers: Timers) -> None:
        self._desk = desk
        self._timers = timers
        p = desk.config.policy
        self.limits = SlaLimits(p.first_response_s, p.first_response_warn_s, p.response_gap_s,
                                p.response_gap_warn_s, p.duration_warn_s, p.duration_convert_s)
        # Each chat's clocks as this node last saw them. A node that moves
        # a chat's deadline tells the others, which read the record again
        # at their next use; a deadline fires from the record in any case.
        self._clocks: dict[str, _Clocks] = {}
        timers.on(SLA, self._fire)
        desk.bus.on(ChatAssigned, lambda event: self.assigned(event.chat))
        desk.live.subscribe(self._changed_elsewhere)

    def _changed_elsewhere(self, topic: str, key: str) -> None:
        if topic == SLA:
            self._clocks.pop(key, None)
        elif topic == "*":
            self._clocks.clear()

    # what the chat loop reports
    async def started(self, chat: Chat, first: Message | None) -> None:
        marks = [_mark(first)] if first is not None else []
        await self._arm(chat.id, _Clocks(timeline(chat.started_at, chat.assigned_at, marks), set(),
                                         seq=first.seq if first is not None else 0))

    async def assigned(self, chat: Chat) -> None:
        clocks = await self._load(chat)
        if clocks.timeline.assigned_at != chat.assigned_at:
            clocks.timeline = dataclasses.replace(clocks.timeline, assigned_at=chat.assigned_at)
            await self._arm(chat.id, clocks)

    async def message(self, chat: Chat, message: Message) -> None:
        """A stored message: an agent reply stops the waiting clocks, a
        visitor message with nothing waiting starts the response gap; the
        chat's agent is told the clocks' new state."""
        clocks = await self._load(chat)
        clocks.seq = max(clocks.seq, message.seq)
        if message.note:
            return
        after = advance(clocks.timeline, _mark(message))
        if after is not clocks.timeline:
            clocks.timeline = after
            await self._arm(chat.id, clocks)
            await self._tell(chat, clocks)

    async def stopped(self, chat_id: str) -> None:
        self._clocks.pop(chat_id, None)
        await self._timers.cancel(SLA, chat_id)

    async def recover(self, chat: Chat) -> None:
        """After a restart: the chat's clocks from the store, stages already
        fired included, due ones firing at the next pass."""
        self._clocks.pop(chat.id, None)
        await self._arm(chat.id, await self._load(chat))

    async def state(self, chat: Chat) -> dict:
        """The chat's three clocks as the record has them, read afresh from
        the store (whichever node fired what): what a console gets with a
        chat, `{"sla": {KIND: CLOCK}, "sla_version"}` (protocol.md)."""
        clocks = await self._from_store(chat)
        return {"sla": clocks.view(self.limits), "sla_version": clocks.version}

    def state_of(self, chat: Chat, messages: list[Message], fired: list[SlaEvent]) -> dict:
        """`state` from the chat's record as already read (all its
        messages, the events fired for it): in the transaction that
        assigned it, say."""
        clocks = _clocks_of(chat, messages, fired)
        return {"sla": clocks.view(self.limits), "sla_version": clocks.version}

    async def visitor_warning(self, chat: Chat) -> dict | None:
        """The duration warning the visitor was given, as `chat:warning`
        with the time left now, if it fired for this chat: a reloaded widget
        shows it again."""
        fired = {(e.kind, e.stage, e.anchor_at) for e in await self._desk.store.sla_events(chat_id=chat.id)}
        duration = clock_states(ChatTimeline(chat.started_at, chat.assigned_at), self.limits, fired)["duration"]
        if duration.state != "running" or duration.stage == "ok" or duration.deadline is None:
            return None
        return {"chat_id": chat.id, "kind": "duration",
                "remaining_s": max(0, int((duration.deadline - self._desk.clock.now()).total_seconds()))}

    def clocks_view(self, chat: Chat) -> dict:
        """The running clocks' next deadlines (the `context.sla` of chat:assigned)."""
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
        return _clocks_of(chat, messages, await store.sla_events(chat_id=chat.id))

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
        await self._desk.live.publish(SLA, chat_id)

    async def _fire(self, chat_id: str) -> None:
        chat = await self._desk.chats.get(chat_id)
        if chat.status is ChatStatus.ENDED:
            self._clocks.pop(chat_id, None)
            return
        now = self._desk.clock.now()
        clocks = self._clocks[chat_id] = await self._from_store(chat)  # the record decides
        announced = False
        for deadline in self._pending(clocks):
            if deadline.at > now:
                break
            clocks.fired.add((deadline.kind, deadline.stage, deadline.since))
            event = SlaEvent(chat.id, deadline.kind, deadline.stage, deadline.since, now, deadline.limit_s,
                             elapsed_s(deadline.since, now), chat.agent_id)
            if deadline.stage == "convert":  # the chat's end is the record: convert, then note it
                await self._desk.bus.publish(DurationLimitReached(chat))
                await self._desk.store.record_sla_event(event)
                return
            with stage(self._desk, chat.site_id, f"sla.{deadline.stage}", chat_data(chat, sla=sla_view(event)),
                       chat_id=chat.id):
                recorded = await self._desk.store.record_sla_event(event)
            if recorded:
                await self._announce(chat, event)
                announced = True
        clocks.armed = None
        await self._arm(chat_id, clocks)
        if announced:
            await self._tell(chat, clocks)

    async def _tell(self, chat: Chat, clocks: _Clocks) -> None:
        """`sla:clocks` to the chat's agent: the state of every clock now."""
        if chat.agent_id is None or chat.status is not ChatStatus.ACTIVE:
            return
        self._desk.events.add(ev.SlaClocks(rooms.agent(chat.agent_id), {
            "chat_id": chat.id, "now": iso(self._desk.clock.now()), "version": clocks.version,
            "sla": clocks.view(self.limits)}))

    async def _announce(self, chat: Chat, event: SlaEvent) -> None:
        events = self._desk.events
        payload = {"chat_id": chat.id, "kind": event.kind, "elapsed_s": event.elapsed_s, "limit_s": event.limit_s}
        agent_room = rooms.agent(chat.agent_id) if chat.agent_id else None
        if event.stage == "warning":
            if agent_room:
                events.add(ev.SlaWarning(agent_room, payload))
            if event.kind == "duration":
                events.add(ev.ChatWarning(rooms.visitor(chat.visitor_id), {
                    "chat_id": chat.id, "kind": "duration", "remaining_s": max(0, event.limit_s - event.elapsed_s)}))
        else:
            if agent_room:
                events.add(ev.SlaBreach(agent_room, payload))
            events.add(ev.Alert(rooms.SUPERVISORS, breach_alert(event)))
