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
from yarl import URL

from server.config import ConfigError, WebhooksConfig, load
from server.policy.webhooks import UnsafeUrl, allowed, backoff, check_url, is_public, next_attempt, sign
from server.services.webhook_types import DeliveryState, Webhook
from server.services.tokens import new_id
from server.web.hook_client import HookClient
from tests.web.test_api import call
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
    ("https://127.0.0.\U0001FBF1/h", "ASCII"),  # a Unicode digit: the client would connect to 127.0.0.1
    ("https://169.254.169.25\U0001FBF4/latest", "ASCII"),
    ("https://b\u00fccher.example/h", "xn--"),
    ("https://[fe80::1%25eth0]/h", "not a host"),
    ("https://crm.example.com:8443/h", "port must be 443"),
    ("https://crm.example.com:80/h", "port must be 443"),
])
def test_urls_that_are_refused(url, says):
    with pytest.raises(UnsafeUrl, match=says):
        check_url(url, http_hosts=frozenset())


def test_urls_that_are_taken():
    assert check_url("https://crm.example.com/h?x=1", http_hosts=frozenset()) == ("crm.example.com", 443)
    assert check_url("https://CRM.example.com.:443/h", http_hosts=frozenset()) == ("crm.example.com", 443)
    assert check_url("https://xn--bcher-kva.example/h", http_hosts=frozenset()) == ("xn--bcher-kva.example", 443)
    assert check_url("http://receiver.lan/h", http_hosts=frozenset({"receiver.lan"})) == ("receiver.lan", 80)
    assert check_url("https://receiver.lan/h", http_hosts=frozenset({"receiver.lan"})) == ("receiver.lan", 443)
    assert check_url("https://[2001:db8::1]/h", http_hosts=frozenset()) == ("2001:db8::1", 443)


@pytest.mark.parametrize(("url", "allow"), [
    ("http://receiver.lan:8080/h", ("receiver.lan",)), ("https://10.1.2.3:8443/h", ("10.0.0.0/8",)),
    ("https://[fd00::5]:9000/h", ("fd00::/8",)),
])
def test_any_port_only_to_an_allow_listed_host(url, allow):
    http = frozenset({"receiver.lan"})
    assert check_url(url, http_hosts=http, allow=allow)[1] == URL(url).port
    with pytest.raises(UnsafeUrl, match="port must be 443"):
        check_url(url, http_hosts=http, allow=("other.lan", "192.168.0.0/16"))


@pytest.mark.parametrize("url", ["https://CRM.Example.COM./h", "https://127.0.0.1/h", "https://[::FFFF:127.0.0.1]/h",
                                 "https://[2001:DB8:0:0::1]:8443/h", "https://xn--bcher-kva.example/h",
                                 "https://2130706433/h", "https://127.1/h"])
def test_the_host_checked_is_the_host_the_http_client_connects_to(url):
    host, _ = check_url(url, http_hosts=frozenset(), allow=("0.0.0.0/0", "::/0", "crm.example.com"))
    assert host == URL(url).raw_host.rstrip(".")


@pytest.mark.parametrize("address", ["10.0.0.1", "172.16.3.4", "192.168.1.1", "127.0.0.1", "169.254.169.254",
                                     "0.0.0.0", "224.0.0.1", "240.0.0.1", "100.64.0.1", "::1", "fe80::1", "fc00::1",
                                     "::ffff:127.0.0.1", "::", "ff02::1",
                                     "::ffff:169.254.169.254", "::127.0.0.1",  # mapped, compatible
                                     "2002:7f00:1::1", "2002:a9fe:a9fe::1",  # 6to4 of 127.0.0.1, 169.254.169.254
                                     "2002:5db8:d822::1",  # 6to4 of a public address: refused whole too
                                     "64:ff9b::7f00:1", "64:ff9b::5db8:d822", "64:ff9b:1::a00:1",  # NAT64
                                     "2001:0:4136:e378:8000:63bf:3fff:fdd2"])  # Teredo
def test_addresses_that_are_not_public(address):
    assert not is_public(ipaddress.ip_address(address))
    assert not allowed("h", ipaddress.ip_address(address), ())


