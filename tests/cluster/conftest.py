"""Three nodes (n1..n3, each `run.py serve --node NAME` on a SQLite file of
its own: separate desks, which transport tests do not mind) behind nginx."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.cluster import NODES, SITE, Cluster, Nginx, nginx_binary
from tests.pgutil import unavailable
from tests.serverproc import ServerProcess, cli, free_port


@pytest.fixture(scope="session")
def nginx_path() -> str:
    found = nginx_binary()
    if found is None:
        unavailable("nginx is not installed (apt-get install nginx)")
    return found


@pytest.fixture(scope="session")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A desk with site `acme` and an agent on shift always (so a visitor
    may start a chat at any hour), made once and copied for each node."""
    path = tmp_path_factory.mktemp("seed") / "desk.db"
    database = f"sqlite:///{path}"
    cli("site", "add", SITE, database=database)
    cli("agent", "add", "ann@example.test", "--name", "Ann", "--shift", "always", database=database)
    return path


@pytest.fixture
def cluster(nginx_path: str, seed: Path, tmp_path: Path) -> Iterator[Cluster]:
    nodes: dict[str, ServerProcess] = {}
    for name in NODES:
        shutil.copy(seed, tmp_path / f"{name}.db")  # the CLI closed it: no -wal file is left beside it
        nodes[name] = ServerProcess(f"sqlite:///{tmp_path}/{name}.db", node=name, log=tmp_path / f"{name}.log")
    nginx: Nginx | None = None
    try:
        with ThreadPoolExecutor(len(nodes)) as pool:  # each takes a second or so to import and migrate
            for started in [pool.submit(ServerProcess.start, node) for node in nodes.values()]:
                started.result()
        # nginx's upstreams once every node listens: a node whose port was taken meanwhile moved to another
        nginx = Nginx({name: node.port for name, node in nodes.items()}, free_port(), binary=nginx_path,
                      dir=tmp_path / "nginx")
        nginx.start()
        yield Cluster(nodes, nginx)
    finally:
        for node in nodes.values():
            node.stop()
        if nginx is not None:
            nginx.stop()
