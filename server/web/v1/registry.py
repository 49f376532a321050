"""The one registry of the public API under /api/v1: every operation is
declared here with `@operation(...)`, with the msgspec Structs of its query,
body and answer. Both the aiohttp routes (`mount`) and the OpenAPI document
are built from OPERATIONS, so the types ARE the specification.

Each request goes through the same door, in this order:
1. `Authorization: Bearer sdi_...` (an integration token, services/integrations.py):
   none, unknown or revoked is 401. No cookie is looked at, so no CSRF token.
2. The token's scope: GET needs read or write, any other method write (403).
3. The token's budget of `[limits] api_v1_per_minute` requests (429 with
   `Retry-After`): counted before the input is read, so bad requests spend it too.
4. The path parameters, the query string and the JSON body, decoded into the
   operation's types (400 with what was wrong).
5. The handler, called with a `Call`; a site token sees only its site's
   chats, tickets, visitors and accounts (`Call.check_site`: 404 for others).

Every error is `{"ok": false, "error": {"code", "message"}}` (ErrorAnswer),
with the HTTP status of web/api.py's `http_status`.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec
from aiohttp import hdrs, web

from ...services.bundle import Services
from ...services.errors import BadRequest, Forbidden, NotFound, Unauthorized
from ...services.integrations import IntegrationToken, Scope
from ..api import json_errors
from ..api import body as read_body
from ..keys import SERVICES
from ..params import AccountId, Id, SiteKey, query_of

BEARER_PREFIX = "bearer "
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclasses.dataclass(frozen=True, slots=True)
class Operation:
    method: str                 # "GET", "POST", "PATCH", "DELETE"
    path: str                   # aiohttp style, under /api/v1: "/chats/{chat_id}"
    handler: Callable[..., Awaitable[Any]]
    operation_id: str           # "getChat"
    summary: str
    tag: str                    # "chats", "tickets", "visitors", "accounts", "agents", "reports"
    scope: str                  # "read" | "write"
    response: type              # a msgspec.Struct: the 200/201 JSON body
    status: int = 200
    body: type | None = None    # msgspec.Struct decoded from the JSON body (forbid_unknown_fields)
    query: type | None = None   # msgspec.Struct decoded from the query string
    csv: bool = False           # also answers text/csv when ?format=csv

    @property
    def description(self) -> str:
        """The handler's docstring: what the operation does, for the reference."""
        return (self.handler.__doc__ or "").strip()


# Kept module-level by the contract with the OpenAPI builder: it is filled
# once, at import, by the decorators of server/web/v1/*.py, and never changed.
OPERATIONS: list[Operation] = []

# The type of each path parameter, by name (every other is an `Id`): the
# router and the OpenAPI document read the same table.
PATH_PARAMETERS: dict[str, Any] = {"account_id": AccountId, "site": SiteKey}


def path_type(name: str) -> Any:
    return PATH_PARAMETERS.get(name, Id)


