"""The test harness: a real Shiftdesk app on a loopback port, a real SQLite
file, a manual clock, and real Socket.IO clients."""
from __future__ import annotations

import asyncio
import dataclasses
import gc
import os
import shutil
import subprocess
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from aiohttp import web_app
from aiohttp.test_utils import TestServer

from server.app import create_app, stop_tasks
from server.config import Config, load
from server.services.auth import hash_password
from server.services.bundle import Services
from server.services.clock import ManualClock
from server.services.model import Agent, Role, Site
from server.services.tokens import hash_token, new_id
from server.web.pages import SERVICES
from tests.dbtemplate import copy_sqlite
from tests.peers import Peer

REQUIRE_SERVICES = os.environ.get("SHIFTDESK_REQUIRE_SERVICES") == "1"
ROOT = Path(__file__).resolve().parents[1]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Builds the front-end bundles from their sources once, before any
    test runs: in the one process, or (pytest-xdist) in the controller
    before its workers start, so that no worker's server ever reads a
    bundle another is writing."""
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller built them
        return
    if (ROOT / "node_modules" / "esbuild").exists() and shutil.which("node"):
        subprocess.run(["node", "build.mjs"], cwd=ROOT, check=True, capture_output=True)


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection loaded (the modules, Hypothesis' strategies, the
    OpenAPI schema: about half the heap) lives as long as the process, as
    in a server (server/cli.py): frozen, Python's full collections during
    the tests skip it, and each pauses the worker's shared loop for less."""
    gc.collect()
    gc.freeze()


def skip_or_fail(reason: str) -> None:
    """A missing outside service skips the test, visibly; in CI (where the
    service must be there) it fails."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (SHIFTDESK_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


async def eventually(check, timeout: float = 5.0) -> None:
    """Waits (polling, real time) until the server has processed something
    a client cannot observe, such as a disconnect or a background task."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"{check} never became true")
        await asyncio.sleep(0.01)


@dataclasses.dataclass
class Harness:
    url: str
    services: Services
    clock: ManualClock
    config: Config
    site: Site
    peers: list[Peer] = dataclasses.field(default_factory=list)
    server: TestServer | None = None
    serve: Callable[..., Awaitable[TestServer]] | None = None  # pytest-aiohttp's aiohttp_server

    async def restart(self, down_s: float = 0) -> None:
        """Stops the server as SIGTERM would (its clean-up runs), moves the
        clock `down_s` seconds while it is down, and starts a new app on the
        same database and port: clients reconnect to the new one."""
        port = self.server.port
        await self.server.close()
        self.clock.advance(down_s)
        app = await create_app(self.config, clock=self.clock)
        self.server = await self.serve(app, port=port)
        self.services = app[SERVICES]

    @property
    def store(self):
        return self.services.desk.store

    async def add_agent(self, name: str = "Alice", *, capacity: int = 3, shift: str = "always",
                        role: Role = Role.AGENT, password: str | None = None, **fields) -> tuple[Agent, str]:
        """`fields`: any other Agent field (tier, skills, on_call)."""
        token = secrets.token_urlsafe(24)
        agent = Agent(id=new_id(), email=f"{name.lower()}-{new_id()[:6]}@example.test", name=name, role=role,
                      capacity=capacity, shift=shift, token_hash=hash_token(token),
                      password_hash=hash_password(password) if password else None, **fields)
        return await self.store.save_agent(agent), token

    def peer(self, namespace: str, auth: dict | None = None, headers: dict | None = None) -> Peer:
        peer = Peer(self.url, namespace, auth, headers)
        self.peers.append(peer)
        return peer

    async def visitor(self, **auth) -> Peer:
        return await self.peer("/visitor", {"site": self.site.key, **auth}).connect()

    async def agent(self, token: str, available: bool = True) -> Peer:
        peer = await self.peer("/agent", {"token": token}).connect()
        await peer.next("session")
        if available:
            assert (await peer.call("agent:status", {"status": "available"}))["ok"]
        return peer

    async def eventually(self, check, timeout: float = 5.0) -> None:
        await eventually(check, timeout)

    async def gone(self, peer: Peer) -> None:
        """Closes `peer` and waits until the server has set its grace deadline."""
        await peer.close()
        live = self.services.desk.live
        key = await self._grace_key(peer)

        async def armed() -> bool:
            return await live.deadline(key) is not None
        await self.eventually(armed)

    async def _grace_key(self, peer: Peer) -> str:
        """The grace deadline a closed peer leaves: its chat's for a visitor,
        its own for an agent."""
        if peer.namespace == "/agent":
            session = peer.received("session")[0]
            return f"agent_gone:{session['agent']['id']}"
        session = peer.received("session")[0]
        chat = await self.store.open_chat_of_visitor(session["visitor_id"])
        return f"visitor_gone:{chat.id}"

    async def supervisor(self) -> Peer:
        _, token = await self.add_agent("Sue", role=Role.SUPERVISOR)
        peer = await self.peer("/supervisor", {"token": token}).connect()
        await peer.next("session")
        return peer

    async def advance(self, seconds: float) -> None:
        """Moves the clock and lets the timers run what fell due."""
        self.clock.advance(seconds)
        await self.services.timers.fire_due()


def make_config(database: str, **sections) -> Config:
    server = {"database": database, "secret_key": "test-secret", **sections.pop("server", {})}
    overrides = {"server": server, **sections}
    return load(None, env={}, overrides=overrides)


@pytest.fixture(autouse=True)
async def _no_task_outlives_its_test() -> AsyncIterator[None]:
    """Tests share one event loop per process (pyproject.toml). A task a
    test leaves running (a server's background loop it did not stop) is
    cancelled when the test ends, as the loop of its own each test used to
    have did, so that it cannot slow or disturb the tests after it.
    Playwright's own tasks belong to the browser kept for the whole run."""
    before = asyncio.all_tasks()
    yield
    left = [task for task in asyncio.all_tasks() - before - {asyncio.current_task()}
            if not task.done() and "playwright" not in _source_of(task)]
    await stop_tasks(left)  # as a node stops its own: cancelled again if one goes on


@pytest.fixture(autouse=True)
def _no_app_outlives_its_test() -> Iterator[None]:
    """aiohttp keeps each request's chain of middlewares in an LRU cache of
    1,024 entries keyed by the application (aiohttp/web_app.py
    `_cached_build_middleware`): harmless for a server's one application,
    but it kept alive nearly every test's whole server in a test process
    (4.4 million objects and 880 MB after 1,100 tests), and Python's full
    collections of that heap paused a worker for up to 5 s, long enough
    for a test client's call to time out. Emptied after each test."""
    yield
    cached = getattr(web_app, "_cached_build_middleware", None)
    if cached is not None:  # a later aiohttp without the cache needs nothing
        cached.cache_clear()


def _source_of(task: asyncio.Task) -> str:
    code = getattr(task.get_coro(), "cr_code", None)
    return code.co_filename if code is not None else ""


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def config_overrides() -> dict:
    """Override in a test module to change config sections."""
    return {}


@pytest.fixture
def database_url(tmp_path) -> str:
    """The harness's store, at the newest schema with no rows (a copy of a
    migrated file: tests/dbtemplate.py); a test module overrides it
    (tests/both_stores.py runs on PostgreSQL too)."""
    return copy_sqlite(tmp_path / "desk.db")


@pytest.fixture
async def harness(aiohttp_server, database_url, clock, config_overrides) -> AsyncIterator[Harness]:
    config = make_config(database_url, **config_overrides)
    app = await create_app(config, clock=clock)
    server = await aiohttp_server(app)
    services = app[SERVICES]
    site = await services.desk.store.save_site(Site(id=new_id(), key="acme", secret="s" * 32))
    h = Harness(str(server.make_url("/")).rstrip("/"), services, clock, config, site, server=server,
                serve=aiohttp_server)
    yield h
    for peer in h.peers:
        await peer.close()
