"""Console sessions, CSRF tokens and security headers."""
from __future__ import annotations

import hmac
import secrets

from aiohttp import hdrs, web, web_response
from aiohttp_session import Session, get_session


CSRF_KEY = "csrf"
SERVER = "Shiftdesk"  # the Server header: no versions
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


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """An `on_response_prepare` hook, not a middleware: it reaches every
    answer the app sends, the ones raised (a redirect, a 404, a 401) and
    the socket's upgrade too. A handler's own value of a header stays."""
    response.headers[hdrs.SERVER] = SERVER
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith(PRIVATE):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cache-Control", "no-store")


def anonymous_server() -> None:
    """aiohttp answers a request its HTTP parser refuses before any app
    sees it, with `Server: Python/3.x aiohttp/3.y`: versions tell an
    attacker which advisories apply. That default is a module constant read
    at each answer; this process says `Shiftdesk` instead."""
    web_response.SERVER_SOFTWARE = SERVER
