"""The budgets of what the adapters let in (`[limits]`): connections and
the launcher's status requests per client address, cheap events (typing,
history, read, end) per connection and, for a visitor, across all its
connections. Counted in the live state, so a visitor's tabs on several
nodes share one budget."""
from __future__ import annotations

from .context import Desk
from .errors import RateLimited, Refused


SETTINGS_CHANGES_PER_MINUTE = 30  # one lead's changes of one kind of desk setting


async def settings_change(desk: Desk, by_id: str, kind: str) -> None:
    """One of a lead's SETTINGS_CHANGES_PER_MINUTE changes of `kind`
    ("site", "people", "topic"): each writes an audit row and has every
    node read the settings again, so a script with a lead's session must
    not loop on them. Raises RateLimited past them."""
    if not await desk.live.hit_rate(f"{kind}_changes:{by_id}", SETTINGS_CHANGES_PER_MINUTE, 60, desk.clock.now()):
        raise RateLimited(f"too many {kind} changes: wait a minute", retry_after=60)


class Throttle:
    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    async def connect(self, address: str) -> None:
        """Raises Refused (`rate_limited`) past `connects_per_minute` from one address."""
        desk = self._desk
        limit = desk.config.limits.connects_per_minute
        if not await desk.live.hit_rate(f"connects:{address}", limit, 60, desk.clock.now()):
            raise Refused("rate_limited", f"at most {limit} connections a minute from one address")

    async def status(self, address: str) -> None:
        """Raises RateLimited past `status_per_minute` from one address
        (the launcher's `GET /widget/status`, which browsers cache)."""
        desk = self._desk
        limit = desk.config.limits.status_per_minute
        if not await desk.live.hit_rate(f"status:{address}", limit, 60, desk.clock.now()):
            raise RateLimited(f"at most {limit} status requests a minute from one address")

    async def search(self, agent_id: str) -> None:
        """Raises RateLimited past `searches_per_minute` of one agent: a
        full-text search reads far more than a chat event does."""
        desk = self._desk
        limit = desk.config.limits.searches_per_minute
        if not await desk.live.hit_rate(f"searches:{agent_id}", limit, 60, desk.clock.now()):
            raise RateLimited(f"at most {limit} searches a minute")

    async def tagging(self, agent_id: str) -> None:
        """Tags put on or taken off over REST, per agent, on the same
        `events_per_minute` budget as the socket's `chat:tag`: each writes an
        audit row and tells every console and dashboard of the chat or
        ticket. Raises RateLimited."""
        desk = self._desk
        limit = desk.config.limits.events_per_minute
        if not await desk.live.hit_rate(f"tagging:{agent_id}", limit, 60, desk.clock.now()):
            raise RateLimited(f"at most {limit} tag changes a minute")

    async def event(self, conn: str, visitor_id: str | None = None) -> None:
        """Typing, history, read and end cost little each but could be
        flooded: they share one budget per connection and, for a visitor,
        one more across all its connections (tabs would otherwise multiply
        it). Raises RateLimited."""
        desk = self._desk
        limits, now = desk.config.limits, desk.clock.now()
        if not await desk.live.hit_rate(f"events:{conn}", limits.events_per_minute, 60, now):
            raise RateLimited(f"at most {limits.events_per_minute} events a minute")
        if visitor_id is not None and not await desk.live.hit_rate(
                f"visitor_events:{visitor_id}", limits.visitor_events_per_minute, 60, now):
            raise RateLimited(f"at most {limits.visitor_events_per_minute} events a minute from one visitor")
