"""The OpenAPI 3.1 document of the public API, built from the registry.

Nothing here is written beside the code it describes: every path,
parameter, body and answer comes from the registry's `Operation`s and
their msgspec types (`msgspec.json.schema_components`, JSON Schema 2020-12,
which OpenAPI 3.1 takes as it is); descriptions are the docstrings of the
handlers and structs. The document is built once when the app starts and
served at /api/v1/openapi.json to anyone (it holds no desk data), with an
ETag so that tools can cache it.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import inspect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from aiohttp import hdrs, web

from .registry import ERROR_STATUSES, ErrorAnswer, Operation, path_type

PREFIX = "/api/v1"
DOCUMENT_PATH = f"{PREFIX}/openapi.json"
REF = "#/components/schemas/{name}"
SECURITY = "integration_token"
TOKEN_PREFIX = "sdi_"
# What each tag holds, shown above its operations on /docs/api.
TAGS = {
    "chats": "Live and past chats: their transcripts, writing to the visitor as the agent who holds the chat, "
             "ending and tagging them.",
    "tickets": "Tickets: opening, listing, reading and changing them, and their replies.",
    "visitors": "The people who chat on a site through the widget.",
    "accounts": "The customer accounts a site vouches for (verified visitors), and their suspensions.",
    "agents": "The desk's agents and leads: who they are, their status and load.",
    "reports": "The desk's figures per day: chats, answers, conversions, satisfaction. Desk-wide tokens only.",
}
DESCRIPTION = """\
The public API of a Shiftdesk desk, for integrations: read and act on
chats, tickets, visitors, accounts and reports from another system.

