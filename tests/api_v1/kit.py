"""What the /api/v1 tests share: integration tokens made through the
service (as the CLI and the dashboard make them) and clients that send them."""
from __future__ import annotations

import aiohttp

from server.services import integrations
from server.services.model import IntegrationToken, Scope


async def new_token(harness, scope: str = "read", site: str | None = None, name: str = "script") -> str:
    """A token's secret, made as the command line makes it (no lead)."""
    made = await integrations.make(harness.store, harness.clock.now(), None, name, Scope(scope), site)
    return made.secret


def v1(harness, token: str | None) -> aiohttp.ClientSession:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return aiohttp.ClientSession(base_url=harness.url, headers=headers)


async def send(session: aiohttp.ClientSession, method: str, path: str, status: int = 200, **kwargs) -> dict:
    """The JSON answer of `/api/v1{path}`, asserting its status and shape."""
    async with session.request(method, "/api/v1" + path, **kwargs) as response:
        answer = await response.json()
        assert response.status == status, answer
        assert answer["ok"] is (status < 400), answer
        if status >= 400:
            assert set(answer["error"]) >= {"code", "message"} and isinstance(answer["error"]["message"], str)
        return answer


async def token_named(harness, name: str) -> IntegrationToken:
    """The unrevoked token of that name (the conftest's are "reader" and "writer")."""
    return next(t for t in await harness.store.integration_tokens() if t.name == name)
