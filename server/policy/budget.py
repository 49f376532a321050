"""A connection's budget of packets: pure, the time passed in."""
from __future__ import annotations

import dataclasses
from datetime import datetime


@dataclasses.dataclass(slots=True)
class Window:
    """At most `limit` units per `span_s` seconds, counted in fixed windows:
    the first unit after a window has run out opens the next one. Cheaper
    than a sliding log (two fields, whatever the limit) for a count that
    runs on every packet; a burst at a window's edge may spend up to twice
    `limit` within `span_s`, which is fine for a budget against floods."""

    limit: int
    span_s: float
    opened: datetime | None = None
    used: int = 0

    def spend(self, now: datetime) -> bool:
        """Counts one unit at `now`; False (nothing counted) once the window's limit is spent."""
        if self.opened is None or (now - self.opened).total_seconds() >= self.span_s:
            self.opened, self.used = now, 0
        if self.used >= self.limit:
            return False
        self.used += 1
        return True
