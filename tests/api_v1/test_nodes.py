"""Two nodes of one desk (one PostgreSQL database, one Redis), each a real
server: a token revoked through one opens nothing on the other from the
next request on, and a token's budget counts both nodes' requests."""
from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from server.app import create_app
from server.services.clock import ManualClock
from server.services.model import Role
from server.web.pages import SERVICES
from tests import pgutil, redisutil
from tests.api_v1.kit import new_token, send, v1
from tests.both_stores import pg_database  # noqa: F401 (a fixture)
from tests.conftest import Harness, make_config


@pytest.fixture
async def two_nodes(pg_database, aiohttp_server) -> AsyncIterator[list[Harness]]:  # noqa: F811
    await pgutil.reset_database(pg_database)
    prefix = await redisutil.scratch_prefix()
    clock, nodes = ManualClock(), []
    for node in ("a", "b"):
        config = make_config(pg_database, server={"redis": redisutil.url(), "redis_prefix": prefix, "node": node},
                             limits={"api_v1_per_minute": 3})
        app = await create_app(config, clock=clock, migrate=node == "a")
        server = await aiohttp_server(app)
        nodes.append(Harness(str(server.make_url("/")).rstrip("/"), app[SERVICES], clock, config, site=None,
                             server=server))
    try:
        yield nodes
    finally:
        await redisutil.drop_prefix(prefix)


async def test_a_token_revoked_on_one_node_is_refused_by_the_other_at_once(two_nodes):
    a, b = two_nodes
    _, lead_token = await a.add_agent("Lee", role=Role.SUPERVISOR)
    async with aiohttp.ClientSession(base_url=a.url, headers={"Authorization": f"Bearer {lead_token}"}) as lead:
        async with lead.post("/api/integration-tokens", json={"name": "sync", "scope": "read"}) as response:
            made = await response.json()
    async with v1(b, made["secret"]) as on_b:
        await send(on_b, "GET", "/agents")
        async with aiohttp.ClientSession(base_url=a.url, headers={"Authorization": f"Bearer {lead_token}"}) as lead:
            async with lead.delete(f"/api/integration-tokens/{made['token']['id']}") as response:
                assert response.status == 200
        assert (await send(on_b, "GET", "/agents", 401))["error"]["code"] == "unauthorized"


async def test_a_tokens_budget_counts_every_nodes_requests(two_nodes):
    a, b = two_nodes
    secret = await new_token(a)
    async with v1(a, secret) as on_a, v1(b, secret) as on_b:
        await send(on_a, "GET", "/agents")
        await send(on_b, "GET", "/agents")
        await send(on_a, "GET", "/agents")
        assert (await send(on_b, "GET", "/agents", 429))["error"]["code"] == "rate_limited"
