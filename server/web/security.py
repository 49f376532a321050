"""Console sessions, CSRF tokens and security headers."""
from __future__ import annotations

import hmac
import ipaddress
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


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _within(address: str | None, networks: tuple[Network, ...]) -> bool:
    try:
        return address is not None and any(ipaddress.ip_address(address) in n for n in networks)
    except ValueError:
        return False


def client_behind(proxies: tuple[Network, ...]) -> web.middleware:
    """A middleware for a desk behind load balancers (`[server]
    trusted_proxies`): a request from one of them is seen as coming from
    the client its X-Forwarded-For names, the right-most entry that is not
    itself a trusted proxy (what the client wrote to the left of it could be
    anything). Rate limits per address depend on it: behind nginx, every
    visitor would otherwise be 127.0.0.1. Anyone else's header is ignored."""
    @web.middleware
    async def middleware(request: web.Request, handler):
        if _within(request.remote, proxies):
            hops = [hop.strip() for header in request.headers.getall(hdrs.X_FORWARDED_FOR, [])
                    for hop in header.split(",")]
            client = next((hop for hop in reversed(hops) if hop and not _within(hop, proxies)), None)
            if client is not None:
                request = request.clone(remote=client)
        return await handler(request)
    return middleware
