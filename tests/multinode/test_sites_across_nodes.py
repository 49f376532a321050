"""A site changed on one node applies on the other at the next connect:
a rotation's new secret, the end of the old one, an origin list. No node
keeps a copy of a site (services/sites.py)."""
from __future__ import annotations

import time

import aiohttp
import jwt

from tests.multinode.conftest import agent_token
from tests.peers import Peer, Refused

OLD = "the-secret-before-any-rotation-32b"
SHOP = "https://shop.example"


def identity(secret: str) -> str:
    return jwt.encode({"sub": "user-1", "exp": int(time.time()) + 300}, secret, algorithm="HS256")


async def connects(url: str, secret: str, origin: str = SHOP) -> str:
    """"verified", or the code the visitor's connect was refused with."""
    peer = Peer(url, "/visitor", {"site": "acme", "identity": identity(secret)}, {"Origin": origin})
    try:
        await peer.connect()
    except Refused as refusal:
        return refusal.data["code"]
    try:
        return "verified" if (await peer.next("session"))["verified"] else "anonymous"
    finally:
        await peer.close()


async def test_a_rotation_and_an_origin_change_on_one_node_apply_on_the_other(make_cluster):
    cluster = make_cluster(nodes=2, before=lambda c: c.cli("site", "add", "acme", "--secret", OLD))
    lead = agent_token(cluster, "lee@example.test", capacity=0, role="supervisor")
    n1, n2 = cluster.url("n1"), cluster.url("n2")
    async with aiohttp.ClientSession(base_url=n1, headers={"Authorization": f"Bearer {lead}"}) as api:
        async with api.get("/api/sites") as response:
            (site,) = (await response.json())["sites"]
        rotate = f"/api/sites/{site['id']}/rotate"
        async with api.post(rotate, json={"grace_hours": 1}) as response:
            new = (await response.json())["secret"]
        assert await connects(n2, new) == "verified"
        assert await connects(n2, OLD) == "verified"  # within the grace, on the other node too
        async with api.post(rotate, json={"grace_hours": 0}) as response:
            newer = (await response.json())["secret"]
        assert await connects(n2, newer) == "verified"
        assert await connects(n2, new) == "bad_identity"
        assert await connects(n2, OLD) == "bad_identity"
        async with api.patch(f"/api/sites/{site['id']}", json={"origins": [SHOP], "identity": "required"}) as r:
            assert r.status == 200
        assert await connects(n2, newer, origin="https://evil.example") == "origin_not_allowed"
        assert await connects(n2, newer) == "verified"
        anonymous = Peer(n2, "/visitor", {"site": "acme"}, {"Origin": SHOP})
        try:
            await anonymous.connect()
            raise AssertionError("an anonymous visitor got in to a site that requires identity")
        except Refused as refusal:
            assert refusal.data["code"] == "identity_required"