def operation(method: str, path: str, *, operation_id: str, summary: str, tag: str, scope: str, response: type,
              status: int = 200, body: type | None = None, query: type | None = None, csv: bool = False):
    """Declares the decorated `async def handler(call: Call) -> response`
    as an operation of /api/v1 (see the module's docstring)."""
    if method not in METHODS or scope not in ("read", "write") or (method != "GET" and scope != "write"):
        raise ValueError(f"{operation_id}: a {method} needs scope write, a GET read or write")

    def register(handler: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        OPERATIONS.append(Operation(method, path, handler, operation_id, summary, tag, scope, response,
                                    status, body, query, csv))
        return handler
    return register


# errors
class ErrorDetail(msgspec.Struct):
    """What went wrong: `code` is stable, for programs; `message` is English, for people."""

    code: Annotated[str, msgspec.Meta(description="A stable code: bad_request, unauthorized, forbidden, "
                                                  "not_found, conflict, chat_ended, too_large, rate_limited, ...")]
    message: Annotated[str, msgspec.Meta(description="What went wrong, in English")]


class ErrorAnswer(msgspec.Struct):
    """Every error's body."""

    ok: Annotated[bool, msgspec.Meta(description="Always false")]
    error: ErrorDetail


ERROR_STATUSES: dict[int, str] = {
    400: "The query, a path parameter or the body is not what the operation takes (`bad_request`, and "
         "`evidence_missing`, `unknown_tag`, ... for what the desk's rules refuse)",
    401: "No integration token, or one that is unknown or revoked (`unauthorized`)",
    403: "The token's scope or site does not allow this (`forbidden`)",
    404: "No such object, or one of another site than the token's (`not_found`)",
    409: "The object is not in a state that allows this (`conflict`, `chat_ended`, ...)",
    413: "The body is over 64 KiB (`too_large`)",
    429: "The token's requests a minute, or the desk's throttle of this action, are spent (`rate_limited`); "
         "the `Retry-After` header says in how many seconds to try again",
    503: "The database or Redis cannot be reached: nothing was done, try again shortly (`unavailable`)",
}


# what a handler is given
@dataclasses.dataclass(frozen=True, slots=True)
class Call:
    """One request, checked at the door: the token that made it, the
    path parameters (checked against PATH_PARAMETERS), the decoded query and body."""

    services: Services
    token: IntegrationToken
    path: dict[str, str]
    query: Any = None
    body: Any = None

    @property
    def site_id(self) -> str | None:
        """The id of the token's site; None: desk-wide."""
        return self.token.site_id

    def check_site(self, site_id: str | None) -> None:
        """Raises NotFound when the object's site is not the token's: to a
        site token, another site's object does not exist."""
        if self.token.site_id is not None and site_id != self.token.site_id:
            raise NotFound("no such object")

    def require_desk_wide(self) -> None:
        """Raises Forbidden for a site token."""
        if self.token.site_id is not None:
            raise Forbidden("this operation needs a desk-wide token (one without a site)")


# the door
async def _token_of(request: web.Request, services: Services) -> IntegrationToken:
    header = request.headers.get(hdrs.AUTHORIZATION, "")
    secret = header[len(BEARER_PREFIX):].strip() if header.lower().startswith(BEARER_PREFIX) else None
    token = await services.integrations.login(secret) if secret else None
    if token is None:
        raise Unauthorized("send Authorization: Bearer <integration token> (sdi_...), one not revoked")
    return token


def _check_scope(op: Operation, token: IntegrationToken) -> None:
    if op.scope == Scope.WRITE and token.scope != Scope.WRITE:
        raise Forbidden("this operation needs a token of scope write")


def _path_of(request: web.Request) -> dict[str, str]:
    found = {}
    for name, value in request.match_info.items():
        try:
            found[name] = msgspec.convert(value, path_type(name))
        except msgspec.ValidationError as exc:
            raise BadRequest(f"bad path parameter {name}: {exc}") from None
    return found


def _answer(op: Operation, result: Any) -> web.StreamResponse:
    if isinstance(result, web.StreamResponse):  # a CSV (`csv=True` operations)
        return result
    return web.Response(body=msgspec.json.encode(result), status=op.status, content_type="application/json")


def route_of(op: Operation) -> web.RouteDef:
    async def handle(request: web.Request) -> web.StreamResponse:
        services = request.config_dict[SERVICES]
        token = await _token_of(request, services)
        _check_scope(op, token)
        await services.integrations.spend(token)
        path = _path_of(request)
        query = query_of(request, op.query) if op.query is not None else None
        if op.query is None and request.query:
            raise BadRequest("bad query: this operation takes no parameters")
        body = await read_body(request, op.body) if op.body is not None else None
        return _answer(op, await op.handler(Call(services, token, path, query, body)))
    handle.__doc__ = op.description
    return web.route(op.method, op.path, handle)


def mount(app: web.Application) -> None:
    """Mounts every operation under /api/v1, as a sub-application of its
    own (the error middleware of /api, web/api.py's `json_errors`, sees
    /api/v1 only). Before the /api
    sub-application: aiohttp matches prefixes in the order they were added."""
    v1 = web.Application(middlewares=[json_errors])
    v1.router.add_routes([route_of(op) for op in OPERATIONS])
    app.add_subapp("/api/v1", v1)


# Last, once everything above is defined: every module of operations, so that
# whoever imports this registry (the routes, the OpenAPI document) sees them all.
from . import operations  # noqa: E402,F401
