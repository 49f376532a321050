"""One group-commit batch: the SQL that stores many messages in one
transaction with a constant number of statements, whatever the batch size.

Operations, in order: (PostgreSQL) lock the batch's chats in id order;
bump every open chat's `last_seq` by its candidate count, RETURNING the new
values; find already-stored client_ids; give back the seqs of those
duplicates (only when there are any); insert the new rows. A rejected chat
costs one more SELECT, to tell "ended" from "never existed". Each backend
writes them as fixed statements on its raw connection (`BatchSql`:
batch_sqlite.py, batch_pg.py).

The functions are synchronous on purpose: on SQLite the whole batch, commit
included, runs in one call on the writer's own thread (one thread hop per
batch, not one per statement); on PostgreSQL the writer's async connection
runs the same function with `run_sync`.

Bumping before the duplicate look-up is what makes the look-up safe across
nodes: once this transaction holds a chat's row, no other writer can store a
message in that chat until it commits, so the look-up sees all of them.
"""
from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Protocol

from ..services import errors
from ..services.model import Message, NewMessage
from ..services.webhook_types import HookRow
from .rows import stored_message

log = logging.getLogger(__name__)

Key = tuple[str, str, str]  # chat_id, author, client_id
Outcome = Message | errors.DeskError


def key_of(message: NewMessage) -> Key | None:
    if message.client_id is None:
        return None
    return (message.chat_id, message.author.value, message.client_id)


@dataclasses.dataclass(frozen=True, slots=True)
class Plan:
    """Which rows of a batch could be stored (`primaries`, in call order),
    and which repeat the client_id of an earlier row of the same batch."""

    primaries: list[int]
    alias_of: dict[int, int]


def plan(batch: Sequence[NewMessage]) -> Plan:
    primaries: list[int] = []
    alias_of: dict[int, int] = {}
    first_with: dict[Key, int] = {}
    for index, message in enumerate(batch):
        key = key_of(message)
        if key is not None and key in first_with:
            alias_of[index] = first_with[key]
            continue
        if key is not None:
            first_with[key] = index
        primaries.append(index)
    return Plan(primaries, alias_of)


class BatchSql(Protocol):
    """The five SQL operations of a batch, inside the caller's transaction."""

    def bump(self, wanted: Mapping[str, int]) -> dict[str, int]:
        """Add each chat's candidate count to its `last_seq`; the new values
        of the chats still open (an ended chat is left alone and absent).
        On PostgreSQL the chats are locked first, in one global order (by
        id): two nodes whose batches share chats wait for each other
        instead of deadlocking."""
        ...

    def stored(self, keys: set[Key]) -> dict[Key, Message]: ...
    def refund(self, refunds: Mapping[str, int]) -> None: ...
    def insert(self, rows: Sequence[Message]) -> None: ...
    def existing(self, chat_ids: set[str]) -> set[str]: ...
    def hooks(self, rows: Sequence[HookRow]) -> None: ...


def write_with(sql: BatchSql, batch: Sequence[NewMessage]) -> list[Outcome]:
    """Store `batch` inside the caller's transaction; one outcome per row,
    in order. The caller commits, then hands the outcomes out."""
    the_plan = plan(batch)
    candidates = [batch[i] for i in the_plan.primaries]
    wanted = Counter(m.chat_id for m in candidates)
    tops = sql.bump(wanted)
    keys = {key for key in map(key_of, candidates) if key is not None}
    stored = sql.stored(keys) if keys else {}
    fresh = [i for i in the_plan.primaries
             if batch[i].chat_id in tops and key_of(batch[i]) not in stored]
    fresh_count = Counter(batch[i].chat_id for i in fresh)
    # Seqs bumped for rows that turned out to be stored already go back, so
    # that seqs stay 1, 2, 3... without gaps.
    refunds = {chat: wanted[chat] - fresh_count[chat] for chat in tops if wanted[chat] > fresh_count[chat]}
    if refunds:
        sql.refund(refunds)
    written = _number(batch, fresh, wanted, tops)
    if written:
        sql.insert(list(written.values()))
        # chat.message webhook rows, in the same transaction as their messages, in seq order
        hooks = [row for index, message in written.items() if batch[index].hooks is not None
                 for row in _hook_rows(batch[index], message)]
        if hooks:
            sql.hooks(hooks)
    refused = set(wanted) - set(tops)
    existing = sql.existing(refused) if refused else set()
    return _outcomes(batch, the_plan, stored, written, existing)


def _hook_rows(new: NewMessage, message: Message) -> list[HookRow]:
    """The message's webhook rows; none, logged, if building them fails: a
    bug there must not cost everyone's messages in the batch."""
    try:
        return new.hooks(message) if new.hooks is not None else []
    except Exception:
        log.exception("chat.message webhook rows of chat %s could not be built", message.chat_id)
        return []


def _number(batch: Sequence[NewMessage], fresh: Sequence[int], wanted: Mapping[str, int],
            tops: Mapping[str, int]) -> dict[int, Message]:
    """Seqs for the rows really stored (batch index -> message), in call
    order within each chat, starting right after the chat's old last_seq."""
    next_seq = {chat: top - wanted[chat] + 1 for chat, top in tops.items()}
    written: dict[int, Message] = {}
    for index in fresh:
        chat_id = batch[index].chat_id
        written[index] = stored_message(batch[index], next_seq[chat_id])
        next_seq[chat_id] += 1
    return written


def _refusal(chat_id: str, existing: set[str]) -> errors.DeskError:
    # A new error per row: one instance raised in many tasks would pile up
    # their tracebacks.
    if chat_id in existing:
        return errors.ChatEnded(f"chat {chat_id} has ended")
    return errors.NotFound(f"no chat {chat_id}")


def _outcomes(batch: Sequence[NewMessage], the_plan: Plan, stored: Mapping[Key, Message],
              written: Mapping[int, Message], existing: set[str]) -> list[Outcome]:
    outcomes: dict[int, Outcome] = {}
    for index in the_plan.primaries:
        message = batch[index]
        key = key_of(message)
        if key is not None and key in stored:
            outcomes[index] = stored[key]
        elif index in written:
            outcomes[index] = written[index]
        else:
            outcomes[index] = _refusal(message.chat_id, existing)
    for index, primary in the_plan.alias_of.items():
        outcome = outcomes[primary]
        is_message = isinstance(outcome, Message)
        outcomes[index] = outcome if is_message else _refusal(batch[index].chat_id, existing)
    return [outcomes[index] for index in range(len(batch))]
