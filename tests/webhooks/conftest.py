from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.webhooks.receiver import Receiver
from tests.web.test_api import call, client

LOCAL = {"webhooks": {"http_hosts": "127.0.0.1", "allow_hosts": "127.0.0.1"}}


@pytest.fixture
def config_overrides() -> dict:
    return LOCAL


@pytest.fixture
async def receiver(harness) -> AsyncIterator[Receiver]:
    found = Receiver(clock_now=harness.clock.now)
    await found.start()
    yield found
    await found.stop()


@pytest.fixture
async def lead_session(harness):
    from server.services.model import Role
    _, token = await harness.add_agent("Lead", role=Role.SUPERVISOR, shift="")
    async with client(harness, token) as session:
        yield session


async def subscribe(harness, lead, receiver: Receiver, events: list[str] | None = None) -> dict:
    """An endpoint of the harness's site for the receiver; its secret goes to the receiver."""
    added = await call(lead, "POST", "/api/webhooks", 201,
                       json={"site": harness.site.key, "url": receiver.url, "events": events or []})
    receiver.secret = added["secret"]
    return added["webhook"]
