"""HTTP routes: the demo page, widget.js, the console's login and page,
health."""
from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session

from ..realtime.staff import SESSION_AGENT
from ..services.bundle import Services
from .assets import BUILD, STATIC, version
from .security import check_csrf, csrf_token

SERVICES = web.AppKey("services", Services)
DEMO_SITE = web.AppKey("demo_site", str)
LOGINS_PER_MINUTE = 10


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/", demo_page)
    app.router.add_get("/healthz", health)
    app.router.add_get("/widget.js", bundle("widget.js", "public, max-age=300"))
    app.router.add_get("/static/console.js", bundle("console.js", "no-cache"))
    app.router.add_get("/console", console_page)
    app.router.add_get("/console/login", login_page)
    app.router.add_post("/console/login", login)
    app.router.add_post("/console/logout", logout)
    app.router.add_static("/static/", STATIC)


async def health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def bundle(name: str, cache: str):
    path = BUILD / name

    async def serve(request: web.Request) -> web.StreamResponse:
        if not path.exists():
            raise web.HTTPServiceUnavailable(text=f"{name} is not built: run `npm run build`")
        response = web.FileResponse(path, headers={"Cache-Control": cache})
        response.content_type = "text/javascript"
        return response
    return serve


async def demo_page(request: web.Request) -> web.Response:
    site = request.app.get(DEMO_SITE)
    if site is None:
        raise web.HTTPNotFound(text="no demo site here: see /console")
    return aiohttp_jinja2.render_template("demo.html", request, {
        "site_key": site, "widget_src": f"/widget.js?v={version(BUILD / 'widget.js')}"})


async def _logged_in(request: web.Request):
    session = await get_session(request)
    agent_id = session.get(SESSION_AGENT)
    return await request.app[SERVICES].auth.agent_by_id(agent_id) if isinstance(agent_id, str) else None


async def console_page(request: web.Request) -> web.Response:
    agent = await _logged_in(request)
    if agent is None:
        raise web.HTTPFound("/console/login")
    return aiohttp_jinja2.render_template("console.html", request, {
        "agent": agent, "csrf_token": await csrf_token(request),
        "console_js": f"/static/console.js?v={version(BUILD / 'console.js')}"})


async def login_page(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    response = aiohttp_jinja2.render_template("login.html", request, {
        "csrf_token": await csrf_token(request), "error": error})
    response.set_status(status)
    return response


async def login(request: web.Request) -> web.Response:
    await check_csrf(request)
    services = request.app[SERVICES]
    desk = services.desk
    if not await desk.live.hit_rate(f"logins:{request.remote}", LOGINS_PER_MINUTE, 60, desk.clock.now()):
        return await login_page(request, "Too many attempts: wait a minute.", 429)
    form = await request.post()
    email, password = form.get("email"), form.get("password")
    agent = None
    if isinstance(email, str) and isinstance(password, str) and len(email) <= 254 and len(password) <= 1024:
        agent = await services.auth.agent_by_password(email, password)
    if agent is None:
        return await login_page(request, "Wrong email or password.", 401)
    session = await new_session(request)  # a fresh session: no fixation
    session[SESSION_AGENT] = agent.id
    raise web.HTTPSeeOther("/console")


async def logout(request: web.Request) -> web.Response:
    await check_csrf(request)
    (await get_session(request)).invalidate()
    raise web.HTTPSeeOther("/console/login")
