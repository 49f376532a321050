"""schemathesis against a real server process: every operation of the
/api/v1 document, called with generated inputs (valid and invalid) and a
write token on a desk with a site, an agent, a chat with messages and a
ticket. No answer may be a 5xx; every answer's status must be one its
operation documents, with the content type and schema documented for it.

The examples are few per operation and derandomized, to keep the run
under a minute and the same on every run (`SHIFTDESK_FUZZ=200` searches
longer, at random); a failure prints the curl line that reproduces it."""
from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from server.services.integrations import PREFIX
from server.web.v1 import operations  # noqa: F401  (fills OPERATIONS)
from server.web.v1.openapi import openapi_path, path_names
from server.web.v1.registry import OPERATIONS, Operation
from tests.fuzz.budget import FUZZ
from tests.peers import Peer
from tests.serverproc import ServerProcess, cli

SITE = "acme"
AGENT_TOKEN = "agent-api-token-" + "x" * 16
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Per operation and mode; SHIFTDESK_FUZZ=N (as for tests/fuzz) tries N random ones instead.
EXAMPLES = int(FUZZ) if FUZZ else 12


class Desk:
    def __init__(self, server: ServerProcess, token: str, known: dict[str, str]) -> None:
        self.server, self.token = server, token
        self.base = f"{server.url}/api/v1"
        self.known = known  # path parameters of seeded rows, by name


def write_token(database: str) -> str:
    """A write token, desk-wide, as an operator makes one."""
    printed = cli("token", "add", "schemathesis", "--scope", "write", database=database)
    return re.search(rf"{PREFIX}[A-Za-z0-9_-]+", printed).group(0)


async def seed(url: str) -> dict[str, str]:
    """A chat with messages both ways, and a ticket for its visitor (over
    the agents' REST API, with the agent's own API token); returns their
    ids as the path parameters that name them."""
    agent = await Peer(url, "/agent", {"token": AGENT_TOKEN}).connect()
    visitor = await Peer(url, "/visitor", {"site": SITE}).connect()
    try:
        me = await agent.next("session")
        assert (await agent.call("agent:status", {"status": "available"}))["ok"]
        session = await visitor.next("session")
        started = await visitor.call("chat:start", {"text": "My invoice is wrong", "name": "Vera",
                                                         "email": "vera@example.test"})
        assert started["ok"], started
        chat_id = started["chat"]["id"]
        await agent.next("chat:assigned")
        sent = await agent.call("chat:send", {"chat_id": chat_id, "client_id": "c1", "text": "Let me look"})
        assert sent["ok"], sent
        assert (await visitor.call("chat:send", {"chat_id": chat_id, "client_id": "v2", "text": "Thanks"}))["ok"]
        opened = requests.post(f"{url}/api/tickets", headers={"Authorization": f"Bearer {AGENT_TOKEN}"}, timeout=10,
                               json={"visitor_id": session["visitor_id"], "subject": "Invoice", "text": "Wrong total"})
        assert opened.status_code in (200, 201), opened.text
        return {"site": SITE, "agent_id": me["agent"]["id"], "chat_id": chat_id, "visitor_id": session["visitor_id"],
                "ticket_id": opened.json()["ticket"]["id"]}
    finally:
        await visitor.close()
        await agent.close()


@pytest.fixture(scope="module")
def desk(tmp_path_factory) -> Iterator[Desk]:
    root: Path = tmp_path_factory.mktemp("schemathesis")
    database = f"sqlite:///{root / 'desk.db'}"
    cli("site", "add", SITE, database=database)
    cli("agent", "add", "agent@example.test", "--name", "Alice", "--shift", "always", "--token", AGENT_TOKEN,
        database=database)
    token = write_token(database)
    # a budget far above the run's requests: a 429 would hide the answer under test
    server = ServerProcess(database, log=root / "server.log",
                           env={"SHIFTDESK_LIMITS_API_V1_PER_MINUTE": "1000000"}).start()
    try:
        yield Desk(server, token, asyncio.run(seed(server.url)))
    finally:
        server.stop()
        log = (root / "server.log").read_text(errors="replace")
        assert "Traceback" not in log, log[-4000:]


@pytest.fixture(scope="module")
def api_schema(desk: Desk):
    return schemathesis.openapi.from_url(f"{desk.server.url}/api/v1/openapi.json")


def cases(operation, mode: GenerationMode, op: Operation, known: dict[str, str]):
    """Generated cases; in the positive mode, half of them on the seeded
    rows, so that answers with data are checked too, not only 404s."""
    generated = operation.as_strategy(mode)
    names = path_names(op.path)
    if mode is GenerationMode.NEGATIVE or not names or not set(names) <= set(known):
        return generated
    return st.one_of(operation.as_strategy(mode, path_parameters={n: known[n] for n in names}), generated)


# Parametrized by hand, over the registry, rather than with
# `schemathesis.pytest.from_fixture(...).parametrize()`: its lazy loading
# sets a private attribute pytest 9 no longer has (Function._nodeid).
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
def test_every_operation_answers_as_documented(op: Operation, mode: GenerationMode, api_schema, desk: Desk):
    operation = api_schema[openapi_path(op.path)][op.method]
    headers = {"Authorization": f"Bearer {desk.token}"}

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=not FUZZ, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=cases(operation, mode, op, desk.known))
    def answers(case) -> None:
        case.call_and_validate(base_url=desk.base, headers=headers, checks=CHECKS, timeout=10)
    answers()
