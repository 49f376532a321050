"""The supervisor dashboard's pages: jinja2 skeletons that
/static/dashboard.js fills in from the /supervisor socket and the REST API.

Supervisors only: without a console login a page redirects to
/console/login; an agent without the supervisor role gets 403.
"""
from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session

from ..policy.figures import local_day
from ..services.errors import BadRequest
from ..services.model import Agent, Role
from .assets import BUILD, bundle, version
from .keys import SERVICES
from .redirects import login_url
from .params import AccountId, SiteKey, path_id, path_text
from .security import csrf_token

SCRIPT = "dashboard.js"
# path under /console/dashboard -> (template, the nav entry it belongs to)
PAGES = {
    "": ("dashboard/overview.html", "overview"),
    "/reports": ("dashboard/reports.html", "reports"),
    "/audit": ("dashboard/audit.html", "audit"),
    "/canned": ("dashboard/canned.html", "canned"),
    "/closures": ("dashboard/closures.html", "closures"),
    "/tags": ("dashboard/tags.html", "tags"),
    "/history": ("dashboard/history.html", "history"),
    "/sites": ("dashboard/sites.html", "sites"),
    "/accounts": ("dashboard/accounts.html", "accounts"),
    "/topics": ("dashboard/topics.html", "topics"),
    "/people": ("dashboard/people.html", "people"),
    "/integrations": ("dashboard/integrations.html", "integrations"),
}


def setup_dashboard(app: web.Application) -> None:
    app.router.add_get(f"/static/{SCRIPT}", bundle(SCRIPT))
    for path, (template, section) in PAGES.items():
        app.router.add_get(f"/console/dashboard{path}", page(template, section))
    app.router.add_get("/console/dashboard/chats/{id}", page("dashboard/chat.html", "overview"))
    # one account (its id may hold a "/") or one visitor: the page reads it from GET /api/...
    app.router.add_get("/console/dashboard/accounts/{site}/{account:.+}", page("dashboard/account.html", "accounts"))
    app.router.add_get("/console/dashboard/visitors/{id}", page("dashboard/account.html", "accounts"))


async def supervisor(request: web.Request) -> Agent:
    """The logged-in supervisor; raises a redirect to the login page, or 403
    (a page, not JSON) for an agent."""
    agent = await request.app[SERVICES].auth.agent_of_session(await get_session(request))
    if agent is None:
        raise web.HTTPFound(login_url(request.path_qs))  # and back here after the login
    if agent.role is not Role.SUPERVISOR:
        raise web.HTTPForbidden(text="The dashboard is for supervisors only.")
    return agent


def _chat_id(request: web.Request) -> str:
    """The chat a page is about ("" for the others); 400 for a path that names no id."""
    if "id" not in request.match_info:
        return ""
    try:
        return path_id(request)
    except BadRequest as error:
        raise web.HTTPBadRequest(text=error.message) from None


def _account(request: web.Request) -> dict[str, str]:
    """The account a page is about ({} for the others); 400 for a site key
    or account id the API would refuse."""
    if "account" not in request.match_info:
        return {}
    try:
        return {"site": path_text(request, "site", SiteKey), "id": path_text(request, "account", AccountId)}
    except BadRequest as error:
        raise web.HTTPBadRequest(text=error.message) from None


def page(template: str, section: str):
    async def render(request: web.Request) -> web.Response:
        agent = await supervisor(request)
        desk = request.app[SERVICES].desk
        return aiohttp_jinja2.render_template(template, request, {
            "agent": agent, "section": section, "csrf_token": await csrf_token(request),
            "chat_id": _chat_id(request), "account": _account(request),
            "today": local_day(desk.clock.now(), desk.tz).isoformat(),
            "suspension_days": desk.config.policy.suspension_days,
            "first_response_s": desk.config.policy.first_response_s,
            "dashboard_js": f"/static/{SCRIPT}?v={version(BUILD / SCRIPT)}"})
    return render