def test_allow_lists_take_an_address_a_network_or_the_host_name():
    local = ipaddress.ip_address("10.1.2.3")
    assert is_public(ipaddress.ip_address("93.184.216.34"))
    assert is_public(ipaddress.ip_address("2606:4700::1111"))
    assert is_public(ipaddress.ip_address("::ffff:93.184.216.34"))
    assert allowed("crm.lan", ipaddress.ip_address("64:ff9b::a00:1"), ("64:ff9b::/96",))
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
        attempt = await strict.post("http://localhost/hook", {}, b"{}")  # port 80: the resolver refuses it
        await strict.close()
        assert not attempt.ok and attempt.status is None
        assert attempt.error == "refused: localhost does not resolve to a public address ([webhooks] allow_hosts)"
        literal = HookClient(WebhooksConfig(http_hosts="127.0.0.1"))
        attempt = await literal.post("http://127.0.0.1/hook", {}, b"{}")
        assert not attempt.ok and "refused" in attempt.error and "may not be reached" in attempt.error
        attempt = await literal.post(receiver.url, {}, b"{}")  # not port 80 or 443, and not allow-listed
        assert not attempt.ok and "port must be 443" in attempt.error
        await literal.close()
        assert receiver.attempts == []
        named = HookClient(WebhooksConfig(http_hosts="localhost", allow_hosts="localhost,::1"))
        attempt = await named.post(f"http://localhost:{port}/hook", {}, b"{}")
        await named.close()
        assert attempt.status == 401  # reached (the receiver wants a signature)
    finally:
        await receiver.stop()


async def listener() -> tuple[asyncio.Server, int, list[int]]:
    """A bare TCP listener on 127.0.0.1 counting the connections it accepts."""
    accepted: list[int] = []

    def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        writer.close()
    server = await asyncio.start_server(connected, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], accepted


async def test_a_unicode_digit_in_the_host_never_reaches_the_address_it_maps_to():
    server, port, accepted = await listener()
    # allow-listing the listener's port-mapped host by name does not help: the host as typed is not ASCII
    hooks = HookClient(WebhooksConfig(http_hosts="127.0.0.1", allow_hosts="127.0.0.\U0001fbf1"))
    try:
        for url in (f"https://127.0.0.\U0001FBF1:{port}/h", f"http://127.0.0.\U0001FBF1:{port}/h",
                    f"https://127.0.0.\U0001FBF1/h", "https://169.254.169.25\U0001FBF4/latest"):
            attempt = await hooks.post(url, {}, b"{}")
            assert not attempt.ok and attempt.status is None and "ASCII" in attempt.error, (url, attempt)
        assert accepted == []
    finally:
        await hooks.close()
        server.close()
        await server.wait_closed()


async def test_the_lead_is_told_to_use_ascii_and_never_what_an_internal_name_resolves_to(harness, lead_session):
    for url, says in (("https://127.0.0.\U0001FBF1/h", "ASCII"), ("https://169.254.169.25\U0001FBF4/h", "xn--"),
                      ("https://crm.example.com:8443/h", "port must be 443"),
                      ("https://localhost/h", "localhost does not resolve to a public address")):
        answer = await call(lead_session, "POST", "/api/webhooks", 400,
                            json={"site": harness.site.key, "url": url, "events": []})
        assert answer["error"]["code"] == "bad_request" and says in answer["error"]["message"], answer
        assert "127.0.0.1" not in answer["error"]["message"] and "::1" not in answer["error"]["message"]
    assert await harness.store.list_webhooks() == []


async def failing_delivery(harness, url: str):
    """The first delivery of an endpoint stored directly (as if added before a rule, or when its name
    was public: the add-time check would refuse it now), once it has failed."""
    hook = await harness.store.add_webhook(Webhook(
        id=new_id(), site_id=harness.site.id, url=url, events=("chat.started",),
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
    return (await harness.store.webhook_deliveries(hook.id, 5))[0]


async def test_an_endpoint_whose_name_now_resolves_to_loopback_fails_and_gets_nothing(harness, receiver,
                                                                                         lead_session):
    delivery = await failing_delivery(harness, "http://localhost/hook")  # port 80: the resolver's check
    assert delivery.last_error == "refused: localhost does not resolve to a public address ([webhooks] allow_hosts)"
    assert delivery.last_status is None
    assert receiver.attempts == []
    # the delivery log shows the lead no address either
    shown = await call(lead_session, "GET", f"/api/webhooks/{delivery.webhook_id}/deliveries")
    assert "127.0.0.1" not in str(shown) and "::1" not in str(shown)


async def test_a_unicode_host_stored_before_the_rule_is_refused_at_delivery_without_a_connection(harness):
    server, port, accepted = await listener()
    try:
        delivery = await failing_delivery(harness, f"https://127.0.0.\U0001FBF1:{port}/hook")
        assert "ASCII" in delivery.last_error and delivery.last_status is None
        assert accepted == []
    finally:
        server.close()
        await server.wait_closed()


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
