"""The fuzzer drives whatever the server defines (events from its
namespaces, routes from its router), with random input at least. These
tests fail while an event or a route has no input of its own shape: add
its msgspec struct to events.COMMANDS, or its Spec to test_rest.ROUTES."""
from __future__ import annotations

from server.app import SIO, create_app
from tests.conftest import make_config
from tests.fuzz.events import COMMANDS
from tests.fuzz.test_rest import ROUTES, live_routes


async def an_app(tmp_path):
    return await create_app(make_config(f"sqlite:///{tmp_path}/desk.db"))


async def test_every_event_of_every_namespace_has_a_payload_strategy(tmp_path):
    app = await an_app(tmp_path)
    live = {(path, event) for path, ns in app[SIO].desk_namespaces.items() for event in ns.events}
    assert live - set(COMMANDS) == set(), "events without a command struct in tests/fuzz/events.py COMMANDS"
    assert set(COMMANDS) - live == set(), "COMMANDS names events the server no longer has"
    assert {path for path, _ in live} == {"/visitor", "/agent", "/supervisor"}


async def test_every_route_has_a_request_strategy(tmp_path):
    live = set(live_routes(await an_app(tmp_path)))
    assert live - set(ROUTES) == set(), "routes without a Spec in tests/fuzz/test_rest.py ROUTES"
    assert set(ROUTES) - live == set(), "ROUTES names routes the server no longer has"
