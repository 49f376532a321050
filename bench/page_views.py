"""What page views cost the server when the widget is not opened, rerunnable.

Serves the demo page from an in-process Shiftdesk (a fresh SQLite file, one
agent on shift) and loads it in headless Chromium `--pages` times, each in a
browser context of its own (a new visitor: no shared cache or storage) and
kept open; then counts the server's Engine.IO sessions (the sockets it holds)
and what the pages asked for. `--ref REF` serves the widget as built from
that git revision instead (`--ref main`: the widget before this branch), so
one command compares the two.

    .venv/bin/python bench/page_views.py --pages 50
    .venv/bin/python bench/page_views.py --pages 50 --ref main
"""
from __future__ import annotations

import argparse
import asyncio
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from aiohttp import web
from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from server.app import SIO, create_app  # noqa: E402
from server.config import load  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, free_port, run_cli  # noqa: E402

SETTLE_S = 3.0  # after the last load: every widget has done what it does at load


def widget_of(ref: str, into: Path) -> Path:
    """widget/src of git revision `ref`, bundled as build.mjs does (under
    build/, so that esbuild finds node_modules)."""
    sources = subprocess.run(["git", "archive", ref, "widget/src"], cwd=ROOT, check=True, capture_output=True).stdout
    tarfile.open(fileobj=io.BytesIO(sources)).extractall(into)
    out = into / "widget.js"
    script = (f'import {{ build }} from "esbuild"; await build({{ absWorkingDir: {json.dumps(str(ROOT))}, '
              f'entryPoints: [{json.dumps(str(into / "widget/src/widget.js"))}], outfile: {json.dumps(str(out))}, '
              f'bundle: true, format: "iife", minify: true, target: "es2019", legalComments: "none" }});')
    subprocess.run(["node", "--input-type=module", "-e", script], cwd=ROOT, check=True)
    return out


async def measure(pages: int, bundle: Path | None, database: str) -> dict:
    config = load(None, env={}, overrides={"server": {"database": database, "secret_key": "bench" * 8}})
    app = await create_app(config, demo_site="demo")
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    asked = {"websockets": 0, "polling_requests": 0, "status_requests": 0}

    def seen(request) -> None:
        if "/socket.io/" in request.url:
            asked["polling_requests"] += 1
        elif "/widget/status" in request.url:
            asked["status_requests"] += 1
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            started = time.monotonic()
            for _ in range(pages):
                page = await (await browser.new_context()).new_page()
                page.on("request", seen)
                page.on("websocket", lambda _: asked.__setitem__("websockets", asked["websockets"] + 1))
                if bundle is not None:
                    await page.route("**/widget.js*", lambda route: route.fulfill(
                        path=str(bundle), content_type="text/javascript"))
                await page.goto(f"http://127.0.0.1:{port}/")
                await page.locator('[data-sd="launcher"]').wait_for()
            await asyncio.sleep(SETTLE_S)
            held = len(app[SIO].eio.sockets)
            loaded_s = time.monotonic() - started - SETTLE_S
            await browser.close()
    finally:
        await runner.cleanup()
    return {"pages": pages, "server_sockets": held, **asked, "load_s": round(loaded_s, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20, help="page views, each kept open (default 20)")
    parser.add_argument("--ref", help="serve the widget built from this git revision (e.g. main)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory(dir=ROOT / "build") as sources:
        database = f"sqlite:///{tmp}/bench.db"
        run_cli("site", "add", "demo", database=database)
        run_cli("agent", "add", "ann@bench.test", "--name", "Ann", "--password", "bench-password-1",
                "--shift", "always", database=database)
        bundle = widget_of(args.ref, Path(sources)) if args.ref else None
        result = asyncio.run(measure(args.pages, bundle, database))
    print(json.dumps({"widget": args.ref or "this tree", **result}))


if __name__ == "__main__":
    main()
