"""Several nodes behind nginx, for tests of the load-balancer layer.

`Nginx` runs docs/examples/nginx.conf itself, the file operators copy, with
its three example nodes (n1..n3 on 127.0.0.1:8001-8003) and its `listen 80`
replaced: what these tests pass is what the docs say. The harness lives in
this package's __init__ (`from tests.cluster import Nginx`): a module
tests/cluster.py could not sit beside the tests/cluster/ package.
"""
from __future__ import annotations

import contextlib
import dataclasses
import grp
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

from tests.serverproc import ROOT, ServerProcess

EXAMPLE = ROOT / "docs" / "examples" / "nginx.conf"
EXAMPLE_NODES = {"n1": 8001, "n2": 8002, "n3": 8003}  # as the example names them, in its order
EXAMPLE_LISTEN = "listen 80;"
POOL = "shiftdesk_pool"  # the example's upstream of new sessions
CONTROL_HOST = "nginx-control.test"  # the Host of the harness's own virtual server (not the desk's)
WORKERS = 1  # nginx worker processes
_NODE = re.compile(r"[A-Za-z0-9_]{1,32}")  # as `[server] node`
SITE = "acme"  # the site key every node of the tests' cluster has
NODES = tuple(EXAMPLE_NODES)  # the tests' cluster: the example's node names


def nginx_binary() -> str | None:
    """nginx's path, or None when it is not installed (Debian puts it in
    /usr/sbin, which a non-root PATH often lacks)."""
    found = shutil.which("nginx")
    if found is None and os.access("/usr/sbin/nginx", os.X_OK):
        found = "/usr/sbin/nginx"
    return found


def render(nodes: dict[str, int], port: int) -> str:
    """docs/examples/nginx.conf for these nodes (name -> port on 127.0.0.1,
    in the example's order), listening on 127.0.0.1:`port`. Raises
    ValueError for another number of nodes than the example's, a name that
    is no node name, or an example that no longer has the shape read here."""
    if len(nodes) != len(EXAMPLE_NODES):
        raise ValueError(f"{EXAMPLE.name} is written for {len(EXAMPLE_NODES)} nodes, not {len(nodes)}")
    bad = [name for name in nodes if not _NODE.fullmatch(name)]
    if bad:
        raise ValueError(f"not node names: {bad}")
    names = dict(zip(EXAMPLE_NODES, nodes))
    ports = {str(EXAMPLE_NODES[old]): str(nodes[new]) for old, new in names.items()}
    text = EXAMPLE.read_text()
    if text.count(EXAMPLE_LISTEN) != 1 or f"upstream {POOL} {{" not in text:
        raise ValueError(f"{EXAMPLE} no longer has one `{EXAMPLE_LISTEN}` and an upstream {POOL}")

    def port_of(match: re.Match) -> str:
        if match[1] not in ports:
            raise ValueError(f"{EXAMPLE}: 127.0.0.1:{match[1]} is none of the example's nodes")
        return ports[match[1]]
    # one pass each, so that renaming n1 to n2 and n2 to n1 cannot collide
    text = re.sub(r"(?<=127\.0\.0\.1:)(\d+)\b", port_of, text)
    example_names = "|".join(map(re.escape, EXAMPLE_NODES))
    text = re.sub(rf"(?<![A-Za-z0-9])({example_names})(?![A-Za-z0-9])", lambda m: names[m[1]], text)
    return text.replace(EXAMPLE_LISTEN, f"listen 127.0.0.1:{port};")


def without_pool_server(conf: str, port: int) -> str:
    """`conf` with 127.0.0.1:`port` taken out of the pool of new sessions
    (the node's own upstream stays: its sessions still reach it). Raises
    ValueError when it is not in the pool or is the last one there."""
    block = re.search(rf"upstream {POOL} \{{\n(.*?)\n\}}", conf, re.S)
    if block is None:
        raise ValueError(f"no upstream {POOL} in the configuration")
    lines = block[1].split("\n")
    servers = [line for line in lines if re.match(r"\s*server ", line)]
    kept = [line for line in lines if not re.match(rf"\s*server 127\.0\.0\.1:{port}\b", line)]
    if len(kept) == len(lines):
        raise ValueError(f"127.0.0.1:{port} is not in {POOL}")
    if len(servers) == len(lines) - len(kept):
        raise ValueError(f"127.0.0.1:{port} is the last server of {POOL}")
    return conf[:block.start(1)] + "\n".join(kept) + conf[block.end(1):]


