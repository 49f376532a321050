"""Whether a visitor may chat: not while it, or its verified account, is
suspended or banned. Asked of the memory copy (services.keptout) at each
connect and start; the store checks again when it stores a chat. The
moderation service decides them."""
from __future__ import annotations

from . import dates
from .context import Desk
from .errors import Banned, Suspended
from .model import Suspension, Visitor
from .views import iso


async def may_chat(desk: Desk, visitor: Visitor) -> None:
    """Raises Suspended (with `until`) or Banned while the visitor, or
    its verified account, is kept out of chat (the memory copy)."""
    refuse(desk, await desk.kept_out.find(
        visitor.site_id, account_id=visitor.account, visitor_id=visitor.id, now=desk.clock.now()))


def refuse(desk: Desk, found: Suspension | None) -> None:
    """Raises Suspended or Banned for `found`, the suspension that keeps a visitor out."""
    if found is None:
        return
    if found.ban:
        raise Banned("chat is closed to this account; tickets are still open")
    until = dates.spoken(found.until, desk.tz) if found.until else None
    raise Suspended(f"chat is suspended for this account until {until}; tickets are still open",
                    until=iso(found.until))
