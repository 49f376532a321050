"""Attackers against the upload routes, over real HTTP: what a stranger
holding only the public site key can make the server keep in memory or
on disk."""
from __future__ import annotations

import secrets

import aiohttp

from server.services.tokens import new_token

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def multipart(fields: list[tuple[str, bytes, str | None]]) -> tuple[bytes, str]:
    boundary = secrets.token_hex(8)
    out = []
    for name, value, filename in fields:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


async def chunked(body: bytes):
    """The body without a Content-Length (Transfer-Encoding: chunked), so no length check can refuse it early."""
    for at in range(0, len(body), 65536):
        yield body[at:at + 65536]


async def test_a_chunked_upload_with_thousands_of_form_fields_is_refused(harness):
    junk = [(f"f{i}", b"x" * 4000, None) for i in range(2000)]  # 8 MB of fields no one asked for
    body, content_type = multipart([("site", harness.site.key.encode(), None), ("token", new_token().encode(), None),
                                    *junk, ("file", PNG, "a.png")])
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{harness.url}/widget/attachments", data=chunked(body),
                             headers={"Content-Type": content_type}) as r:
            assert r.status == 400, await r.text()
            assert (await r.json())["error"]["code"] == "bad_request"


async def test_fresh_visitor_tokens_do_not_lift_the_upload_limit_of_one_address(harness):
    limit = harness.config.attachments.uploads_per_minute_per_address
    statuses = []
    async with aiohttp.ClientSession() as http:
        for _ in range(limit + 1):  # a new anonymous visitor each time: its own per-visitor budget is fresh
            body, content_type = multipart([("site", harness.site.key.encode(), None),
                                            ("token", new_token().encode(), None), ("file", PNG, "a.png")])
            async with http.post(f"{harness.url}/widget/attachments", data=body,
                                 headers={"Content-Type": content_type}) as r:
                statuses.append(r.status)
    assert statuses[:limit] == [201] * limit
    assert statuses[limit] == 429


async def test_a_part_with_hundreds_of_header_lines_is_a_400_not_a_500(harness):
    boundary = secrets.token_hex(8)
    flood = b"".join(b"X-H%d: y\r\n" % i for i in range(500))
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="site"\r\n'.encode() + flood
            + b"\r\nacme\r\n" + f"--{boundary}--\r\n".encode())
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{harness.url}/widget/attachments", data=body,
                             headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}) as r:
            assert r.status == 400, await r.text()
            assert (await r.json())["error"]["code"] == "bad_request"