class Nginx:
    """nginx in front of `nodes` (name -> port on 127.0.0.1), listening on
    127.0.0.1:`port`, with its configuration, pid, logs and temporary files
    in `dir` (by default a new temporary directory, removed by `stop`; one
    given is kept, so that its `error.log` and `access.log`, which names the
    upstream of each request, can be read after a failure)."""

    def __init__(self, nodes: dict[str, int], port: int, *, binary: str = "nginx",
                 dir: Path | None = None) -> None:
        self.nodes, self.port, self.binary = dict(nodes), port, binary
        self.url = f"http://127.0.0.1:{port}"
        self.conf = render(self.nodes, port)  # the snippet, as it is now
        self.generation = 0  # moves with every reload; the control server answers it
        self._own_dir = dir is None
        self.dir = Path(tempfile.mkdtemp(prefix="shiftdesk-nginx-")) if dir is None else dir.resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 10.0) -> Nginx:
        self._write()
        with open(self.dir / "stderr.log", "ab") as err:
            self.proc = subprocess.Popen([self.binary, *self._where()], stdout=subprocess.DEVNULL, stderr=err)
        self._wait_for(self.generation, timeout)
        return self

    def remove(self, name: str) -> None:
        """Takes the node out of the pool of new sessions; `reload` applies it."""
        self.conf = without_pool_server(self.conf, self.nodes[name])

    def reload(self, timeout: float = 10.0) -> None:
        """`nginx -s reload`, once the new configuration passes `nginx -t`;
        returns when only the new workers take connections. (The old ones
        serve the connections they hold until those end, but stop accepting
        as soon as they know of the reload, which nginx does not wait for.)"""
        self.generation += 1
        self._write()
        self._nginx("-t")
        self._nginx("-s", "reload")
        self._wait_for(self.generation, timeout)
        deadline = time.monotonic() + timeout
        while self._accepting_workers() > WORKERS:
            if time.monotonic() > deadline:
                raise RuntimeError("nginx's old workers did not stop accepting connections")
            time.sleep(0.02)

    def stop(self) -> None:
        """Fast shutdown (SIGTERM to the master, which takes its workers down)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def log(self, name: str = "error.log") -> str:
        path = self.dir / name
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _accepting_workers(self) -> int:
        """Workers not shutting down: an old one retitles itself
        `worker process is shutting down` right before it closes its
        listening sockets (or exits)."""
        titles = []
        for child in psutil.Process(self.proc.pid).children():
            with contextlib.suppress(psutil.NoSuchProcess):
                titles.append(" ".join(child.cmdline()).strip())
        return titles.count("nginx: worker process")

    def _where(self) -> list[str]:
        return ["-p", f"{self.dir}/", "-c", str(self.dir / "nginx.conf")]

    def _nginx(self, *args: str) -> None:
        done = subprocess.run([self.binary, *self._where(), *args], capture_output=True, text=True, timeout=10)
        if done.returncode != 0:
            raise RuntimeError(f"nginx {' '.join(args)} failed: {done.stderr}")

    def _write(self) -> None:
        (self.dir / "temp").mkdir(exist_ok=True)
        (self.dir / "shiftdesk.conf").write_text(self.conf)
        (self.dir / "nginx.conf").write_text(self._main())

    def _main(self) -> str:
        """The minimal nginx.conf around the snippet, plus a virtual server
        of the harness's own that says which configuration runs."""
        d = self.dir
        temp = "\n".join(f"    {kind}_temp_path {d}/temp/{kind};"
                         for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        return f"""{_user()}daemon off;
worker_processes {WORKERS};
pid {d}/nginx.pid;
error_log {d}/error.log notice;
events {{ worker_connections 1024; }}
http {{
    log_format cluster '$request_method $uri?$args $status upstream=$upstream_addr';
    access_log {d}/access.log cluster;
{temp}
    include {d}/shiftdesk.conf;
    server {{
        listen 127.0.0.1:{self.port};
        server_name {CONTROL_HOST};
        location = /generation {{ return 200 "{self.generation}"; }}
    }}
}}
"""

    def _wait_for(self, generation: int, timeout: float) -> None:
        request = urllib.request.Request(f"{self.url}/generation", headers={"Host": CONTROL_HOST})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.log('stderr.log')}{self.log()}")
            try:
                with urllib.request.urlopen(request, timeout=1) as response:
                    if response.read().decode() == str(generation):
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"nginx did not answer with configuration {generation}: {self.log()}")


def _user() -> str:
    """Run as root, nginx's workers would be `nobody`, who cannot enter the
    test's private temporary directories: keep them as the caller."""
    if os.geteuid() != 0:
        return ""
    return f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};\n"


@dataclasses.dataclass
class Cluster:
    """Nodes (`run.py serve --node NAME`, by name) behind `nginx`."""

    nodes: dict[str, ServerProcess]
    nginx: Nginx

    @property
    def url(self) -> str:
        """Where clients connect: nginx."""
        return self.nginx.url

    def stop(self) -> None:
        """The nodes (SIGTERM: each sends its clients the engine.io CLOSE
        packet, through nginx), then nginx. Safe to call again."""
        for node in self.nodes.values():
            node.stop()
        self.nginx.stop()
