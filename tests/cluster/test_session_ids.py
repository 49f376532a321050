"""A node's name starts every engine.io session id it makes, so that nginx
can route a session's requests by `?sid=` alone (docs/examples/nginx.conf)."""
from __future__ import annotations

import re

import pytest

from server.config import LimitsConfig
from server.realtime.dispatch import DeskServer
from server.realtime.engine import DeskEngine
from server.services.clock import SystemClock

ENGINEIO_ID = r"[A-Za-z0-9_-]{20}"  # 15 random bytes in URL-safe base64


def desk_server(node: str) -> DeskServer:
    return DeskServer(limits=LimitsConfig(), clock=SystemClock(), node=node, async_mode="aiohttp")


def test_a_named_node_starts_every_session_id_with_its_name():
    engine = desk_server("n1").eio
    ids = {engine.generate_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(rf"n1-{ENGINEIO_ID}", sid) for sid in ids)


def test_an_unnamed_node_keeps_engineios_own_session_ids():
    assert re.fullmatch(ENGINEIO_ID, desk_server("").eio.generate_id())


@pytest.mark.parametrize("node", ["n-1", "n 1", "n1/", "x" * 33])
def test_a_node_name_that_would_blur_where_the_prefix_ends_is_refused(node):
    with pytest.raises(ValueError):
        DeskEngine(send_queue_bytes=1024, node=node, async_mode="aiohttp")
