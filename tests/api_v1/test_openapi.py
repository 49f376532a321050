"""The OpenAPI document of /api/v1 and the reference page drawn from it:
valid OpenAPI 3.1, one operation per registry entry with the registry's
types, served to anyone with an ETag; the page shows every operation and
escapes what it shows."""
from __future__ import annotations

import shlex

import aiohttp
import jinja2
import msgspec
import pytest
from markupsafe import escape
from openapi_spec_validator import validate

from server.web.assets import TEMPLATES
from server.web.v1 import operations  # noqa: F401  (fills OPERATIONS)
from server.web.v1.openapi import TAGS, build, openapi_path, path_names
from server.web.v1.reference import sections, spans
from server.web.v1.registry import ERROR_STATUSES, OPERATIONS, Operation


async def fetch(harness, path: str, **headers) -> tuple[aiohttp.ClientResponse, bytes]:
    async with aiohttp.ClientSession() as session:
        async with session.get(harness.url + path, headers=headers) as response:
            return response, await response.read()


@pytest.fixture
async def document(harness) -> dict:
    response, body = await fetch(harness, "/api/v1/openapi.json")
    assert response.status == 200 and response.content_type == "application/json"
    return msgspec.json.decode(body)


async def test_the_served_document_is_valid_openapi_3_1(document):
    validate(document)  # raises with the first violation
    assert document["openapi"].startswith("3.1") and document["info"]["version"]
    assert document["components"]["securitySchemes"]["integration_token"]["scheme"] == "bearer"


async def test_every_operation_of_the_registry_is_described_with_its_types(document):
    assert OPERATIONS, "the registry is empty"
    ids = [op.operation_id for op in OPERATIONS]
    assert len(ids) == len(set(ids))
    for op in OPERATIONS:
        spec = document["paths"][openapi_path(op.path)][op.method.lower()]
        assert spec["operationId"] == op.operation_id and spec["tags"] == [op.tag] and spec["x-scope"] == op.scope
        answer = spec["responses"][str(op.status)]["content"]
        assert answer["application/json"]["schema"] == {"$ref": f"#/components/schemas/{op.response.__name__}"}
        assert ("text/csv" in answer) is op.csv
        assert [p["name"] for p in spec["parameters"] if p["in"] == "path"] == path_names(op.path)
        if op.query is not None:
            named = {p["name"] for p in spec["parameters"] if p["in"] == "query"}
            assert named >= set(op.query.__struct_encode_fields__)  # as sent: `from`, not `first`
        if op.body is not None:
            assert spec["requestBody"]["required"] is True
        for status, error in spec["responses"].items():
            if not status.startswith("2"):
                assert int(status) in ERROR_STATUSES
                assert error["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorAnswer")
        assert {"401", "429"} <= set(spec["responses"])


async def test_every_tag_has_a_description(document):
    for tag in document["tags"]:
        assert tag["description"] and tag["name"] in TAGS


async def test_a_query_field_is_a_parameter_with_its_schema_and_whether_it_is_required():
    class Page(msgspec.Struct, forbid_unknown_fields=True):
        """A page."""
        site: str
        limit: int = 50

    class Answer(msgspec.Struct):
        """Rows."""
        ok: bool = True

    async def rows(call):
        """Reads rows."""

    op = Operation("GET", "/rows/{row_id}", rows, "listRows", "List rows", "chats", "read", Answer,
                   query=Page, csv=True)
    spec = build([op], ERROR_STATUSES, "1")["paths"]["/rows/{row_id}"]["get"]
    by_name = {p["name"]: p for p in spec["parameters"]}
    assert by_name["site"]["required"] is True and by_name["site"]["schema"]["type"] == "string"
    assert by_name["limit"]["required"] is False and by_name["limit"]["schema"]["default"] == 50
    assert by_name["format"]["schema"]["enum"] == ["json", "csv"]  # csv=True and no field of its own
    assert by_name["row_id"]["in"] == "path" and set(spec["responses"]) >= {"400", "404"}
    assert "409" not in spec["responses"]  # a GET changes nothing


async def test_the_document_is_public_and_cacheable(harness):
    response, _ = await fetch(harness, "/api/v1/openapi.json")
    etag = response.headers["ETag"]
    assert etag.startswith('"') and "public" in response.headers["Cache-Control"]
    again, body = await fetch(harness, "/api/v1/openapi.json", **{"If-None-Match": etag})
    assert again.status == 304 and body == b""
    async with aiohttp.ClientSession() as session:
        async with session.post(harness.url + "/api/v1/openapi.json") as refused:
            assert refused.status == 405 and (await refused.json())["ok"] is False


async def test_the_reference_page_shows_every_operation(harness, document):
    response, body = await fetch(harness, "/docs/api")
    page = body.decode()
    assert response.status == 200 and "script-src 'self'" in response.headers["Content-Security-Policy"]
    for op in OPERATIONS:
        assert f'id="{op.operation_id}"' in page and str(escape(op.summary)) in page
    assert 'href="/api/v1/openapi.json"' in page and "Authorization: Bearer $SHIFTDESK_TOKEN" in page


def test_the_reference_escapes_what_it_shows():
    hostile = "<img src=x onerror=alert(1)>"
    document = {
        "tags": [{"name": "chats", "description": hostile}],
        "paths": {"/x": {"get": {"operationId": "x", "summary": hostile, "description": hostile,
                                 "tags": ["chats"], "parameters": [],
                                 "responses": {"200": {"description": "ok", "content": {"application/json": {
                                     "schema": {"type": "object", "properties": {
                                         hostile: {"type": "string", "description": hostile}}}}}}}}}},
        "info": {"title": hostile, "version": "1"}}
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    page = env.get_template("api_docs.html").render(
        sections=sections(document, "http://desk.test"), spans=spans, info=document["info"],
        document_path="/api/v1/openapi.json",
        base_url="http://desk.test", stylesheet="/static/api-docs.css", console_css="/static/console.css")
    assert hostile not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_nested_fields_are_walked_through_refs_with_their_constraints():
    document = build(OPERATIONS, ERROR_STATUSES, "1")
    listed = {entry.operation_id: entry for section in sections(document, "http://d") for entry in section.entries}
    rows = {row.name: row for row in listed["listAgents"].response}
    assert rows["items[].capacity"].type == "integer" and "≥ 0" in rows["items[].capacity"].constraints
    assert rows["items[].role"].constraints == ('one of "agent", "supervisor"',)
    assert rows["items[].name"].required and rows["items[].name"].description == "The agent's display name"


def test_every_curl_example_sends_a_body_its_operation_takes():
    listed = {entry.operation_id: entry
              for section in sections(build(OPERATIONS, ERROR_STATUSES, "1"), "https://desk.test")
              for entry in section.entries}
    for op in OPERATIONS:
        words = shlex.split(listed[op.operation_id].curl.replace("\\\n", " "))
        assert f"https://desk.test/api/v1{op.path}".split("{")[0] in " ".join(words)
        assert ("-d" in words) is (op.body is not None)
        if op.body is not None:
            msgspec.json.decode(words[words.index("-d") + 1], type=op.body)  # raises if the example is refused
