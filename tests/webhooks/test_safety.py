"""Where a delivery may go: https (http only to listed hosts), never to a
private, loopback, link-local or reserved address unless allow-listed,
checked when the endpoint is added and again on the address each
connection resolves (DNS rebinding); no redirects followed, a short
timeout. The pure rules first, then the real HTTP client and server."""
from __future__ import annotations

import asyncio
import ipaddress
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from server.config import ConfigError, WebhooksConfig, load
from server.policy.webhooks import UnsafeUrl, allowed, backoff, check_url, is_public, next_attempt, sign
from server.services.webhook_types import DeliveryState, Webhook
from server.services.tokens import new_id
from server.web.hook_client import HookClient
from tests.webhooks.receiver import Receiver, verify


@pytest.fixture
def config_overrides() -> dict:
    # the receiver's name may be reached over http, but its address is not allow-listed
    return {"webhooks": {"http_hosts": "localhost,127.0.0.1", "allow_hosts": ""}}


@pytest.mark.parametrize(("url", "says"), [
    ("http://crm.example.com/h", "must be https"),
    ("ftp://crm.example.com/h", "https://"),
    ("https:///h", "https://"),
    ("https://u:p@crm.example.com/h", "user name"),
    ("https://crm.example.com/h#x", "fragment"),
    ("https://crm.example.com:99999/h", "not a URL"),
    ("https://crm.example.com/a b", "without spaces"),
    ("https://crm.example.com/" + "a" * 2000, "at most"),
])
def test_urls_that_are_refused(url, says):
    with pytest.raises(UnsafeUrl, match=says):
        check_url(url, http_hosts=frozenset())


def test_urls_that_are_taken():
    assert check_url("https://crm.example.com/h?x=1", http_hosts=frozenset()) == ("crm.example.com", 443)
    assert check_url("http://receiver.lan:8080/h", http_hosts=frozenset({"receiver.lan"})) == ("receiver.lan", 8080)
    assert check_url("https://[2001:db8::1]/h", http_hosts=frozenset()) == ("2001:db8::1", 443)


@pytest.mark.parametrize("address", ["10.0.0.1", "172.16.3.4", "192.168.1.1", "127.0.0.1", "169.254.169.254",
                                     "0.0.0.0", "224.0.0.1", "240.0.0.1", "100.64.0.1", "::1", "fe80::1", "fc00::1",
                                     "::ffff:127.0.0.1", "::", "ff02::1"])
def test_addresses_that_are_not_public(address):
    assert not is_public(ipaddress.ip_address(address))
    assert not allowed("h", ipaddress.ip_address(address), ())


def test_allow_lists_take_an_address_a_network_or_the_host_name():
    local = ipaddress.ip_address("10.1.2.3")
    assert is_public(ipaddress.ip_address("93.184.216.34"))
    assert allowed("crm.lan", local, ("10.1.2.3",))
    assert allowed("crm.lan", local, ("10.0.0.0/8",))
    assert allowed("crm.lan", local, ("crm.lan",))
    assert not allowed("crm.lan", local, ("10.1.2.4", "192.168.0.0/16", "other.lan"))


def test_the_signature_is_hmac_sha256_of_time_dot_body():
    assert sign("whsec_test", b'{"a":1}', 1700000000) == (
        "t=1700000000,v1=" + __import__("hmac").new(b"whsec_test", b'1700000000.{"a":1}', "sha256").hexdigest())
    assert verify("whsec_test", sign("whsec_test", b"{}", 1700000000), b"{}", now=1700000100)


def test_backoff_doubles_from_30_seconds_to_an_hour_and_gives_up_after_the_limit():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 7, 8, 30)] == [30, 60, 120, 1920, 3600, 3600]
    start = datetime(2026, 12, 4, tzinfo=UTC)
    day = timedelta(hours=24)
    assert next_attempt(start, start, 1, day) == start + timedelta(seconds=30)
    assert next_attempt(start, start + timedelta(hours=23, minutes=30), 30, day) is None