Every request carries an integration token, `Authorization: Bearer sdi_...`,
that a lead creates (`python run.py token add NAME --scope read|write` or the
dashboard's Integrations page). A `read` token may call every GET; `write`
may also POST, PUT, PATCH and DELETE. A token tied to one site sees only that
site's chats, tickets, visitors and accounts; desk-wide routes need a
desk-wide token.

Lists answer `{"ok": true, "items": [...], "next_cursor": ...}`: pass
`next_cursor` back as `?cursor=` for the next page, until it is `null`.
Errors answer `{"ok": false, "error": {"code", "message"}}` with the HTTP
status listed under each operation; 429 carries `Retry-After` (seconds).
"""
_PATH_NAME = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}")
CSV_FORMAT = {"name": "format", "in": "query", "required": False,
              "description": "`csv`: the same rows as text/csv instead of JSON.",
              "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"}}


def build(operations: Sequence[Operation], errors: dict[int, str], version: str) -> dict[str, Any]:
    """The OpenAPI document of `operations`, as plain JSON-ready data.
    `errors`: every error status an operation may answer, with its meaning."""
    types = _types(operations)
    _, schemas = msgspec.json.schema_components(types, ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(openapi_path(op.path), {})[op.method.lower()] = _operation(op, schemas, errors)
    used = {op.tag for op in operations}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Shiftdesk API", "version": version, "description": DESCRIPTION},
        "servers": [{"url": PREFIX, "description": "This desk (the URL this document was read from)"}],
        "tags": [{"name": tag, "description": TAGS.get(tag, "")}
                 for tag in sorted(used, key=lambda tag: (list(TAGS).index(tag) if tag in TAGS else len(TAGS), tag))],
        "security": [{SECURITY: []}],
        "paths": paths,
        "components": {
            "schemas": _reachable(schemas, paths),
            "securitySchemes": {SECURITY: {
                "type": "http", "scheme": "bearer", "bearerFormat": f"{TOKEN_PREFIX}...",
                "description": f"An integration token ({TOKEN_PREFIX}...), scope read or write."}},
        },
    }


def openapi_path(path: str) -> str:
    """aiohttp's `{name:regex}` as OpenAPI's `{name}`."""
    return _PATH_NAME.sub(lambda m: "{" + m.group(1) + "}", path)


def path_names(path: str) -> list[str]:
    return _PATH_NAME.findall(path)


def _types(operations: Iterable[Operation]) -> list[type]:
    seen: dict[type, None] = {ErrorAnswer: None}
    for op in operations:
        for kind in (op.response, op.body, op.query):
            if kind is not None:
                seen.setdefault(kind, None)
    return list(seen)


def _name(kind: type) -> str:
    return kind.__name__


def _operation(op: Operation, schemas: dict[str, Any], errors: dict[int, str]) -> dict[str, Any]:
    names = path_names(op.path)
    spec: dict[str, Any] = {
        "operationId": op.operation_id, "summary": op.summary, "tags": [op.tag],
        "description": op.description or op.summary,
        "x-scope": op.scope,
        "parameters": [*({"name": name, "in": "path", "required": True, "schema": msgspec.json.schema(path_type(name))}
                         for name in names),
                       *_query_parameters(op, schemas)],
    }
    if op.body is not None:
        spec["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": {"$ref": REF.format(name=_name(op.body))}}}}
    content: dict[str, Any] = {"application/json": {"schema": {"$ref": REF.format(name=_name(op.response))}}}
    if op.csv:
        content["text/csv"] = {"schema": {"type": "string"}}
    spec["responses"] = {str(op.status): {"description": _first_line(op.response) or "Done.", "content": content}}
    for status in error_statuses(op, errors):
        spec["responses"][str(status)] = _error(status, errors[status])
    return spec


def _query_parameters(op: Operation, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    """One parameter per field of the query struct; a field the struct
    lists in `lists` is comma-separated (`?status=open,pending`)."""
    parameters = []
    if op.query is not None:
        struct = schemas[_name(op.query)]
        lists = getattr(op.query, "lists", ())
        for name, schema in struct.get("properties", {}).items():
            schema = dict(schema)
            parameter = {"name": name, "in": "query", "required": name in struct.get("required", ())}
            if "description" in schema:
                parameter["description"] = schema.pop("description")
            parameter["schema"] = schema
            if name in lists:
                parameter.update(style="form", explode=False)
            parameters.append(parameter)
    if op.csv and not any(p["name"] == "format" for p in parameters):
        parameters.append(CSV_FORMAT)
    return parameters


def error_statuses(op: Operation, errors: dict[int, str]) -> list[int]:
    """The error statuses `op` may answer: every operation can meet input
    it does not take (400: the door refuses a query string an operation
    without parameters is sent), a bad or missing token (401), a token
    without the scope or reach (403), the rate limit (429) and an outage
    (503); an object named in the path, the query (`?site=`) or the body
    (`visitor_id`) can be missing, or of another site (404); a change can
    conflict with the state (409); a body can be too large (413)."""
    statuses = {400, 401, 403, 429, 503}
    if path_names(op.path) or op.query is not None or op.body is not None:
        statuses.add(404)
    if op.method != "GET":
        statuses.add(409)
    if op.body is not None:
        statuses.add(413)
    return sorted(status for status in statuses if status in errors)


def _error(status: int, description: str) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description, "content": {
        "application/json": {"schema": {"$ref": REF.format(name=_name(ErrorAnswer))}}}}
    if status == 429:
        answer["headers"] = {"Retry-After": {"description": "Seconds to wait before the next request.",
                                             "schema": {"type": "integer", "minimum": 0}}}
    return answer


def _first_line(kind: type) -> str:
    doc = inspect.getdoc(kind) or ""
    return doc.split("\n\n")[0].replace("\n", " ")


def _reachable(schemas: dict[str, Any], paths: dict[str, Any]) -> dict[str, Any]:
    """The components that paths refer to, directly or through others: a
    query struct is spelled out as parameters, not kept as a schema."""
    keep: set[str] = set()
    todo = [paths]
    while todo:
        for name in _refs(todo.pop()):
            if name not in keep:
                keep.add(name)
                todo.append(schemas[name])
    return {name: schemas[name] for name in sorted(keep)}


def _refs(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            yield ref.rsplit("/", 1)[1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


@dataclass(frozen=True, slots=True)
class Published:
    """The document as served: its bytes and their ETag."""

    data: dict[str, Any]
    body: bytes
    etag: str

    @classmethod
    def of(cls, data: dict[str, Any]) -> Published:
        body = msgspec.json.encode(data)
        return cls(data, body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


def package_version() -> str:
    try:
        return importlib.metadata.version("shiftdesk")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def publish(operations: Sequence[Operation] | None = None) -> Published:
    """The registry's document (every operation, unless given)."""
    if operations is None:
        return _whole_registry()
    return Published.of(build(operations, ERROR_STATUSES, package_version()))


@functools.cache
def _whole_registry() -> Published:
    """Built once per process: the registry is filled at import and never
    changes (about 20 ms, which every app a process makes would pay again)."""
    from . import operations as _  # noqa: F401  (fills OPERATIONS)
    from .registry import OPERATIONS
    return Published.of(build(OPERATIONS, ERROR_STATUSES, package_version()))


def serve(published: Published):
    """The handler of GET /api/v1/openapi.json: public, cacheable, 304 for
    a client that already holds this version."""
    async def handler(request: web.Request) -> web.Response:
        if request.method not in ("GET", "HEAD"):
            return web.json_response({"ok": False, "error": {"code": "method_not_allowed", "message": "GET only"}},
                                     status=405, headers={hdrs.ALLOW: "GET, HEAD"})
        headers = {hdrs.ETAG: published.etag, hdrs.CACHE_CONTROL: "public, max-age=300",
                   hdrs.ACCESS_CONTROL_ALLOW_ORIGIN: "*"}  # tools on other origins may read it: no desk data in it
        if _matches(request.headers.get(hdrs.IF_NONE_MATCH, ""), published.etag):
            return web.Response(status=304, headers=headers)
        return web.Response(body=published.body, content_type="application/json", headers=headers)
    return handler


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110's weak comparison: `W/` is ignored, `*` matches any."""
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags
