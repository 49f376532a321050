"""Fixtures: a desk of several nodes on a scratch PostgreSQL database and
the shared Redis, with a site and agents made through the command line."""
from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import Callable, Iterator
from urllib.parse import urlparse

import pytest

from tests import pgutil, redisutil
from tests.multinode.cluster import Cluster, redis_url


def _redis_answers(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def scratch_pg() -> Iterator[str]:
    url = pgutil.scratch_database_or_skip("shiftdesk_nodes")
    yield url
    pgutil.drop_in_own_loop(url)


@pytest.fixture
def make_cluster(scratch_pg, tmp_path):
    """`make_cluster(nodes=3, env={...}, redis=URL, before=f)`: a started
    desk with site `acme`; `f(cluster)` runs before its nodes start (agents
    added then are known from the start; later ones within
    router.AGENTS_TTL_S)."""
    made: list[Cluster] = []

    def make(*, nodes: int = 3, env: dict[str, str] | None = None, redis: str | None = None,
             before: Callable[[Cluster], None] = lambda _: None) -> Cluster:
        if redis is None and not _redis_answers(redis_url()):
            pgutil.unavailable(f"Redis at {redis_url()} does not answer")
        cluster = Cluster(scratch_pg, tmp_path, nodes=nodes, env=env, redis=redis)
        cluster.cli("site", "add", "acme")
        before(cluster)  # what the desk has when its nodes start
        made.append(cluster)
        return cluster.start()

    yield make
    for cluster in made:
        cluster.stop()
        if cluster.redis == redis_url():  # the shared Redis keeps nothing of the test's desk
            asyncio.run(redisutil.drop_prefix(cluster.prefix))


def agent_token(cluster: Cluster, email: str, *, capacity: int = 3, role: str = "agent") -> str:
    """Adds an agent on shift at all hours; its API token."""
    token = secrets.token_urlsafe(24)
    cluster.cli("agent", "add", email, "--name", email.split("@")[0].title(), f"--token={token}",
                "--capacity", str(capacity), "--shift", "always", "--role", role)
    return token
