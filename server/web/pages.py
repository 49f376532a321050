"""HTTP routes: the demo page, widget.js, the console's login and page,
the ticket confirmation link, health; the REST API is mounted from api.py,
/metrics from metrics.py."""
from __future__ import annotations

import aiohttp_jinja2
from aiohttp import hdrs, web
from aiohttp_session import get_session, new_session

from ..services.auth import SESSION_KEY
from ..services.errors import DeskError
from ..services.tickets import CONFIRM_PATH
from .api import http_status, setup_api
from .v1.registry import mount as mount_v1
from .v1.reference import setup_reference
from .assets import BUILD, STATIC, bundle, version
from .dashboard import setup_dashboard
from .keys import SERVICES
from .metrics import setup_metrics
from .redirects import safe_next
from .reset_pages import setup_reset_pages
from .security import check_csrf, csrf_token
from .widget import setup_widget
from .attachments import setup_widget_attachments
from .own_account import setup_account

DEMO_SITE = web.AppKey("demo_site", str)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/", demo_page)
    app.router.add_get("/healthz", health)
    app.router.add_get("/widget.js", bundle("widget.js", "public, max-age=300"))
    app.router.add_get("/static/console.js", bundle("console.js", "no-cache"))
    app.router.add_get("/console", console_page)
    app.router.add_get("/console/login", login_page)
    app.router.add_post("/console/login", login)
    app.router.add_post("/console/logout", logout)
    app.router.add_get(CONFIRM_PATH + "{token}", confirm_page)
    app.router.add_post(CONFIRM_PATH + "{token}", confirm)
    mount_v1(app)  # before /api: aiohttp matches sub-app prefixes in order
    setup_reference(app)  # /api/v1/openapi.json and /docs/api, from the same registry
    setup_api(app)
    setup_dashboard(app)
    setup_widget(app)
    setup_widget_attachments(app)
    setup_metrics(app)
    setup_reset_pages(app)
    # one file, not a directory: aiohttp's static handler answers a name past the file system's
    # limit with a 500 (ENAMETOOLONG), and there is nothing else in it to serve
    app.router.add_get("/static/console.css", stylesheet)
    setup_account(app)


async def health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def stylesheet(request: web.Request) -> web.StreamResponse:
    """The console's stylesheet; pages link it by a URL that changes with its content."""
    return web.FileResponse(STATIC / "console.css", headers={"Cache-Control": "no-cache"})


async def demo_page(request: web.Request) -> web.Response:
    site = request.app.get(DEMO_SITE)
    if site is None:
        raise web.HTTPNotFound(text="no demo site here: see /console")
    return aiohttp_jinja2.render_template("demo.html", request, {
        "site_key": site, "widget_src": f"/widget.js?v={version(BUILD / 'widget.js')}"})


async def console_page(request: web.Request) -> web.Response:
    agent = await request.app[SERVICES].auth.agent_of_session(await get_session(request))
    if agent is None:
        raise web.HTTPFound("/console/login")
    return aiohttp_jinja2.render_template("console.html", request, {
        "agent": agent, "csrf_token": await csrf_token(request),
        "console_js": f"/static/console.js?v={version(BUILD / 'console.js')}"})


async def login_page(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    """The login form. `?signed_out=1`: a console page whose session ended
    elsewhere sent the person here, and the form says so (a fixed sentence:
    nothing of the query is shown)."""
    signed_out = error is None and request.query.get("signed_out") == "1"
    response = aiohttp_jinja2.render_template("login.html", request, {
        "csrf_token": await csrf_token(request), "error": error, "next": safe_next(request.query.get("next")),
        "signed_out": signed_out})
    response.set_status(status)
    return response


async def read_form(request: web.Request):
    """The posted form; raises 400 for a body that is no readable form (a
    multipart body without its boundary, bytes not of its charset), where
    aiohttp raises ValueError, a 500. Read first, so that the CSRF check's
    reading of the same form finds it read."""
    try:
        return await request.post()
    except ValueError:  # UnicodeDecodeError is one
        raise web.HTTPBadRequest(text="the body is not a readable form") from None


async def login(request: web.Request) -> web.Response:
    form = await read_form(request)
    await check_csrf(request)
    try:
        agent = await request.app[SERVICES].auth.login(form.get("email"), form.get("password"),
                                                       request.remote or "unknown")
    except DeskError as error:
        response = await login_page(request, error.message, http_status(error))
        if "retry_after" in error.fields:
            response.headers[hdrs.RETRY_AFTER] = str(error.fields["retry_after"])
        return response
    token = await request.app[SERVICES].auth.open_session(agent, request.headers.get(hdrs.USER_AGENT))
    session = await new_session(request)  # a fresh session: no fixation
    session[SESSION_KEY] = token
    raise web.HTTPSeeOther(safe_next(request.query.get("next")))  # back where the login was asked for


async def logout(request: web.Request) -> web.Response:
    """Ends the session in the store (a copy of the cookie opens nothing
    after this) and closes the sockets opened with it."""
    await read_form(request)
    await check_csrf(request)
    session = await get_session(request)
    await request.app[SERVICES].auth.logout(session)
    session.invalidate()
    raise web.HTTPSeeOther("/console/login")


def _confirm_answer(request: web.Request, status: int = 200, **context) -> web.Response:
    response = aiohttp_jinja2.render_template("confirm.html", request, context)
    response.set_status(status)
    return response


async def confirm_page(request: web.Request) -> web.Response:
    """Only a button: mail scanners fetch links, so the GET changes nothing."""
    return _confirm_answer(request)


async def confirm(request: web.Request) -> web.Response:
    """The visitor confirms a ticket an agent opened for them. The token in
    the path is the only secret: no session, and it is never logged."""
    services = request.app[SERVICES]
    try:
        ticket = await services.tickets.confirm(request.match_info["token"], client=request.remote or "unknown")
    except DeskError as error:
        return _confirm_answer(request, http_status(error), error=error.message)
    return _confirm_answer(request, confirmed=ticket.label)
