"""A Shiftdesk server in its own process, started through the command
line contract, for tests that kill it or drive it from a browser."""
from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from server.cli import main

ROOT = Path(__file__).resolve().parents[1]


RELAUNCHES = 3  # a node whose free port was taken before it bound it: launched again this often


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*args: str, database: str) -> str:
    """What `run.py ARGS --database DATABASE` prints: the command line's own
    code (`server.cli.main`), run on a thread of this process with its own
    event loop. A fresh interpreter per call cost about 1.1 s, mostly
    imports, and a multi-node test set its desk up with three or more;
    tests/test_cli.py and the tests of a command reaching a running server
    run `run.py` itself. Raises RuntimeError when the command fails."""
    out, err = io.StringIO(), io.StringIO()
    outcome: list[object] = []

    def run() -> None:
        try:
            # sys.stdout is the process's: the calling thread waits meanwhile
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                outcome.append(main([*args, "--database", database]))
        except SystemExit as exit_:  # argparse refusing the arguments
            outcome.append(exit_.code)
        except BaseException as exc:  # noqa: BLE001 (said below, with the command)
            outcome.append(exc)

    thread = threading.Thread(target=run, name="run.py " + " ".join(args[:2]))
    thread.start()
    thread.join(60)
    if thread.is_alive():
        raise RuntimeError(f"run.py {' '.join(args)} did not finish in 60 s")
    (result,) = outcome
    if isinstance(result, BaseException):
        raise RuntimeError(f"run.py {' '.join(args)} failed: {err.getvalue()}") from result
    if result not in (0, None):
        raise RuntimeError(f"run.py {' '.join(args)} failed ({result}): {err.getvalue()}")
    return out.getvalue()


class ServerProcess:
    """`node`: passed as `--node NAME` (one node of several); `args`: more
    `run.py serve` options, after the others."""

    def __init__(self, database: str, port: int | None = None, log: Path | None = None,
                 env: dict[str, str] | None = None, node: str | None = None,
                 args: Sequence[str] = ()) -> None:
        self.database, self.port = database, port or free_port()
        # free_port's port may be taken (by another test's connection, say)
        # before the node binds it: then, and only for a port chosen here,
        # ready() launches it again on another (at most RELAUNCHES times)
        self._port_ours = port is None
        self._relaunches = 0
        self._log_from = 0  # where this launch's lines begin in the log
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
        self._log_from = self.log.stat().st_size if self.log and self.log.exists() else 0
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        env = {**os.environ, "SHIFTDESK_SERVER_SECRET_KEY": "test-secret", **self.env}
        self.proc = subprocess.Popen([sys.executable, "run.py", "serve", "--host", "127.0.0.1", "--port",
                                      str(self.port), "--database", self.database, *self.args],
                                     cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
        return self

    def _log_tail(self, lines: int = 20) -> str:
        """The end of the process's log, for the failure's message (a port
        taken meanwhile, a migration raced: the cause, not only the code)."""
        if self.log is None or not self.log.exists():
            return ""
        return ":\n" + "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def _port_taken_meanwhile(self) -> bool:
        if not (self._port_ours and self._relaunches < RELAUNCHES and self.log and self.log.exists()):
            return False
        with open(self.log, "rb") as log:
            log.seek(self._log_from)
            said = log.read().decode(errors="replace")
        return f"cannot listen on 127.0.0.1:{self.port}" in said and "address already in use" in said.lower()

    def ready(self, timeout: float = 30.0) -> ServerProcess:
        """Waits until the launched process answers /healthz."""
        assert self.proc is not None, "launch() first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                if self._port_taken_meanwhile():
                    self._relaunches += 1
                    self.port = free_port()
                    self.url = f"http://127.0.0.1:{self.port}"
                    self.launch()
                    continue
                raise RuntimeError(f"server exited with {self.proc.returncode}{self._log_tail()}")
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
