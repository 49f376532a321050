"""A page names its stylesheet by a URL that changes with the file's
content, as it does its scripts: after an upgrade, browsers fetch the new
stylesheet instead of drawing the new console with the old one. Under
/static/ nothing else is served, whatever the name."""
from __future__ import annotations

import hashlib
import re

import aiohttp
import pytest

from server.web.assets import STATIC

LINK = re.compile(r'<link rel="stylesheet" href="([^"]+)">')


async def test_the_stylesheet_url_carries_its_content_hash(harness):
    css = (STATIC / "console.css").read_bytes()
    async with aiohttp.ClientSession(base_url=harness.url) as http:
        async with http.get("/console/login") as page:
            hrefs = LINK.findall(await page.text())
        assert hrefs == [f"/static/console.css?v={hashlib.sha256(css).hexdigest()[:12]}"]
        async with http.get(hrefs[0]) as sheet:
            assert sheet.status == 200 and sheet.content_type == "text/css"
            assert await sheet.read() == css


@pytest.mark.parametrize("name", ["x" * 300, "../pyproject.toml", "%2e%2e/pyproject.toml", "console.css/", "nope.css"])
async def test_any_other_static_name_is_not_found(harness, name):
    """A name past the file system's limit was a 500 (found by the fuzzer)."""
    async with aiohttp.ClientSession(base_url=harness.url) as http, http.get(f"/static/{name}") as answer:
        assert answer.status == 404
