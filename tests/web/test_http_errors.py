"""Refusals below the handlers: a method or path the API does not have, a
request past aiohttp's limits. Found by the fuzzer (tests/fuzz)."""
from __future__ import annotations

import logging

import aiohttp
import pytest


@pytest.mark.parametrize("method, path, status, code", [
    ("DELETE", "/api/tickets", 405, "method_not_allowed"),
    ("PUT", "/api/canned", 405, "method_not_allowed"),
    ("GET", "/api/no-such-thing", 404, "not_found"),
    ("GET", "/api/tickets/x/y/z", 404, "not_found"),
    ("GET", "/widget/tickets", 405, "method_not_allowed"),
    ("DELETE", "/widget/tickets", 405, "method_not_allowed"),
])
async def test_the_json_api_refuses_an_unknown_method_or_path_with_a_json_error(harness, method, path, status, code):
    _, token = await harness.add_agent()
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        async with session.request(method, f"{harness.url}{path}") as response:
            assert response.status == status
            answer = await response.json()
    assert answer["ok"] is False and answer["error"]["code"] == code and answer["error"]["message"]


async def test_a_request_line_past_the_limit_is_refused_without_a_traceback(harness, caplog):
    caplog.set_level(logging.DEBUG)
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{harness.url}/healthz", params={"q": "x" * 9000}) as response:
            assert response.status == 400
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert any("Error handling request" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("path", ["/console/login", "/console/logout"])
@pytest.mark.parametrize("body, content_type", [
    (b"x", "multipart/form-data; boundary=x"),  # no boundary where one is announced
    (b"\xff\xfe", "application/x-www-form-urlencoded"),  # not UTF-8
])
async def test_a_form_that_cannot_be_read_is_a_bad_request(harness, caplog, path, body, content_type):
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{harness.url}{path}", data=body, headers={"Content-Type": content_type},
                                allow_redirects=False) as response:
            assert response.status == 400
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
