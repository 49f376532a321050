"""What the three namespaces share: checking text, the stored-message ack,
the client's address, the connect rate limit."""
from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from ..services.bundle import Services
from ..services.errors import BadRequest, Refused, TooLarge
from ..services.model import Message
from ..services.views import iso


def check_text(services: Services, text: str) -> str:
    limit = services.desk.config.limits.message_chars
    if not text.strip():
        raise BadRequest("text is empty")
    if len(text) > limit:
        raise TooLarge(f"text is longer than {limit} characters", limit=limit)
    return text


def check_message_text(services: Services, text: str, attachments: tuple[str, ...]) -> str:
    """As check_text, but a message that carries files may have no text."""
    if attachments and not text.strip():
        return ""
    return check_text(services, text)


async def stored_ack(pending: Awaitable[Message]) -> dict[str, Any]:
    message = await pending
    return {"ok": True, "seq": message.seq, "at": iso(message.at)}


def client_address(environ: dict) -> str:
    request = environ.get("aiohttp.request")
    return (request.remote if request is not None else None) or "unknown"


async def allow_connect(services: Services, environ: dict) -> None:
    await services.throttle.connect(client_address(environ))


async def allow_event(services: Services, sid: str, visitor_id: str | None = None) -> None:
    await services.throttle.event(sid, visitor_id)


def auth_object(auth: Any) -> dict[str, Any]:
    if auth is None:
        return {}
    if not isinstance(auth, dict):
        raise Refused("bad_request", "auth must be an object")
    return auth