@pytest.mark.parametrize(("section", "named"), [
    ({"timeout_s": 0}, "timeout_s"), ({"timeout_s": 61}, "timeout_s"), ({"give_up_hours": 0}, "give_up_hours"),
    ({"keep_days": 0}, "keep_days"), ({"keep_days": 3651}, "keep_days"),
    ({"allow_hosts": "10.0.0.0/33"}, "allow_hosts"), ({"allow_hosts": "bad host!"}, "allow_hosts"),
    ({"http_hosts": "10.0.0.0/8"}, "http_hosts"), ({"nope": 1}, "nope"),
])
def test_bad_webhooks_config_is_refused_with_its_name(section, named):
    with pytest.raises(ConfigError, match=named):
        load(None, env={}, overrides={"webhooks": section})


def test_the_webhooks_section_comes_from_the_environment_too():
    config = load(None, env={"SHIFTDESK_WEBHOOKS_TIMEOUT_S": "5",
                             "SHIFTDESK_WEBHOOKS_ALLOW_HOSTS": "10.0.0.0/8, crm.lan"})
    assert config.webhooks.timeout_s == 5 and config.webhooks.allowed == ("10.0.0.0/8", "crm.lan")


async def test_a_name_resolving_to_a_loopback_address_is_refused_at_connect_time():
    receiver = await Receiver(secret="s" * 20).start()
    port = receiver.url.rsplit(":", 1)[1].split("/")[0]
    try:
        strict = HookClient(WebhooksConfig(http_hosts="localhost"))
        attempt = await strict.post(f"http://localhost:{port}/hook", {}, b"{}")
        await strict.close()
        assert not attempt.ok and attempt.status is None and "refused" in attempt.error
        assert "127.0.0.1" in attempt.error or "::1" in attempt.error
        literal = HookClient(WebhooksConfig(http_hosts="127.0.0.1"))
        attempt = await literal.post(receiver.url, {}, b"{}")
        await literal.close()
        assert not attempt.ok and "refused" in attempt.error
        assert receiver.attempts == []
        named = HookClient(WebhooksConfig(http_hosts="localhost", allow_hosts="localhost,::1"))
        attempt = await named.post(f"http://localhost:{port}/hook", {}, b"{}")
        await named.close()
        assert attempt.status == 401  # reached (the receiver wants a signature)
    finally:
        await receiver.stop()


async def test_an_endpoint_whose_name_now_resolves_to_loopback_fails_and_gets_nothing(harness, receiver):
    # Added when its name was public (stored directly: the add-time check would refuse it now)
    port = receiver.url.rsplit(":", 1)[1].split("/")[0]
    hook = await harness.store.add_webhook(Webhook(
        id=new_id(), site_id=harness.site.id, url=f"http://localhost:{port}/hook", events=("chat.started",),
        secret="s" * 20, enabled=True, created_at=harness.clock.now()))
    await harness.services.webhooks.load()
    visitor = await harness.visitor()
    await visitor.next("session")
    await harness.add_agent("Ann")
    assert (await visitor.call("chat:start", {"text": "hello"}))["ok"]

    async def failed() -> bool:
        found = await harness.store.webhook_deliveries(hook.id, 5)
        return bool(found) and found[0].state is DeliveryState.FAILING
    await harness.eventually(failed)
    delivery = (await harness.store.webhook_deliveries(hook.id, 5))[0]
    assert "refused" in delivery.last_error and delivery.last_status is None
    assert receiver.attempts == []


async def test_redirects_are_not_followed_and_a_slow_receiver_times_out():
    hits: list[str] = []

    async def moved(request: web.Request) -> web.Response:
        hits.append(request.path)
        raise web.HTTPFound("/elsewhere")

    async def slow(request: web.Request) -> web.Response:
        hits.append(request.path)
        await asyncio.sleep(5)
        return web.Response(text="late")

    app = web.Application()
    app.router.add_route("*", "/moved", moved)
    app.router.add_route("*", "/slow", slow)
    app.router.add_route("*", "/elsewhere", moved)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    hooks = HookClient(WebhooksConfig(http_hosts="127.0.0.1", allow_hosts="127.0.0.1", timeout_s=1))
    try:
        attempt = await hooks.post(f"http://127.0.0.1:{port}/moved", {}, b"{}")
        assert (attempt.ok, attempt.status) == (False, 302) and "redirects" in attempt.error
        assert hits == ["/moved"]
        attempt = await hooks.post(f"http://127.0.0.1:{port}/slow", {}, b"{}")
        assert not attempt.ok and attempt.error == "timed out"
    finally:
        await hooks.close()
        await runner.cleanup()
