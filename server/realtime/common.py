"""What the three namespaces share: checking text, the stored-message ack,
the client's address, the connect rate limit."""
from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from ..services.bundle import Services
from ..services.errors import BadRequest, RateLimited, Refused, TooLarge
from ..services.model import Message
from ..services.views import iso


def check_text(services: Services, text: str) -> str:
    limit = services.desk.config.limits.message_chars
    if not text.strip():
        raise BadRequest("text is empty")
    if len(text) > limit:
        raise TooLarge(f"text is longer than {limit} characters", limit=limit)
    return text


async def stored_ack(pending: Awaitable[Message]) -> dict[str, Any]:
    message = await pending
    return {"ok": True, "seq": message.seq, "at": iso(message.at)}


def client_address(environ: dict) -> str:
    request = environ.get("aiohttp.request")
    return (request.remote if request is not None else None) or "unknown"


async def allow_connect(services: Services, environ: dict) -> None:
    desk = services.desk
    limit = desk.config.limits.connects_per_minute
    if not await desk.live.hit_rate(f"connects:{client_address(environ)}", limit, 60, desk.clock.now()):
        raise Refused("rate_limited", f"at most {limit} connections a minute from one address")


async def allow_event(services: Services, sid: str, visitor_id: str | None = None) -> None:
    """Typing, history, read and end cost little each but could be flooded:
    they share one budget per connection and, for a visitor, one more
    across all its connections (tabs would otherwise multiply it)."""
    desk = services.desk
    limits, now = desk.config.limits, desk.clock.now()
    if not await desk.live.hit_rate(f"events:{sid}", limits.events_per_minute, 60, now):
        raise RateLimited(f"at most {limits.events_per_minute} events a minute")
    if visitor_id is not None and not await desk.live.hit_rate(
            f"visitor_events:{visitor_id}", limits.visitor_events_per_minute, 60, now):
        raise RateLimited(f"at most {limits.visitor_events_per_minute} events a minute from one visitor")


def auth_object(auth: Any) -> dict[str, Any]:
    if auth is None:
        return {}
    if not isinstance(auth, dict):
        raise Refused("bad_request", "auth must be an object")
    return auth
