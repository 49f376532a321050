"""Console sessions, CSRF tokens and security headers."""
from __future__ import annotations

import hmac
import secrets

from aiohttp import web
from aiohttp_session import Session, get_session


CSRF_KEY = "csrf"
# Pages and answers that no cache, frame or other site should hold.
PRIVATE = ("/console", "/api/", "/tickets/")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


async def csrf_token(request: web.Request) -> str:
    session = await get_session(request)
    token = session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return token


def csrf_matches(session: Session, sent: object) -> bool:
    kept = session.get(CSRF_KEY)
    # as bytes: compare_digest refuses str with non-ASCII characters
    return isinstance(sent, str) and isinstance(kept, str) and hmac.compare_digest(sent.encode(), kept.encode())


async def check_csrf(request: web.Request, session: Session | None = None) -> None:
    """Raises 403 unless the form's `csrf_token` matches the session's."""
    session = session or await get_session(request)
    form = await request.post()
    if not csrf_matches(session, form.get("csrf_token")):
        raise web.HTTPForbidden(text="bad or missing CSRF token: reload the page and try again")


@web.middleware
async def security_headers(request: web.Request, handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith(PRIVATE):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cache-Control", "no-store")
    return response
