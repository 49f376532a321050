"""A smoke test of bench/nodes.py: about 15-20 s with two of its set-ups
(two nodes on a scratch PostgreSQL database and a Redis prefix, every
visitor on n1 and every agent on n2; the relay on the stock Redis manager).
No speed is asserted: only that messages cross nodes, none that was acked
is lost, both nodes are measured, and the run leaves nothing behind."""
from __future__ import annotations

import asyncio

import asyncpg
import psutil
import redis

from bench import nodes
from tests.pgutil import unavailable


def _database_exists(admin_url: str, name: str) -> bool:
    async def look() -> bool:
        conn = await asyncpg.connect(nodes._pg_dsn(admin_url), timeout=5)
        try:
            return await conn.fetchval("SELECT count(*) FROM pg_database WHERE datname = $1", name) > 0
        finally:
            await conn.close()
    return asyncio.run(look())


def _keys(url: str, pattern: str) -> list[bytes]:
    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        return list(client.scan_iter(match=pattern, count=500))
    finally:
        client.close()


def test_messages_cross_nodes_and_the_run_cleans_up(tmp_path) -> None:
    args = nodes.parse_args(["--setups", "two-nodes,relay", "--rounds", "1", "--duration", "1", "--warmup", "0.5",
                             "--visitors", "4", "--agents", "1", "--rate", "0", "--quiet-wait", "0",
                             "--out", str(tmp_path / "nodes.json")])
    try:
        nodes.check_services(args)
    except SystemExit as exc:
        unavailable(str(exc))
    report = nodes.run(args)

    two, relay = report["summary"]["two-nodes"], report["summary"]["relay"]
    for setup in (two, relay):
        assert setup["failed_scenarios"] == 0
        assert setup["delivered_msg_s"] > 0 and setup["acked"] > 0
        assert setup["acked_lost"] == 0 and setup["acked_undelivered"] == 0 and setup["not_acked"] == 0
    run = report["rounds"][0]["two-nodes"]
    assert run["acked_checked"] > 0 and run["acked_not_stored"] == 0  # looked up in PostgreSQL
    assert run["routing_samples"] == 4
    assert set(run["node_cpu_us_per_msg"]) == {"n1", "n2"}
    assert run["node_cpu_us_per_msg"]["n2"] > 0  # n2 delivered to the agents: the messages crossed
    assert report["ratios"]["a_two_nodes_vs_relay_throughput"]["value"] is not None
    assert report["ratios"]["acked_but_lost"]["met"]

    pids = [pid for setup in report["setups"].values() for pid in setup["pids"]]
    assert len(pids) == 3 and not any(psutil.pid_exists(pid) for pid in pids)
    databases = [key.removeprefix("database ") for key in report["cleanup"] if key.startswith("database ")]
    prefixes = [key.removeprefix("redis ") for key in report["cleanup"] if key.startswith("redis ")]
    assert len(databases) == 1 and len(prefixes) == 1
    assert not _database_exists(args.pg, databases[0])
    assert _keys(args.redis, prefixes[0]) == []
