"""Which sites have enabled webhook endpoints for which events, on this
node (services.webhooks keeps it fresh). Read on every event a use case
may send, so that a site without an endpoint pays one dictionary look-up."""
from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime

from .model import Site
from .webhook_types import Webhook


@dataclasses.dataclass(frozen=True, slots=True)
class Target:
    """An enabled endpoint as the catalog keeps it."""

    id: str
    site_key: str
    events: frozenset[str]  # empty: every event


class HookCatalog:
    """Which sites have enabled endpoints for which events, on this node."""

    def __init__(self) -> None:
        self._by_site: dict[str, tuple[Target, ...]] = {}
        self.loaded_at: datetime | None = None
        # Set once deliveries were committed: the worker (services.hook_worker) looks at once.
        self.queued = asyncio.Event()

    def wake(self) -> None:
        self.queued.set()

    def replace(self, hooks: Sequence[Webhook], sites: Mapping[str, Site], at: datetime) -> None:
        by_site: dict[str, list[Target]] = {}
        for hook in hooks:
            site = sites.get(hook.site_id)
            if hook.enabled and site is not None:
                by_site.setdefault(hook.site_id, []).append(Target(hook.id, site.key, frozenset(hook.events)))
        self._by_site = {site_id: tuple(targets) for site_id, targets in by_site.items()}
        self.loaded_at = at

    @property
    def empty(self) -> bool:
        """No enabled endpoint on any site (as of the last load)."""
        return not self._by_site

    def targets(self, site_id: str, event_type: str) -> list[Target]:
        """The endpoints of the site that want `event_type` (usually none)."""
        found = self._by_site.get(site_id)
        if not found:
            return []
        return [t for t in found if not t.events or event_type in t.events]
