"""Webhook deliveries through the real server to a real HTTP receiver on
127.0.0.1: signed, in order per chat, retried with backoff on the injected
clock, given up with the endpoint disabled and the leads alerted, and
redelivered by hand with the same event id."""
from __future__ import annotations

import json
import re
import subprocess


from server.app import HOOKS
from server.services.hook_worker import PARALLEL
from server.services.webhook_types import DeliveryState, HookRow
from tests.docs.test_integrations_guide import block, node
from tests.web.test_api import call
from tests.webhooks.conftest import subscribe
from tests.webhooks.receiver import verify

# After the guide's block: node verify.js SECRET SIGNATURE_HEADER BODY_FILE NOW_UNIX_SECONDS
NODE_MAIN = """
const [secret, header, bodyFile, now] = process.argv.slice(2);
process.stdout.write(String(verify(secret, header, require("node:fs").readFileSync(bodyFile), Number(now))));
"""
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def worker(harness):
    return harness.server.app[HOOKS]


async def arrived(harness, receiver, count: int, event_type: str | None = None) -> None:
    async def enough() -> bool:
        found = receiver.of(event_type) if event_type else receiver.events
        return len(found) >= count
    await harness.eventually(enough)


async def all_delivered(harness, hook_id: str) -> None:
    """Once the worker has recorded every delivery (the receiver may see one a moment before)."""
    async def recorded() -> bool:
        return all(d.state is DeliveryState.DELIVERED for d in await harness.store.webhook_deliveries(hook_id, 500))
    await harness.eventually(recorded)


async def chat_with_ann(harness, text: str = "my site is down"):
    _, token = await harness.add_agent("Ann")
    ann = await harness.agent(token)
    visitor = await harness.visitor()
    await visitor.next("session")
    ack = await visitor.call("chat:start", {"text": text})
    assert ack["ok"], ack
    await ann.next("chat:assigned")
    return visitor, ann, ack["chat"]["id"]


async def test_a_chat_sends_signed_events_in_order_and_never_a_note(harness, receiver, lead_session):
    hook = await subscribe(harness, lead_session, receiver)
    visitor, ann, chat_id = await chat_with_ann(harness)
    for i in range(3):
        sent = {"chat_id": chat_id, "client_id": f"v{i}", "text": f"visitor {i}"}
        assert (await visitor.call("chat:send", sent))["ok"]
    note = {"chat_id": chat_id, "client_id": "n1", "text": "SECRET NOTE about the customer", "note": True}
    assert (await ann.call("chat:send", note))["ok"]
    assert (await ann.call("chat:send", {"chat_id": chat_id, "client_id": "a1", "text": "on it"}))["ok"]
    assert (await ann.call("chat:end", {"chat_id": chat_id}))["ok"]
    await visitor.next("survey:request")
    assert (await visitor.call("survey:submit", {"chat_id": chat_id, "rating": 5, "comment": "fast"}))["ok"]
    await arrived(harness, receiver, 1, "survey.submitted")
    assert receiver.types() == ["chat.started", "chat.message", "chat.assigned", *["chat.message"] * 4,
                                "chat.ended", "survey.submitted"]
    messages = [e["data"]["message"] for e in receiver.of("chat.message")]
    assert [m["seq"] for m in messages] == [1, 2, 3, 4, 6]  # 5 is the note
    assert [m["text"] for m in messages] == ["my site is down", "visitor 0", "visitor 1", "visitor 2", "on it"]
    assert messages[-1]["author"] == "agent" and messages[-1]["agent"]["name"] == "Ann"
    assert "agent" not in messages[0]
    assert all(b"SECRET NOTE" not in a["body"] for a in receiver.attempts) and receiver.rejected == 0
    assert len({e["id"] for e in receiver.events}) == len(receiver.events)
    for event, attempt in zip(receiver.events, receiver.attempts, strict=True):
        assert event["id"].startswith("evt_") and TIME.match(event["created_at"]) and event["site"] == "acme"
        headers = attempt["headers"]
        assert headers["Shiftdesk-Event"] == event["type"] and headers["User-Agent"] == "Shiftdesk-Webhooks/1"
        assert headers["Content-Type"] == "application/json" and headers["Shiftdesk-Delivery"].isdigit()
    started, assigned, ended, survey = (receiver.of(t)[0]["data"] for t in
                                        ("chat.started", "chat.assigned", "chat.ended", "survey.submitted"))
    assert started["chat"]["id"] == chat_id and started["chat"]["status"] == "queued"
    assert assigned["chat"]["status"] == "active" and assigned["agent"]["name"] == "Ann"
    assert ended["chat"]["status"] == "ended" and ended["reason"] == "agent"
    assert survey["survey"]["rating"] == 5 and survey["chat"]["id"] == chat_id
    await all_delivered(harness, hook["id"])
    log = await call(lead_session, "GET", f"/api/webhooks/{hook['id']}/deliveries?limit=3")
    assert [d["state"] for d in log["deliveries"]] == ["delivered"] * 3 and log["next"] is not None
    assert log["deliveries"][0]["type"] == "survey.submitted" and log["deliveries"][0]["last_status"] == 200
    older = await call(lead_session, "GET", f"/api/webhooks/{hook['id']}/deliveries?limit=50&before={log['next']}")
    assert len(older["deliveries"]) == 6 and older["next"] is None


