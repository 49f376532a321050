"""Fixtures for the browser tests: the front-end bundles, a real Shiftdesk
server started through its command line, and headless Debian Chromium."""
from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SERVER_START_S = 30.0

AGENT_EMAIL = "agent@example.test"
AGENT_PASSWORD = "correct-horse-battery"
SITE_KEY = "demo"


def missing(reason: str) -> None:
    """Skips with a visible reason, or fails when services are required."""
    if os.environ.get("SHIFTDESK_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (SHIFTDESK_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def bundles() -> Path:
    """build/widget.js, console.js and dashboard.js: rebuilt from the
    sources once per run, before any test starts (tests/conftest.py,
    `pytest_sessionstart`), so that no test runs a stale bundle."""
    for name in ("widget.js", "console.js", "dashboard.js"):
        if not (ROOT / "build" / name).exists():
            missing(f"build/{name} is missing: run `npm install && npm run build`")
    return ROOT / "build"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args: str, database: str) -> None:
    result = subprocess.run(
        [str(PYTHON), "run.py", *args, "--database", database],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, f"run.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"


@dataclass
class Server:
    url: str
    log: Path

    def log_tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"/healthz did not answer 200 within {SERVER_START_S}s:\n{log.read_text(errors='replace')}")


@pytest.fixture
def live_server(tmp_path: Path, bundles: Path) -> Iterator[Server]:
    """A real server on a free loopback port with site `demo` and one agent
    on an `always` shift, all set up through run.py as an operator would."""
    if not (ROOT / "run.py").exists():
        missing("run.py is missing: the server is not there yet")
    database = f"sqlite:///{tmp_path / 'shiftdesk.db'}"  # four slashes: absolute
    run_cli("site", "add", SITE_KEY, database=database)
    run_cli("agent", "add", AGENT_EMAIL, "--name", "Alice", "--password", AGENT_PASSWORD,
            "--shift", "always", database=database)
    port = free_port()
    log = tmp_path / "server.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(PYTHON), "run.py", "--host", "127.0.0.1", "--port", str(port), "--database", database],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, log)
        yield Server(url, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def _browser_process() -> AsyncIterator[list]:
    """One Chromium (and one Playwright driver) per test process, launched
    when a test first needs it: a launch is about half a second of CPU that
    each of some 150 tests paid. Tests are kept apart by browser contexts of
    their own (cookies, storage, cache), which they close. Holds
    [playwright, browser]; a browser that died is launched again."""
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        missing("the playwright Python package is not installed")
    async with async_playwright() as playwright:
        held = [playwright, None]
        try:
            yield held
        finally:
            if held[1] is not None:
                await held[1].close()


@pytest_asyncio.fixture(loop_scope="session")
async def chromium(_browser_process) -> AsyncIterator[object]:
    playwright, browser = _browser_process
    if browser is None or not browser.is_connected():
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        _browser_process[1] = browser
    yield browser
    for context in browser.contexts:  # what a test left open goes with it
        await context.close()


# In-process desk for the front-end tests: the test harness's real server
# (tests/conftest.py: loopback port, SQLite file, ManualClock the test moves)
# with the bundles built, driven from the same event loop as Playwright.
PASSWORD = "correct-horse-battery"


@pytest.fixture
async def desk(harness, bundles):
    """The harness, with its bundles built: `desk.url`, `desk.clock`,
    `desk.add_agent(..., password=PASSWORD)`, `desk.advance(s)`."""
    return harness


@dataclass
class HostSite:
    """The customer's site: a server of its own on another loopback port
    (another origin than the desk's, as in production; both on loopback so
    Chromium's private-network rules have nothing to refuse)."""

    url: str
    pages: dict


@pytest.fixture
async def host(aiohttp_server) -> HostSite:
    from aiohttp import web

    pages: dict[str, str] = {}

    async def serve(request: web.Request) -> web.Response:
        html = pages.get(request.path)
        if html is None:
            raise web.HTTPNotFound()
        return web.Response(text=html, content_type="text/html")
    app = web.Application()
    app.router.add_get("/{tail:.*}", serve)
    server = await aiohttp_server(app)
    return HostSite(str(server.make_url("/")).rstrip("/"), pages)


async def host_page(context, desk, host: HostSite, *, body: str = "", script_attrs: str = "", head: str = "",
                    path: str = "/"):
    """A page of the customer's site that embeds the widget with one tag, as integrators do."""
    host.pages[path] = (f"<!doctype html><html><head><meta charset=utf-8><title>Shop</title>{head}</head>"
                        f'<body>{body}<script src="{desk.url}/widget.js" data-site="{desk.site.key}" '
                        f"{script_attrs} async></script></body></html>")
    page = await context.new_page()
    await page.goto(f"{host.url}{path}")
    return page


async def console_login(context, desk, email: str, password: str = PASSWORD, path: str = "/console"):
    """A console page, logged in through the login form."""
    page = await context.new_page()
    await page.goto(f"{desk.url}/console/login")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", password)
    await page.click('[data-sd="login"]')
    await page.wait_for_url(f"{desk.url}/console")
    if path != "/console":
        await page.goto(f"{desk.url}{path}")
    return page
