"""The API reference page, /docs/api: the OpenAPI document (openapi.py)
walked into sections, operations and field rows for a jinja2 template.

The page reads only the document, so it cannot say something the document
does not. Nothing in it comes from a visitor or a request; the template
escapes everything anyway (autoescape).
"""
from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

import aiohttp_jinja2
from aiohttp import hdrs, web

from ..assets import STATIC, version
from ..security import CSP
from ..keys import SERVICES
from .openapi import DOCUMENT_PATH, PREFIX, Published, publish, serve

PAGE_PATH = "/docs/api"
STYLESHEET = "api-docs.css"
FORMATS = {"date": "2026-12-01", "date-time": "2026-12-01T09:00:00Z"}  # examples of formatted strings
MAX_DEPTH = 6  # nested objects shown; deeper ones (a tree of replies) stop at their type
CONSTRAINTS = (("minLength", "length ≥ {}"), ("maxLength", "length ≤ {}"),
               ("minimum", "≥ {}"), ("maximum", "≤ {}"), ("exclusiveMinimum", "> {}"),
               ("exclusiveMaximum", "< {}"), ("minItems", "items ≥ {}"), ("maxItems", "items ≤ {}"),
               ("pattern", "matches {}"), ("format", "format {}"))


@dataclass(frozen=True, slots=True)
class Field:
    """One row: a parameter or a field of a body, `a.b[].c` for nested ones."""

    name: str
    type: str
    required: bool
    description: str = ""
    constraints: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Error:
    status: str
    description: str


@dataclass(slots=True)
class Entry:
    """One operation as the page shows it."""

    operation_id: str
    method: str
    path: str
    summary: str
    description: list[str]  # paragraphs
    scope: str
    parameters: list[Field]
    body: list[Field] | None
    status: str
    response: list[Field]
    csv: bool
    errors: list[Error]
    curl: str


@dataclass(slots=True)
class Section:
    tag: str
    description: str
    entries: list[Entry] = field(default_factory=list)


