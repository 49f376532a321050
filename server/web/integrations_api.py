"""Integration tokens of the public API, mounted in the /api sub-app by
`setup_api` (its authentication, CSRF check and JSON errors); the rules are
services/integrations.py's. Supervisors only, every route.

- `GET /api/integration-tokens`: `{"tokens": [TOKEN]}`, the tokens not
  revoked, TOKEN being `{"id", "name", "scope", "site", "created_at",
  "last_used_at", "created_by"}`: never the token.
- `POST /api/integration-tokens` `{"name", "scope": "read"|"write", "site": KEY|null}`:
  201 `{"token": TOKEN, "secret": "sdi_..."}`, the secret shown this once.
- `DELETE /api/integration-tokens/{id}`: `{}`; revoked at once, on every node.
"""
from __future__ import annotations

from typing import Annotated

import msgspec
from aiohttp import web

from ..services import integrations
from ..services.model import Agent, Scope
from .api import Body, body, endpoint, ok, services_of
from .params import SiteKey, path_id


class TokenNew(Body):
    name: Annotated[str, msgspec.Meta(max_length=integrations.NAME_CHARS)]  # the rest is the service's to check
    scope: Scope
    site: SiteKey | None = None  # None: desk-wide


async def list_tokens(request: web.Request, agent: Agent) -> web.Response:
    integrations.check_supervisor(agent)
    return ok(tokens=await services_of(request).integrations.views())


async def add_token(request: web.Request, agent: Agent) -> web.Response:
    integrations.check_supervisor(agent)  # before the body: a 403 says more than a 400 to an agent
    service, cmd = services_of(request).integrations, await body(request, TokenNew)
    made = await service.add(agent, cmd.name, cmd.scope, cmd.site)
    return ok(201, token=(await service.views([made.token]))[0], secret=made.secret)


async def revoke_token(request: web.Request, agent: Agent) -> web.Response:
    integrations.check_supervisor(agent)
    await services_of(request).integrations.revoke(agent, path_id(request))
    return ok()


def integration_routes() -> list[web.RouteDef]:
    return [
        web.get("/integration-tokens", endpoint(list_tokens)),
        web.post("/integration-tokens", endpoint(add_token)),
        web.delete("/integration-tokens/{id}", endpoint(revoke_token)),
    ]
