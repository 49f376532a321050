"""The waiting queue's order, shared by both LiveStates so it cannot drift."""
from __future__ import annotations

from ..policy.routing import queue_order_key
from ..services.ports import QueueEntry


def queue_order(item: tuple[QueueEntry, int]) -> tuple:
    """Sort key of (entry, arrival): the policy's order, then arrival,
    which breaks ties between equal timestamps."""
    entry, arrival = item
    return (*queue_order_key(entry.priority.rank, entry.front, entry.enqueued_at, entry.priority_support), arrival)