class Schemas:
    """Walks JSON Schemas, following `$ref`s into the document's components."""

    def __init__(self, components: dict[str, Any]) -> None:
        self.components = components

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        seen = set()
        while "$ref" in schema and schema["$ref"] not in seen:
            seen.add(schema["$ref"])
            schema = {**self.components.get(schema["$ref"].rsplit("/", 1)[1], {}),
                      **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema

    def type_of(self, schema: dict[str, Any]) -> str:
        """A short name of the type: `string`, `array of Chat`, `integer | null`."""
        if "$ref" in schema:
            target = self.resolve(schema)
            name = schema["$ref"].rsplit("/", 1)[1]
            return name if target.get("type") == "object" or "properties" in target else self.type_of(target)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return " | ".join(dict.fromkeys(self.type_of(s) for s in schema[key]))
        kind = schema.get("type")
        if isinstance(kind, list):
            return " | ".join(kind)
        if kind == "array":
            return f"array of {self.type_of(schema.get('items', {}))}"
        if kind is None and "enum" in schema:
            return "string" if all(isinstance(v, str) for v in schema["enum"]) else "value"
        if kind is None and "const" in schema:
            return json.dumps(schema["const"])
        return kind or "any"

    def constraints(self, schema: dict[str, Any]) -> tuple[str, ...]:
        schema = self._plain(schema)
        found = [text.format(schema[key]) for key, text in CONSTRAINTS if key in schema]
        if "enum" in schema:
            found.append("one of " + ", ".join(json.dumps(v) for v in schema["enum"]))
        if "default" in schema:
            found.append(f"default {json.dumps(schema['default'])}")
        return tuple(found)

    def _plain(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The schema a `T | null` or a `$ref` to an enum stands for, for its constraints."""
        schema = self.resolve(schema)
        for key in ("anyOf", "oneOf"):
            options = [self.resolve(s) for s in schema.get(key, []) if s.get("type") != "null"]
            if len(options) == 1:
                return {**options[0], **{k: v for k, v in schema.items() if k != key}}
        return schema

    def fields(self, schema: dict[str, Any], prefix: str = "", depth: int = 0,
               trail: frozenset[str] = frozenset()) -> list[Field]:
        """The rows of an object's fields, nested objects and arrays of them spelled out."""
        target = self._plain(schema)
        if target.get("type") == "array":
            return self.fields(target.get("items", {}), prefix + "[]", depth, trail)
        if "properties" not in target or depth >= MAX_DEPTH:
            return []
        rows = []
        required = set(target.get("required", ()))
        for name, sub in target["properties"].items():
            ref = sub.get("$ref") or next((s["$ref"] for s in sub.get("anyOf", []) if "$ref" in s), None)
            full = f"{prefix}.{name}" if prefix else name
            rows.append(Field(full, self.type_of(sub), name in required,
                              sub.get("description") or self.resolve(sub).get("description", ""),
                              self.constraints(sub)))
            if ref is None or ref not in trail:
                rows.extend(self.fields(sub, full, depth + 1, trail | ({ref} if ref else set())))
        return rows

    def example(self, schema: dict[str, Any], depth: int = 0, name: str = "") -> Any:
        """A value of `schema` for the curl line: an object with its required
        fields (its first field when none is), an id as its NAME_ID."""
        target = self._plain(schema)
        if "enum" in target:
            return target["enum"][0]
        if "default" in target and target["default"] is not None:
            return target["default"]
        kind = target.get("type")
        if kind == "object" or "properties" in target:
            properties = target.get("properties", {})
            if depth >= MAX_DEPTH:
                return {}
            shown = [n for n in properties if n in target.get("required", ())] or list(properties)[:1]
            return {n: self.example(properties[n], depth + 1, n) for n in shown}
        if kind == "string" and name.endswith("_id"):
            return name.upper()
        if kind == "string" and target.get("format") in FORMATS:
            return FORMATS[target["format"]]
        return {"array": [], "integer": target.get("minimum", 1), "number": 1, "boolean": False,
                "null": None}.get(kind, "...")


def paragraphs(text: str) -> list[str]:
    """A docstring's paragraphs, each on one line (the page wraps them)."""
    return [" ".join(block.split()) for block in text.split("\n\n") if block.strip()]


def spans(text: str) -> list[tuple[str, bool]]:
    """Text with `code` in backticks as (part, is_code) pairs: the
    template shows code parts in <code> and escapes both."""
    return [(part, index % 2 == 1) for index, part in enumerate(text.split("`")) if part]


def sections(document: dict[str, Any], base_url: str) -> list[Section]:
    """The document's operations grouped by tag, in the document's tag order."""
    schemas = Schemas(document.get("components", {}).get("schemas", {}))
    by_tag = {tag["name"]: Section(tag["name"], tag.get("description", "")) for tag in document.get("tags", [])}
    for path, methods in document["paths"].items():
        for method, spec in methods.items():
            tag = spec["tags"][0]
            by_tag.setdefault(tag, Section(tag, "")).entries.append(_entry(schemas, path, method, spec, base_url))
    return [section for section in by_tag.values() if section.entries]


def _entry(schemas: Schemas, path: str, method: str, spec: dict[str, Any], base_url: str) -> Entry:
    parameters = [Field(f"{p['name']} ({p['in']})", schemas.type_of(p["schema"]), p.get("required", False),
                        p.get("description", ""), schemas.constraints(p["schema"]))
                  for p in spec.get("parameters", [])]
    body_schema = spec.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    status, answer = next((s, a) for s, a in spec["responses"].items() if s.startswith("2"))
    content = answer.get("content", {})
    response = content.get("application/json", {}).get("schema", {})
    errors = [Error(s, a.get("description", "")) for s, a in spec["responses"].items() if not s.startswith("2")]
    return Entry(spec["operationId"], method.upper(), PREFIX + path, spec.get("summary", ""),
                 paragraphs(spec.get("description", "")), spec.get("x-scope", "read"), parameters,
                 schemas.fields(body_schema) if body_schema else None, status, schemas.fields(response),
                 "text/csv" in content, errors, curl(schemas, method, base_url + PREFIX + path, spec, body_schema))


def curl(schemas: Schemas, method: str, url: str, spec: dict[str, Any], body: dict[str, Any] | None) -> str:
    """A curl command that calls the operation with its required inputs,
    the token in $SHIFTDESK_TOKEN and path parameters as NAME placeholders."""
    for parameter in spec.get("parameters", []):
        if parameter["in"] == "path":
            url = url.replace("{" + parameter["name"] + "}", parameter["name"].upper())
    required = [p for p in spec.get("parameters", []) if p["in"] == "query" and p.get("required")]
    if required:
        url += "?" + "&".join(f"{p['name']}={schemas.example(p['schema'], name=p['name'])}" for p in required)
    lines = ["curl" + ("" if method == "get" else f" -X {method.upper()}") + f" {shlex.quote(url)}",
             '-H "Authorization: Bearer $SHIFTDESK_TOKEN"']
    if body is not None:
        lines += ["-H 'Content-Type: application/json'",
                  "-d " + shlex.quote(json.dumps(schemas.example(body), ensure_ascii=False))]
    return " \\\n  ".join(lines)


def page(published: Published, base_url: str):
    """The handler of GET /docs/api: one page, rendered once per request
    from the document built at start (cheap: a few hundred rows)."""
    listed = sections(published.data, base_url)
    info = published.data["info"]

    async def handler(request: web.Request) -> web.Response:
        response = aiohttp_jinja2.render_template("api_docs.html", request, {
            "sections": listed, "spans": spans, "info": info, "document_path": DOCUMENT_PATH, "base_url": base_url,
            "stylesheet": f"/static/{STYLESHEET}?v={version(STATIC / STYLESHEET)}"})
        response.headers[hdrs.CONTENT_SECURITY_POLICY] = CSP
        response.headers["X-Frame-Options"] = "DENY"
        response.headers[hdrs.CACHE_CONTROL] = "no-cache"
        return response
    return handler


async def stylesheet(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / STYLESHEET, headers={hdrs.CACHE_CONTROL: "no-cache"})


def setup_reference(app: web.Application) -> None:
    """GET /api/v1/openapi.json and /docs/api, both public, from one
    document built here, once (an answer to any other method on the
    document's path is JSON, as under the rest of /api/v1)."""
    published = publish()
    base_url = app[SERVICES].desk.config.base_url
    app.router.add_route("*", DOCUMENT_PATH, serve(published))
    app.router.add_get(PAGE_PATH, page(published, base_url))
    app.router.add_get(f"/static/{STYLESHEET}", stylesheet)
