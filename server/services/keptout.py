"""Who is kept out of chat, in memory: the suspensions and bans not lifted.

A connect and a `chat:start` ask it, so neither reads the store for it.
The store stays the judge: `create_chat` checks again in the transaction
that stores the chat, so a suspension committed on another node a moment
before is never missed. What this node suspends or lifts, and what any
other node tells it it did (`LiveState.publish`, topic "suspensions"), makes
the copy stale; the next question reads it again, once, for every caller
of that moment.
"""
from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import datetime

from .model import Suspension
from .ports import LiveState, Store

log = logging.getLogger(__name__)
TOPIC = "suspensions"


class KeptOut:
    def __init__(self, store: Store, live: LiveState) -> None:
        self._store = store
        self._live = live
        self._by_visitor: dict[str, list[Suspension]] = {}
        self._by_account: dict[tuple[str, str], list[Suspension]] = {}
        self._fresh = False
        self._loading: asyncio.Future | None = None
        self._telling: set[asyncio.Task] = set()
        live.subscribe(self._changed_elsewhere)

    async def find(self, site_id: str, *, account_id: str | None, visitor_id: str,
                   now: datetime) -> Suspension | None:
        """As `Store.active_suspension`: the suspension that keeps the
        visitor (or its account on the site, given only for a verified
        visitor) out of chat at `now`; a ban first, else the longest."""
        while not self._fresh:
            await self._load()
        covering = list(self._by_visitor.get(visitor_id, ()))
        if account_id is not None:
            covering += self._by_account.get((site_id, account_id), ())
        active = [s for s in covering if s.lifted_at is None and (s.until is None or s.until > now)]
        if not active:
            return None
        return min(active, key=lambda s: (not s.ban, -(s.until.timestamp() if s.until else 0), s.id))

    def changed(self) -> None:
        """This node suspended or lifted: read again, and tell the other nodes."""
        self._fresh = False
        task = asyncio.ensure_future(self._tell())
        self._telling.add(task)
        task.add_done_callback(self._telling.discard)

    async def _tell(self) -> None:
        try:
            await self._live.publish(TOPIC, "")
        except Exception:  # Redis is away: every node reads again when it is back (topic "*")
            log.warning("could not tell other nodes that a suspension changed", exc_info=True)

    def _changed_elsewhere(self, topic: str, key: str) -> None:
        if topic in (TOPIC, "*"):
            self._fresh = False

    async def _load(self) -> None:
        """One read shared by the callers of the moment; a change during the
        read leaves the copy stale, so they read again."""
        if self._loading is None or self._loading.done():
            self._loading = asyncio.ensure_future(self._read())
            self._loading.add_done_callback(self._loaded)
        await asyncio.shield(self._loading)

    def _loaded(self, loading: asyncio.Future) -> None:
        if self._loading is loading:
            self._loading = None
        if not loading.cancelled():
            loading.exception()  # its waiters got it

    async def _read(self) -> None:
        self._fresh = True  # set before the read: a change while it runs makes it stale again
        try:
            suspensions = await self._store.open_suspensions()
        except BaseException:
            self._fresh = False
            raise
        by_visitor: defaultdict[str, list[Suspension]] = defaultdict(list)
        by_account: defaultdict[tuple[str, str], list[Suspension]] = defaultdict(list)
        for s in suspensions:
            if s.visitor_id is not None:
                by_visitor[s.visitor_id].append(s)
            elif s.account_id is not None:
                by_account[(s.site_id, s.account_id)].append(s)
        self._by_visitor, self._by_account = dict(by_visitor), dict(by_account)
