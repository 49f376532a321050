"""Webhook events staged for the store: the ambient collector that puts
them in the transaction of the change that causes them.

A use case wraps the one store call that makes the change in
`with stage(desk, site_id, TYPE, data):`. When the site has an enabled
endpoint wanting TYPE (the node's `HookCatalog`; usually it has none, and
then nothing is built), the event's body is built and one outbox row per
endpoint is staged in a context variable; the store takes them
(`take_staged`) and inserts them in the same transaction as the change,
just before it commits: `SqlBase._write` when its statement changed a row,
`SqlBase._transaction` when its block ends normally, and a job of the
group commit (`GroupWriter.job`) when the job succeeds. A change that
fails or raises stores no event; an event is never stored without its
change, and the outbox is read by services.hook_worker.

`chat.message` goes another way, built once the batch has given the
message its seq: `message_hooks` rides on the NewMessage into the group
commit (store/batch.py), which inserts its rows in the same batch.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import contextvars
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from .context import Desk
from .model import TICKET_LABEL, Agent, Chat, ChatStatus, Message, Ticket
from .tokens import new_id
from .views import chat_view, message_view, ticket_view
from .webhook_types import HookRow

Data = Callable[[], dict[str, Any]]

@dataclasses.dataclass(slots=True)
class _Staged:
    """The rows staged by the blocks open in one task (nested blocks share it)."""

    owner: asyncio.Task | None
    rows: list[HookRow]


_staged: contextvars.ContextVar[_Staged | None] = contextvars.ContextVar("shiftdesk_webhooks", default=None)


def event_time(at: datetime) -> str:
    """`2026-12-04T10:00:00.000Z`: UTC, milliseconds."""
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def rows_of(desk: Desk, site_id: str, event_type: str, data: Data, *, chat_id: str | None = None,
            at: datetime | None = None) -> list[HookRow]:
    """One outbox row per enabled endpoint of the site that wants
    `event_type`, all with the same event id and body; none (and `data`
    not called) when there is no such endpoint."""
    targets = desk.webhooks.targets(site_id, event_type)
    if not targets:
        return []
    now = at or desk.clock.now()
    event_id = f"evt_{new_id()}"
    body = json.dumps({"id": event_id, "type": event_type, "created_at": event_time(now),
                       "site": targets[0].site_key, "data": data()}, separators=(",", ":"), ensure_ascii=False)
    return [HookRow(t.id, event_id, event_type, chat_id, body, now) for t in targets]


@contextlib.contextmanager
def stage(desk: Desk, site_id: str, event_type: str, data: Data, *, chat_id: str | None = None) -> Iterator[None]:
    """Stages the event for the store write made inside the block (by this
    task: a task started meanwhile copies the context but never takes the
    rows). Rows no write took by the end of the block are dropped: an event
    goes with the write of its own block or not at all. Blocks nest: the
    first write inside takes the rows of every open block."""
    rows = rows_of(desk, site_id, event_type, data, chat_id=chat_id)
    if not rows:
        yield
        return
    staged, token = _staged.get(), None
    if staged is None or staged.owner is not asyncio.current_task():
        staged = _Staged(asyncio.current_task(), [])
        token = _staged.set(staged)
    staged.rows.extend(rows)
    try:
        yield
    finally:
        mine = {id(row) for row in rows}
        staged.rows[:] = [row for row in staged.rows if id(row) not in mine]
        if token is not None:
            _staged.reset(token)
        desk.webhooks.wake()  # the store call has committed (or failed): nothing is lost by looking


def take_staged() -> list[HookRow]:
    """The rows staged by this task, handed over once (the store calls it)."""
    staged = _staged.get()
    if staged is None or not staged.rows or staged.owner is not asyncio.current_task():
        return []
    taken = list(staged.rows)
    staged.rows.clear()
    return taken


def message_hooks(desk: Desk, chat: Chat, agents: Mapping[str, Agent] | None = None
                  ) -> Callable[[Message], list[HookRow]] | None:
    """What the group commit calls with a stored message of `chat` for its
    `chat.message` rows; None (the common case) when no endpoint wants them.
    `agents`: the agent who wrote it, by id, for its name."""
    if not desk.webhooks.targets(chat.site_id, "chat.message"):
        return None

    def rows(message: Message) -> list[HookRow]:
        if message.note:  # notes are private to agents: never sent
            return []
        chat_now = chat_view(chat) | {"last_seq": message.seq}
        return rows_of(desk, chat.site_id, "chat.message",
                       lambda: {"chat": chat_now, "message": message_view(message, agents)},
                       chat_id=chat.id, at=message.at)
    return rows


def new_ticket(ticket: Ticket) -> Data:
    """The data of `ticket.created` for a ticket not stored yet: its number
    is the store's to give, so TICKET_LABEL stands for it (the store
    replaces it in the transaction, as in the receipt mails)."""
    return lambda: {"ticket": ticket_view(ticket) | {"number": TICKET_LABEL}}


def changed_ticket(ticket: Ticket, change: str, **more: Any) -> Data:
    """The data of `ticket.updated`: the ticket as the change leaves it, and
    what changed ("status", "reply", "assignee", "confirmed")."""
    return lambda: {"ticket": ticket_view(ticket), "change": change, **more}


def assigned_data(chat: Chat, agent: Agent, at: datetime, first: bool) -> Data:
    """The data of `chat.assigned`: the chat as the assignment leaves it."""
    def data() -> dict[str, Any]:
        after = dataclasses.replace(chat, status=ChatStatus.ACTIVE, agent_id=agent.id,
                                    assigned_at=at if first else chat.assigned_at)
        return {"chat": chat_view(after, agent), "agent": {"id": agent.id, "name": agent.name}}
    return data


def chat_data(chat: Chat, **more: Any) -> Data:
    return lambda: {"chat": chat_view(chat), **more}
