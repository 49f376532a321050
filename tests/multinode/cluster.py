"""Several real `run.py serve` processes sharing one PostgreSQL database and
one Redis (a key prefix of their own, so parallel tests do not meet), for
tests that connect clients to different nodes, kill nodes and cut Redis."""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path

from tests.serverproc import ServerProcess, cli, free_port

DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def redis_url() -> str:
    return os.environ.get("SHIFTDESK_TEST_REDIS", DEFAULT_REDIS)


class Cluster:
    """Nodes n1..nN of one desk. `env` adds settings (SHIFTDESK_<SECTION>_<KEY>)."""

    def __init__(self, database: str, logs: Path, *, redis: str | None = None, nodes: int = 3,
                 env: dict[str, str] | None = None) -> None:
        self.database, self.logs = database, logs
        self.redis = redis or redis_url()
        self.prefix = f"test_{secrets.token_hex(6)}"
        self.env = {"SHIFTDESK_SERVER_REDIS": self.redis, "SHIFTDESK_SERVER_REDIS_PREFIX": self.prefix,
                    "SHIFTDESK_SERVER_NODE_TTL_S": "2", **(env or {})}
        self.nodes = {f"n{i}": self._node(f"n{i}") for i in range(1, nodes + 1)}

    def _node(self, name: str) -> ServerProcess:
        return ServerProcess(self.database, log=self.logs / f"{name}.log",
                             env={**self.env, "SHIFTDESK_SERVER_NODE": name})

    def cli(self, *args: str) -> str:
        return cli(*args, database=self.database)

    def start(self) -> Cluster:
        for node in self.nodes.values():
            node.launch()
        for node in self.nodes.values():
            node.ready()
        return self

    def url(self, name: str) -> str:
        return self.nodes[name].url

    def kill(self, name: str) -> None:
        self.nodes[name].kill()

    def restart(self, name: str) -> ServerProcess:
        """The node again, on the same port (a fresh process)."""
        old = self.nodes[name]
        old.stop()
        self.nodes[name] = ServerProcess(self.database, port=old.port, log=old.log, env=old.env).start()
        return self.nodes[name]

    def stop(self) -> None:
        for node in self.nodes.values():  # all told at once, then each waited for
            if node.proc and node.proc.poll() is None:
                node.proc.terminate()
        for node in self.nodes.values():
            node.stop()

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


class PrivateRedis:
    """A redis-server of the test's own, on a free port, to stop and start
    without touching the one other tests share."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self) -> PrivateRedis:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            done = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True)
            if done.stdout.strip() == "PONG":
                return self
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        """Gone at once, its data with it (it keeps nothing on disk)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
