"""Whether a visitor may chat: not while it, or its verified account, is
suspended or banned. Read from the store at each start (a suspension on
any node holds at once); the moderation service decides them."""
from __future__ import annotations

from . import dates
from .context import Desk
from .errors import Banned, Suspended
from .model import Visitor
from .views import iso


async def may_chat(desk: Desk, visitor: Visitor) -> None:
    """Raises Suspended (with `until`) or Banned while the visitor, or
    its verified account, is kept out of chat."""
    found = await desk.store.active_suspension(
        visitor.site_id, account_id=visitor.account, visitor_id=visitor.id, now=desk.clock.now())
    if found is None:
        return
    if found.ban:
        raise Banned("chat is closed to this account; tickets are still open")
    until = dates.spoken(found.until, desk.tz) if found.until else None
    raise Suspended(f"chat is suspended for this account until {until}; tickets are still open",
                    until=iso(found.until))
