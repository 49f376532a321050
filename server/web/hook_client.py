"""The HTTP side of webhook deliveries (services.hook_worker's `Post`):
one POST, on an aiohttp client that will not reach where a delivery may
not go.

Checked on every attempt, not only when the endpoint was added: the URL
(https, or http to `[webhooks] http_hosts`; its port; an ASCII host, the
one the connection uses, as yarl maps it), a literal address, and every
address the host name resolves to now (`CheckedResolver`), so a name that
was public when added and points at 127.0.0.1 or 169.254.169.254 later
(DNS rebinding) is refused at connect time. Redirects are not followed (a
3xx is a failure), the whole attempt has `[webhooks] timeout_s`, and at most
READ_BYTES of the answer are read, of which RESPONSE_CHARS are kept.
"""
from __future__ import annotations

import asyncio
import socket
from collections.abc import Mapping

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from ..config import WebhooksConfig
from ..policy.webhooks import UnsafeUrl, allowed, check_url, connect_host, literal_address
from ..services.webhook_types import Attempt

READ_BYTES = 4096
RESPONSE_CHARS = 256
ERROR_CHARS = 300


class RefusedAddress(OSError):
    """A delivery's host is (or resolves to) an address it may not reach."""


class CheckedResolver(AbstractResolver):
    """The default resolver, refusing a host any of whose addresses is
    private, loopback, link-local or reserved and not allow-listed."""

    def __init__(self, config: WebhooksConfig) -> None:
        self._config = config
        self._inner = DefaultResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        for result in found:
            address = literal_address(str(result["host"]).split("%")[0])
            if address is None or not allowed(host, address, self._config.allowed):
                raise RefusedAddress(f"{host} does not resolve to a public address "
                                     "([webhooks] allow_hosts)")  # never which: internal DNS stays internal
        return found

    async def close(self) -> None:
        await self._inner.close()


class HookClient:
    """`post` is services.hook_worker's Post; `close` at shutdown."""

    def __init__(self, config: WebhooksConfig) -> None:
        self._config = config
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(resolver=CheckedResolver(self._config), use_dns_cache=False,
                                             limit=50)
            self._session = aiohttp.ClientSession(connector=connector, trust_env=False,
                                                  timeout=aiohttp.ClientTimeout(total=self._config.timeout_s))
        return self._session

    async def post(self, url: str, headers: Mapping[str, str], body: bytes) -> Attempt:
        try:
            host, port = check_url(url, http_hosts=self._config.http_names, allow=self._config.allowed)
            target = URL(url)
        except (UnsafeUrl, ValueError) as exc:
            return Attempt(ok=False, error=f"refused: {exc}"[:ERROR_CHARS])
        # Where aiohttp connects (an address there skips the resolver) is what was checked, not only the URL's text
        if (connect_host(target.raw_host or ""), target.port) != (host, port):
            return Attempt(ok=False, error=f"refused: the HTTP client reads the URL's host or port otherwise than "
                                            f"{host}:{port}"[:ERROR_CHARS])
        literal = literal_address(target.raw_host or "")
        if literal is not None and not allowed(host, literal, self._config.allowed):
            return Attempt(ok=False, error=f"refused: {host} may not be reached ([webhooks] allow_hosts)")
        try:
            async with self._client().post(target, data=body, headers=dict(headers), allow_redirects=False) as answer:
                excerpt = (await answer.content.read(READ_BYTES)).decode("utf-8", "replace")[:RESPONSE_CHARS]
                ok = 200 <= answer.status < 300
                error = None if ok else f"HTTP {answer.status}" + (" (redirects are not followed)"
                                                                    if 300 <= answer.status < 400 else "")
                return Attempt(ok=ok, status=answer.status, error=error, excerpt=excerpt or None)
        except asyncio.CancelledError:
            raise
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
            return Attempt(ok=False, error=_describe(exc))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def _describe(error: BaseException) -> str:
    """A short line for `last_error`: what failed, never a header or a body."""
    cause = error.__cause__ or error
    if isinstance(error, TimeoutError) or isinstance(cause, TimeoutError):
        return "timed out"
    found = next((e for e in (error, cause, error.__context__) if isinstance(e, RefusedAddress)), None)
    if found is not None:
        return f"refused: {found}"[:ERROR_CHARS]
    return f"{type(error).__name__}: {error}"[:ERROR_CHARS]