async def test_the_docs_python_verification_accepts_a_real_delivery_and_nothing_else(harness, receiver,
                                                                                       lead_session):
    await subscribe(harness, lead_session, receiver, ["chat.started"])
    await chat_with_ann(harness)
    await arrived(harness, receiver, 1)
    attempt = receiver.attempts[0]
    header, body, now = attempt["headers"]["Shiftdesk-Signature"], attempt["body"], harness.clock.now().timestamp()
    assert verify(receiver.secret, header, body, now=now)
    assert not verify("whsec_wrong", header, body, now=now)
    assert not verify(receiver.secret, header, body.replace(b"my site", b"my shop"), now=now)
    assert not verify(receiver.secret, header, body, now=now + 301)  # too old: a replay
    assert not verify(receiver.secret, "v1=abc", body, now=now)


async def test_the_docs_node_verification_accepts_a_real_delivery_and_nothing_else(harness, receiver, lead_session,
                                                                                     tmp_path):
    await subscribe(harness, lead_session, receiver, ["chat.started"])
    await chat_with_ann(harness)
    await arrived(harness, receiver, 1)
    attempt = receiver.attempts[0]
    header, now = attempt["headers"]["Shiftdesk-Signature"], str(int(harness.clock.now().timestamp()))
    good, bad = tmp_path / "body.json", tmp_path / "tampered.json"
    good.write_bytes(attempt["body"])
    bad.write_bytes(attempt["body"].replace(b"my site", b"my shop"))

    script = tmp_path / "verify.js"
    script.write_text(block("verify-node", "js") + NODE_MAIN)

    def run_node(secret: str, body, at: str = now) -> str:
        done = subprocess.run([node(), str(script), secret, header, str(body), at], capture_output=True, text=True,
                              timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout
    assert run_node(receiver.secret, good) == "true"
    assert run_node("whsec_wrong", good) == "false"
    assert run_node(receiver.secret, bad) == "false"
    assert run_node(receiver.secret, good, str(int(now) + 301)) == "false"


async def test_a_failed_delivery_holds_back_its_chat_and_is_retried_after_its_backoff(harness, receiver,
                                                                                       lead_session):
    hook = await subscribe(harness, lead_session, receiver, ["chat.message"])
    receiver.fail = [500]
    visitor, _, chat_id = await chat_with_ann(harness)
    for i in range(3):
        await visitor.call("chat:send", {"chat_id": chat_id, "client_id": f"v{i}", "text": f"visitor {i}"})

    async def first_failed() -> bool:
        found = await harness.store.webhook_deliveries(hook["id"], 10)
        return any(d.state is DeliveryState.FAILING for d in found)
    await harness.eventually(first_failed)
    assert receiver.events == [] and len(receiver.attempts) == 1
    harness.clock.advance(29)
    assert await worker(harness).deliver_due() == 0  # the backoff (30 s) has not passed
    assert len(receiver.attempts) == 1
    harness.clock.advance(1)
    await arrived(harness, receiver, 4)
    assert [e["data"]["message"]["seq"] for e in receiver.events] == [1, 2, 3, 4]
    await all_delivered(harness, hook["id"])
    assert len(receiver.attempts) == 5 and receiver.events[0]["id"] == json.loads(receiver.attempts[0]["body"])["id"]
    log = (await call(lead_session, "GET", f"/api/webhooks/{hook['id']}/deliveries"))["deliveries"]
    first = log[-1]
    assert (first["state"], first["attempts"], first["last_status"]) == ("delivered", 2, 200)
    failed = await harness.store.webhook_deliveries(hook["id"], 10)
    assert all(d.state is DeliveryState.DELIVERED for d in failed)


async def test_an_endpoint_failing_past_the_give_up_time_is_disabled_and_the_lead_alerted(harness, receiver,
                                                                                            lead_session):
    hook = await subscribe(harness, lead_session, receiver, ["chat.started"])
    sue = await harness.supervisor()
    receiver.fail = [500] * 1000
    await chat_with_ann(harness)

    async def attempted(more_than: int):
        async def check() -> bool:
            return (await harness.store.webhook_deliveries(hook["id"], 1))[0].attempts > more_than
        await harness.eventually(check)
    await attempted(0)
    for _ in range(40):  # 30 s, 60 s, 120 s, ... one hour at most: 24 hours take 30 attempts
        delivery = (await harness.store.webhook_deliveries(hook["id"], 1))[0]
        if delivery.state is DeliveryState.GIVEN_UP:
            break
        harness.clock.advance((delivery.next_attempt_at - harness.clock.now()).total_seconds())
        await attempted(delivery.attempts)  # by the node's own worker, woken by its clock
    assert delivery.state is DeliveryState.GIVEN_UP and delivery.attempts == 30  # policy.webhooks.next_attempt
    assert not (await harness.store.webhook_by_id(hook["id"])).enabled
    view = (await call(lead_session, "GET", "/api/webhooks"))["webhooks"][0]
    assert view["enabled"] is False and "given up" in view["disabled_reason"] and view["failures"] == 30
    delivery = (await call(lead_session, "GET", f"/api/webhooks/{hook['id']}/deliveries"))["deliveries"][0]
    assert delivery["state"] == "given_up" and delivery["last_status"] == 500 and delivery["last_error"] == "HTTP 500"
    assert delivery["response_excerpt"] == "x" * 256 and delivery["next_attempt_at"] is None
    alert = await sue.next("alert", lambda a: a["kind"] == "webhook_disabled")
    assert alert["evidence"]["webhook_id"] == hook["id"]
    stored = await harness.store.list_alerts(kind="webhook_disabled")
    assert len(stored) == 1 and receiver.secret not in json.dumps(alert)
    # a lead turns it on again and redelivers: the same event, now received
    receiver.fail = []
    on = (await call(lead_session, "POST", f"/api/webhooks/{hook['id']}/enable"))["webhook"]
    assert on["enabled"] is True and on["failures"] == 0
    harness.clock.advance(1)  # the audit log lists the newest first
    again = await call(lead_session, "POST", f"/api/webhooks/{hook['id']}/deliveries/{delivery['id']}/redeliver")
    assert again["delivery"]["state"] == "pending" and again["delivery"]["event_id"] == delivery["event_id"]
    await arrived(harness, receiver, 1)
    assert receiver.events[0]["id"] == delivery["event_id"]
    assert json.loads(receiver.attempts[0]["body"]) == receiver.events[0]  # the same body, byte for byte
    entry = (await call(lead_session, "GET", "/api/audit"))["entries"][0]
    assert entry["action"] == "webhook_redeliver"


async def test_a_wrong_secret_is_rejected_by_the_receiver_and_retried(harness, receiver, lead_session):
    await subscribe(harness, lead_session, receiver, ["chat.started"])
    real = receiver.secret
    receiver.secret = "whsec_not_the_one"
    await chat_with_ann(harness)

    async def rejected() -> bool:
        return receiver.rejected == 1
    await harness.eventually(rejected)
    receiver.secret = real
    harness.clock.advance(30)
    await arrived(harness, receiver, 1)


async def test_a_delivery_is_signed_when_it_is_sent_not_when_it_waited_for_a_slot(harness, receiver, lead_session):
    await subscribe(harness, lead_session, receiver, ["chat.started"])
    slots = worker(harness)._slots  # every parallel slot busy, as under a backlog of slow receivers
    for _ in range(PARALLEL):
        await slots.acquire()
    try:
        await chat_with_ann(harness)

        async def waiting() -> bool:
            return bool(slots._waiters)
        await harness.eventually(waiting)
        harness.clock.advance(240)  # within the receivers' 5 minutes either way: the time itself is checked
    finally:
        for _ in range(PARALLEL):
            slots.release()
    await arrived(harness, receiver, 1)
    signed_at = receiver.attempts[0]["headers"]["Shiftdesk-Signature"].split(",")[0]
    assert signed_at == f"t={int(harness.clock.now().timestamp())}"


async def test_the_worker_sweeps_the_delivery_log_at_most_once_an_hour(harness):
    async def orphan(n: int) -> None:  # a row for an endpoint that is gone: the sweep deletes it
        await harness.store.queue_hooks([HookRow("gone", f"evt_{n}", "chat.ended", None, "{}", harness.clock.now())])

    async def rows() -> int:
        return len(await harness.store.webhook_deliveries("gone", 10))

    async def swept() -> bool:
        return await rows() == 0

    await orphan(1)
    harness.clock.advance(3600)
    await worker(harness).deliver_due()
    await harness.eventually(swept)
    await orphan(2)
    harness.clock.advance(3599)
    await worker(harness).deliver_due()
    assert await rows() == 1  # not within the hour
    harness.clock.advance(1)
    await worker(harness).deliver_due()
    await harness.eventually(swept)


async def test_the_worker_claims_nothing_while_no_endpoint_is_enabled(harness, receiver):
    from server.services.webhook_types import HookRow, Webhook
    # an endpoint added behind the catalog's back (as by another node whose news has not come yet)
    receiver.secret = "whsec_" + "s" * 32
    hook = await harness.store.add_webhook(Webhook(id="hook1", site_id=harness.site.id, url=receiver.url, events=(),
                                                   secret=receiver.secret, enabled=True, created_at=harness.clock.now()))
    body = json.dumps({"id": "evt_1", "type": "chat.ended", "data": {}})
    await harness.store.queue_hooks([HookRow(hook.id, "evt_1", "chat.ended", None, body, harness.clock.now())])
    assert await worker(harness).deliver_due() == 0
    (waiting,) = await harness.store.webhook_deliveries(hook.id, 10)
    assert waiting.leased_until is None and receiver.attempts == []  # not even claimed: the catalog had no endpoint
    harness.clock.advance(30)  # the catalog is read again at least this often
    await worker(harness).deliver_due()
    await arrived(harness, receiver, 1)
    assert receiver.events[0]["id"] == "evt_1"


async def test_a_delivery_claimed_by_a_node_that_died_goes_out_once_its_lease_ends(harness, receiver, lead_session):
    """The lease follows `[webhooks] timeout_s` (a batch's longest), not a
    fixed quarter of an hour: a node killed during a batch holds its
    deliveries, and its chats' later ones, only that long."""
    hook = await subscribe(harness, lead_session, receiver, ["chat.ended"])
    lease_s = worker(harness).lease_s
    assert lease_s == 2 * harness.config.webhooks.timeout_s + 60
    now = harness.clock.now()
    await harness.store.queue_hooks([HookRow(hook["id"], "evt_dead", "chat.ended", "c1", '{"id":"evt_dead"}', now)])
    assert len(await harness.store.due_deliveries(now, 20, lease_s=lease_s)) == 1  # claimed; the node dies
    harness.clock.advance(lease_s - 1)
    assert await worker(harness).deliver_due() == 0 and receiver.events == []
    harness.clock.advance(2)
    assert await worker(harness).deliver_due() == 1
    assert [e["id"] for e in receiver.events] == ["evt_dead"]
