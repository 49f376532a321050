"""Behind a load balancer (`[server] trusted_proxies`), the client is the
address its X-Forwarded-For names: per-address limits count visitors, not
nginx. From anyone else the header changes nothing."""
from __future__ import annotations

import pytest

from tests.peers import Peer, Refused

LIMIT = 3


@pytest.fixture
def config_overrides(request) -> dict:
    trusted = getattr(request, "param", "127.0.0.1")
    return {"server": {"trusted_proxies": trusted}, "limits": {"connects_per_minute": LIMIT}}


async def _connects(harness, forwarded: str) -> bool:
    peer = harness.peer("/visitor", {"site": harness.site.key}, {"X-Forwarded-For": forwarded})
    try:
        await peer.connect()
    except Refused:
        return False
    await peer.sio.disconnect()
    return True


async def test_each_forwarded_client_has_its_own_connection_budget(harness):
    assert all([await _connects(harness, f"203.0.113.{n}") for n in range(LIMIT + 2)])
    # the right-most address that is not a trusted proxy is the client; what it wrote to the left is not
    assert all([await _connects(harness, f"198.51.100.{n}, 192.0.2.7") for n in range(LIMIT)])
    assert not await _connects(harness, "198.51.100.99, 192.0.2.7")


@pytest.mark.parametrize("config_overrides", ["", "10.0.0.0/8"], indirect=True)
async def test_the_header_from_an_untrusted_peer_changes_nothing(harness):
    results = [await _connects(harness, f"203.0.113.{n}") for n in range(LIMIT + 1)]
    assert results == [True] * LIMIT + [False]  # all counted as 127.0.0.1
