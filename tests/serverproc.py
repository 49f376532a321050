"""A Shiftdesk server in its own process, started through the command
line contract, for tests that kill it or drive it from a browser."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*args: str, database: str) -> str:
    done = subprocess.run([sys.executable, "run.py", *args, "--database", database], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"run.py {' '.join(args)} failed: {done.stderr}")
    return done.stdout


class ServerProcess:
    """`node`: passed as `--node NAME` (one node of several); `args`: more
    `run.py serve` options, after the others."""

    def __init__(self, database: str, port: int | None = None, log: Path | None = None,
                 env: dict[str, str] | None = None, node: str | None = None,
                 args: Sequence[str] = ()) -> None:
        self.database, self.port = database, port or free_port()
        self.env = env or {}
        self.node = node
        self.args = [*(["--node", node] if node else []), *args]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> ServerProcess:
        return self.launch().ready(timeout)

    def launch(self) -> ServerProcess:
        """Starts the process without waiting for it (several start at once)."""
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        env = {**os.environ, "SHIFTDESK_SERVER_SECRET_KEY": "test-secret", **self.env}
        self.proc = subprocess.Popen([sys.executable, "run.py", "serve", "--host", "127.0.0.1", "--port",
                                      str(self.port), "--database", self.database, *self.args],
                                     cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
        return self

    def ready(self, timeout: float = 30.0) -> ServerProcess:
        """Waits until the launched process answers /healthz."""
        assert self.proc is not None, "launch() first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not answer /healthz")

    def kill(self) -> None:
        """SIGKILL: no cleanup, no flush; what was acknowledged must be on disk."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
