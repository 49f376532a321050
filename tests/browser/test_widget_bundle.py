"""widget.js as customers' pages load it: small, and served gzipped."""
from __future__ import annotations

import gzip

import aiohttp

LIMIT_GZIP_BYTES = 40 * 1024  # the widget's budget: every page view of every customer pays it


def test_the_widget_bundle_stays_under_40_kb_gzipped(bundles) -> None:
    # As measured by `gzip -9 -c build/widget.js | wc -c`.
    size = len(gzip.compress((bundles / "widget.js").read_bytes(), compresslevel=9))
    assert size < LIMIT_GZIP_BYTES, f"build/widget.js is {size} bytes gzipped (limit {LIMIT_GZIP_BYTES})"


async def test_widget_js_is_served_gzipped_to_browsers_that_accept_it(desk, bundles) -> None:
    built = (bundles / "widget.js").read_bytes()
    async with aiohttp.ClientSession(auto_decompress=False) as http:
        async with http.get(f"{desk.url}/widget.js", headers={"Accept-Encoding": "gzip, deflate"}) as response:
            assert response.status == 200
            assert response.headers["Content-Encoding"] == "gzip"
            assert "Accept-Encoding" in response.headers.get("Vary", "")
            assert response.headers["Content-Type"].startswith("text/javascript")
            assert gzip.decompress(await response.read()) == built  # the .gz is this build's, not a stale one
        async with http.get(f"{desk.url}/widget.js", headers={"Accept-Encoding": "identity"}) as response:
            assert "Content-Encoding" not in response.headers
            assert await response.read() == built
