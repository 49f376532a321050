"""A rotated site secret over a real widget connection: identities signed
with the new secret are accepted always, with the replaced one only until
the grace period the lead chose ends (on the desk's clock); an origin list
changed in the dashboard applies to the next connect."""
from __future__ import annotations

import pytest

from server.services.model import Role
from tests.peers import Refused
from tests.realtime.test_identity import identity
from tests.web.test_api import call, client

HOUR = 3600


async def rotate(harness, grace_hours: int) -> str:
    _, token = await harness.add_agent("Lena", role=Role.SUPERVISOR)
    async with client(harness, token) as lead:
        answer = await call(lead, "POST", f"/api/sites/{harness.site.id}/rotate", json={"grace_hours": grace_hours})
    return answer["secret"]


async def verified(harness, secret: str, sub: str = "user-1") -> bool:
    """Whether a widget connecting with an identity signed by `secret` now
    is let in as a verified visitor (False: refused with bad_identity)."""
    try:
        peer = await harness.visitor(identity=identity(secret, at=harness.clock.now(), sub=sub))
    except Refused as refusal:
        assert refusal.data["code"] == "bad_identity", refusal.data
        return False
    session = await peer.next("session")
    await peer.close()
    return session["verified"] is True


async def test_both_secrets_work_during_the_grace_and_only_the_new_one_after(harness):
    old = harness.site.secret
    assert await verified(harness, old)
    new = await rotate(harness, grace_hours=24)
    assert await verified(harness, new) and await verified(harness, old)
    await harness.advance(24 * HOUR - 1)
    assert await verified(harness, old, sub="user-2") and await verified(harness, new, sub="user-2")
    await harness.advance(1)
    assert not await verified(harness, old)
    assert await verified(harness, new)
    assert not await verified(harness, "another-secret-entirely-32-bytes!!")


async def test_without_grace_the_old_secret_stops_at_once(harness):
    old = harness.site.secret
    new = await rotate(harness, grace_hours=0)
    assert not await verified(harness, old)
    assert await verified(harness, new)


async def test_rotating_again_drops_the_secret_before_the_current_one(harness):
    first = harness.site.secret
    second = await rotate(harness, grace_hours=48)
    await harness.advance(HOUR)
    third = await rotate(harness, grace_hours=48)
    assert not await verified(harness, first)  # only the last two secrets are ever accepted
    assert await verified(harness, second) and await verified(harness, third)


async def test_an_origin_list_changed_by_a_lead_applies_to_the_next_connect(harness):
    _, token = await harness.add_agent("Lena", role=Role.SUPERVISOR)
    peer = await harness.peer("/visitor", {"site": "acme"}, {"Origin": "https://old.example"}).connect()
    await peer.next("session")
    async with client(harness, token) as lead:
        await call(lead, "PATCH", f"/api/sites/{harness.site.id}",
                   json={"origins": ["https://shop.example"], "identity": "optional"})
    with pytest.raises(Refused) as refusal:
        await harness.peer("/visitor", {"site": "acme"}, {"Origin": "https://old.example"}).connect()
    assert refusal.value.data["code"] == "origin_not_allowed"
    shop = await harness.peer("/visitor", {"site": "acme"}, {"Origin": "https://shop.example"}).connect()
    assert (await shop.next("session"))["verified"] is False


async def test_every_lead_is_told_of_a_rotation_without_its_secret(harness):
    watching = await harness.supervisor()
    agent_id = (await harness.add_agent("Ann"))[1]
    ann = await harness.agent(agent_id)
    secret = await rotate(harness, grace_hours=1)
    told = await watching.next("sites")
    assert told["action"] == "rotate" and told["site"]["key"] == "acme" and told["site"]["rotating"] is True
    assert secret not in str(told) and harness.site.secret not in str(told)
    assert ann.received("sites") == []  # agents are not told
