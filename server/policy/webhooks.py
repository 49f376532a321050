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


PORTS = frozenset({443})  # https; a host of [webhooks] http_hosts may use 80 too
HTTP_PORTS = frozenset({80, 443})
# IPv6 ranges that carry an IPv4 address or reach one through a gateway: 6to4,
# NAT64 (well-known and local-use) and Teredo. Refused whole, unless allow-listed.
TRANSITION_NETWORKS = tuple(ipaddress.ip_network(n) for n in ("2002::/16", "64:ff9b::/96", "64:ff9b:1::/48",
                                                                 "2001::/32"))


def check_url(url: str, *, http_hosts: frozenset[str], allow: Iterable[str] = ()) -> tuple[str, int]:
    """The (host, port) of `url`; raises UnsafeUrl unless it is an absolute
    https URL (http only to a host of `http_hosts`) with an ASCII host, port
    443 (or 80 for a host of `http_hosts`; any port for a host `allow`
    lists), no user name or password and no fragment.

    The host is the one the connection will use: the HTTP client maps a
    Unicode host with UTS-46 (`127.0.0.\U0001FBF1` is 127.0.0.1), so a host
    not ASCII as typed is refused rather than checked as something else than
    what is reached (an international name is given in its xn-- form)."""
    if len(url) > URL_CHARS or any(c.isspace() or ord(c) < 32 for c in url):
        raise UnsafeUrl(f"a URL is at most {URL_CHARS} characters, without spaces")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"not a URL: {exc}") from None
    if not parts.netloc.isascii():
        raise UnsafeUrl("the URL's host must be ASCII: write an international name in its xn-- (punycode) form")
    host = connect_host(parts.hostname or "")
    if parts.scheme not in ("https", "http") or not host:
        raise UnsafeUrl("the URL must be https://host/...")
    if parts.scheme == "http" and host not in http_hosts:
        raise UnsafeUrl(f"the URL must be https (http only to a host of [webhooks] http_hosts): {host}")
    if parts.username is not None or parts.password is not None or parts.fragment:
        raise UnsafeUrl("the URL may not carry a user name, a password or a #fragment")
    if "%" in host or (":" in host and literal_address(host) is None):
        raise UnsafeUrl(f"not a host name or address: {host}")
    port = port or (443 if parts.scheme == "https" else 80)
    if port not in (HTTP_PORTS if host in http_hosts else PORTS) and not listed(host, literal_address(host), allow):
        raise UnsafeUrl(f"the URL's port must be 443 (or 80 to a host of [webhooks] http_hosts), not {port}, "
                        "unless [webhooks] allow_hosts lists the host")
    return host, port


def connect_host(host: str) -> str:
    """An ASCII host as the HTTP client connects to it (yarl's `raw_host`):
    lower case, an address in its compressed form; without a final dot."""
    host = host.lower().strip("[]")
    address = literal_address(host)
    return address.compressed if address is not None and "%" not in host else host.rstrip(".")


def literal_address(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_public(address: Address) -> bool:
    """Not private, loopback, link-local, unspecified, multicast or reserved
    (an IPv4-mapped IPv6 address is judged as its IPv4 address), nor in an
    IPv6 transition range (TRANSITION_NETWORKS) that may lead to one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif any(address in network for network in TRANSITION_NETWORKS):
            return False
    return not (address.is_private or address.is_loopback or address.is_link_local or address.is_unspecified
                or address.is_multicast or address.is_reserved or not address.is_global)


def listed(host: str, address: Address | None, allow: Iterable[str]) -> bool:
    """Whether `allow` lists `host` by name, or `address` (if known) as an address or in a network."""
    name = host.lower().rstrip(".")
    for entry in allow:
        if entry == name:
            return True
        if address is None:
            continue
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def allowed(host: str, address: Address, allow: Iterable[str]) -> bool:
    """Whether a delivery to `host` at `address` may connect: a public
    address, or one `allow` lists (an address, a network, or the host name)."""
    return is_public(address) or listed(host, address, allow)


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
