"""The door every /api/v1 operation goes through: the token, its scope,
its budget, and the shape of every error."""
from __future__ import annotations

import msgspec
import pytest

from server.services import integrations
from server.web.v1.registry import OPERATIONS, ErrorAnswer

from tests.api_v1.kit import new_token, send, v1


async def test_agents_are_listed_to_a_read_token(harness, reader):
    await harness.add_agent("Bea")
    await harness.add_agent("Al", capacity=5)
    answer = await send(reader, "GET", "/agents")
    assert [a["name"] for a in answer["items"]] == ["Al", "Bea"] and answer["next_cursor"] is None
    al = answer["items"][0]
    assert al["capacity"] == 5 and al["load"] == 0 and al["connected"] is False and "email" not in al
    assert (await send(reader, "GET", f"/agents/{al['id']}"))["agent"] == al
    assert (await send(reader, "GET", "/agents/nobody", 404))["error"]["code"] == "not_found"


async def test_no_token_an_unknown_one_or_a_console_token_is_401(harness):
    _, console_token = await harness.add_agent("Al")
    for token in (None, "sdi_" + "x" * 32, console_token, "garbage"):
        async with v1(harness, token) as session:
            assert (await send(session, "GET", "/agents", 401))["error"]["code"] == "unauthorized"


async def test_a_revoked_token_is_401_at_once(harness):
    secret = await new_token(harness)
    async with v1(harness, secret) as session:
        await send(session, "GET", "/agents")
        token = (await harness.store.integration_tokens())[0]
        await integrations.revoke(harness.store, harness.clock.now(), None, token.id)
        assert (await send(session, "GET", "/agents", 401))["error"]["code"] == "unauthorized"


async def test_a_bad_query_or_path_is_400_with_the_error_shape(harness, reader):
    assert (await send(reader, "GET", "/agents?limit=5", 400))["error"]["code"] == "bad_request"
    assert (await send(reader, "GET", "/agents/no%20such", 400))["error"]["code"] == "bad_request"
    assert (await send(reader, "GET", "/nothing", 404))["error"]["code"] == "not_found"


async def test_last_use_is_written_at_most_once_a_minute(harness):
    async with v1(harness, await new_token(harness)) as session:
        await send(session, "GET", "/agents")
        first = (await harness.store.integration_tokens())[0].last_used_at
        harness.clock.advance(30)
        await send(session, "GET", "/agents")
        assert (await harness.store.integration_tokens())[0].last_used_at == first
        harness.clock.advance(31)
        await send(session, "GET", "/agents")
        assert (await harness.store.integration_tokens())[0].last_used_at > first


@pytest.fixture
def config_overrides() -> dict:
    return {"limits": {"api_v1_per_minute": 5}}


async def test_past_the_budget_a_token_gets_429_with_retry_after(harness, reader):
    for _ in range(5):
        await send(reader, "GET", "/agents")
    async with reader.get("/api/v1/agents") as response:
        assert response.status == 429 and response.headers["Retry-After"] == "60"
        assert (await response.json())["error"]["code"] == "rate_limited"
    async with v1(harness, await new_token(harness, name="other")) as other:  # a budget per token
        await send(other, "GET", "/agents")
    harness.clock.advance(61)
    await send(reader, "GET", "/agents")


def _path(op) -> str:
    """The operation's path with a well-shaped id of nothing in each parameter."""
    path = op.path
    for name in [part[1:-1] for part in op.path.split("/") if part.startswith("{")]:
        path = path.replace(f"{{{name}}}", "nothing")
    return path


WRITES = [op for op in OPERATIONS if op.scope == "write"]


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: f"{op.method} {op.path}")
async def test_every_operation_wants_a_token_not_revoked(harness, op):
    secret = await new_token(harness, "write")
    await integrations.revoke(harness.store, harness.clock.now(), None,
                              (await harness.store.integration_tokens())[0].id)
    for token in (None, secret):
        async with v1(harness, token) as session:
            assert (await send(session, op.method, _path(op), 401, json={}))["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("op", WRITES, ids=lambda op: f"{op.method} {op.path}")
async def test_every_write_is_403_to_a_read_token_whatever_its_body(reader, op):
    for body in ({}, {"text": "x"}, "not an object"):
        assert (await send(reader, op.method, _path(op), 403, json=body))["error"]["code"] == "forbidden"


def test_every_operation_is_described_for_the_reference():
    ids = [op.operation_id for op in OPERATIONS]
    assert len(ids) == len(set(ids)) and len({(op.method, op.path) for op in OPERATIONS}) == len(OPERATIONS)
    for op in OPERATIONS:
        assert op.description and op.summary and op.response.__doc__, op.operation_id
        for kind in (op.response, op.body, op.query):
            if kind is not None:
                assert kind.__doc__, kind
                assert issubclass(kind, msgspec.Struct)
    msgspec.json.schema_components([t for op in OPERATIONS for t in (op.response, op.body, op.query) if t]
                                   + [ErrorAnswer])
