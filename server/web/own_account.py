"""The agent's own account, whatever their role: the /console/account page
(filled in by /static/account.js) and its REST routes under /api/me.

Every /api/me route but `GET /api/me` needs the console's session (and an
unsafe one its CSRF token in `X-CSRF-Token`): with `Authorization: Bearer`
it answers 403 (services/own_account.py says why).
"""
from __future__ import annotations

from typing import Annotated

import aiohttp_jinja2
import msgspec
from aiohttp import web
from aiohttp_session import get_session

from ..services import own_account as account
from .api import Body, body, ok, services_of, staff_login
from .assets import BUILD, bundle, version
from .keys import SERVICES
from .params import path_id
from .redirects import login_url
from .security import csrf_token

SCRIPT = "account.js"
Password = Annotated[str, msgspec.Meta(max_length=account.PASSWORD_CHARS[1])]


class PasswordChange(Body):
    current: Password
    new: Password


class TokenCreate(Body):
    name: Annotated[str, msgspec.Meta(max_length=200)]  # the service allows 64 once stripped


# the page
def setup_account(app: web.Application) -> None:
    app.router.add_get("/console/account", account_page)
    app.router.add_get(f"/static/{SCRIPT}", bundle(SCRIPT))


async def account_page(request: web.Request) -> web.Response:
    agent = await request.app[SERVICES].auth.agent_of_session(await get_session(request))
    if agent is None:
        raise web.HTTPFound(login_url(request.path_qs))  # and back here after the login
    return aiohttp_jinja2.render_template("account.html", request, {
        "agent": agent, "csrf_token": await csrf_token(request), "tokens_limit": account.TOKENS_PER_AGENT,
        "password_chars": account.PASSWORD_CHARS[0], "account_js": f"/static/{SCRIPT}?v={version(BUILD / SCRIPT)}"})


# the REST routes
async def me(request: web.Request) -> web.Response:
    login = await staff_login(request)
    return ok(agent=account.me_view(login.agent), console=login.session_id is not None)


async def change_password(request: web.Request) -> web.Response:
    login = await staff_login(request)
    account.check_console(login)  # before the body: a 403 says more than a 400 to a token
    cmd = await body(request, PasswordChange)
    ended = await account.change_password(services_of(request).desk, login, cmd.current, cmd.new)
    return ok(sessions_ended=ended)


async def list_sessions(request: web.Request) -> web.Response:
    services, login = services_of(request), await staff_login(request)
    return ok(sessions=await account.sessions(services.desk, login, services.auth.valid_since()))


async def end_session(request: web.Request) -> web.Response:
    services, login = services_of(request), await staff_login(request)
    current = await account.end_session(services.desk, login, path_id(request), services.auth.valid_since())
    return ok(current=current)


async def list_tokens(request: web.Request) -> web.Response:
    login = await staff_login(request)
    found = await account.tokens(services_of(request).desk, login)
    return ok(tokens=[account.token_view(t) for t in found], limit=account.TOKENS_PER_AGENT)


async def create_token(request: web.Request) -> web.Response:
    login = await staff_login(request)
    account.check_console(login)
    cmd = await body(request, TokenCreate)
    made, secret = await account.create_token(services_of(request).desk, login, cmd.name)
    return ok(201, token=account.token_view(made), secret=secret)


async def revoke_token(request: web.Request) -> web.Response:
    login = await staff_login(request)
    revoked = await account.revoke_token(services_of(request).desk, login, path_id(request))
    return ok(token=account.token_view(revoked))


def own_account_routes() -> list[web.RouteDef]:
    return [
        web.get("/me", me),
        web.post("/me/password", change_password),
        web.get("/me/sessions", list_sessions),
        web.delete("/me/sessions/{id}", end_session),
        web.get("/me/tokens", list_tokens),
        web.post("/me/tokens", create_token),
        web.delete("/me/tokens/{id}", revoke_token),
    ]
