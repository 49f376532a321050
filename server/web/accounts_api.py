"""The lead's accounts view over REST, mounted in the /api sub-app by
`setup_api` (its authentication, CSRF check and JSON errors):

- `GET /api/accounts/{site}/{account}`: a verified account of the site
  with key `site` (its id URL-encoded), its visitors and their record;
- `GET /api/visitors/{id}`: one visitor and their record.

Each answers the whole picture in one call (services/accounts.py): who,
chats, tickets, surveys, alerts and suspensions, each list the newest 50
first (`more` names the lists that had more). Finding them is
`GET /api/visitors?q=` (supervisor_api.py).

Supervisors only: an agent gets 403 `forbidden`; an unknown site, account
or visitor is 404 `not_found`, a malformed one 400 `bad_request`.
"""
from __future__ import annotations

from aiohttp import web

from ..services.model import Agent
from .api import endpoint, ok
from .dashboard_api import supervisor
from .params import AccountId, SiteKey, path_id, path_text


async def account_picture(request: web.Request, agent: Agent) -> web.Response:
    services = supervisor(request, agent)
    site, account = path_text(request, "site", SiteKey), path_text(request, "account", AccountId)
    return ok(**await services.accounts.account(site, account))


async def visitor_picture(request: web.Request, agent: Agent) -> web.Response:
    services = supervisor(request, agent)
    return ok(**await services.accounts.visitor(path_id(request)))


def account_routes() -> list[web.RouteDef]:
    return [
        # `.+`: an account id may hold a "/" (the site's own naming); a site key does not
        web.get("/accounts/{site}/{account:.+}", endpoint(account_picture)),
        web.get("/visitors/{id}", endpoint(visitor_picture)),
    ]
