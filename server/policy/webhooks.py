"""Webhook rules, pure: the event names, where a delivery may go, how it is
signed, and when a failing one is tried again.

A receiver verifies `Shiftdesk-Signature: t=UNIX_SECONDS,v1=HEX`, HEX being
the hex HMAC-SHA256, keyed with the endpoint's secret (its UTF-8 bytes), of
`f"{t}.{raw_body}"`.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

# Every event an endpoint can subscribe to, in the order the docs list them.
EVENT_TYPES = (
    "chat.started", "chat.assigned", "chat.message", "chat.transferred", "chat.ended", "chat.converted",
    "ticket.created", "ticket.updated", "survey.submitted", "sla.warning", "sla.breach",
    "account.suspended", "account.lifted",
)
URL_CHARS = 2000
FIRST_RETRY_S = 30
MAX_RETRY_S = 3600

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(ValueError):
    """A URL a delivery may not go to; the message says why."""


def check_url(url: str, *, http_hosts: frozenset[str]) -> tuple[str, int]:
    """The (host, port) of `url`; raises UnsafeUrl unless it is an absolute
    https URL (http only to a host of `http_hosts`) with a host, no user
    name or password and no fragment."""
    if len(url) > URL_CHARS or any(c.isspace() or ord(c) < 32 for c in url):
        raise UnsafeUrl(f"a URL is at most {URL_CHARS} characters, without spaces")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"not a URL: {exc}") from None
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme not in ("https", "http") or not host:
        raise UnsafeUrl("the URL must be https://host/...")
    if parts.scheme == "http" and host not in http_hosts:
        raise UnsafeUrl(f"the URL must be https (http only to a host of [webhooks] http_hosts): {host}")
    if parts.username is not None or parts.password is not None or parts.fragment:
        raise UnsafeUrl("the URL may not carry a user name, a password or a #fragment")
    return host, port or (443 if parts.scheme == "https" else 80)


def literal_address(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_public(address: Address) -> bool:
    """Not private, loopback, link-local, unspecified, multicast or reserved
    (an IPv4-mapped IPv6 address is judged as its IPv4 address)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (address.is_private or address.is_loopback or address.is_link_local or address.is_unspecified
                or address.is_multicast or address.is_reserved or not address.is_global)


def allowed(host: str, address: Address, allow: Iterable[str]) -> bool:
    """Whether a delivery to `host` at `address` may connect: a public
    address, or one `allow` lists (an address, a network, or the host name)."""
    if is_public(address):
        return True
    name = host.lower().rstrip(".")
    for entry in allow:
        if entry == name:
            return True
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def sign(secret: str, body: bytes, at: int) -> str:
    """The `Shiftdesk-Signature` header's value for `body` sent at `at` (Unix seconds)."""
    digest = hmac.new(secret.encode("utf-8"), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def backoff(attempts: int, first_s: int = FIRST_RETRY_S) -> timedelta:
    """The wait after the `attempts`-th failed attempt (1, 2, ...): 30 s,
    60 s, 120 s, ... (from `first_s`), at most one hour."""
    exponent = min(max(attempts, 1) - 1, 16)
    return timedelta(seconds=min(first_s * 2 ** exponent, MAX_RETRY_S))


def next_attempt(first_at: datetime, now: datetime, attempts: int, give_up: timedelta,
                 first_s: int = FIRST_RETRY_S) -> datetime | None:
    """When to try a delivery again after its `attempts`-th failure at
    `now`; None once it has failed for `give_up` since it was first due."""
    retry = now + backoff(attempts, first_s)
    return None if retry - first_at > give_up else retry
