"""The public page of a one-time password link (services/resets.py):
`GET /console/reset/{token}` shows the form, `POST` sets the password.

No login: the token in the path is the only secret, and it is never
logged. A link used, expired or unknown gets one page (404) that tells
nothing of which. The form carries the browser session's CSRF token.
"""
from __future__ import annotations

import aiohttp_jinja2
from aiohttp import hdrs, web

from ..services.errors import DeskError, NotFound
from ..services.passwords import MIN_CHARS
from ..services.resets import RESET_PATH
from .api import http_status
from .keys import SERVICES
from .security import check_csrf, csrf_token


def setup_reset_pages(app: web.Application) -> None:
    app.router.add_get(RESET_PATH + "{token}", reset_page)
    app.router.add_post(RESET_PATH + "{token}", reset)


async def _answer(request: web.Request, status: int = 200, **context) -> web.Response:
    response = aiohttp_jinja2.render_template("reset.html", request, {
        "csrf_token": await csrf_token(request), "min_chars": MIN_CHARS, **context})
    response.set_status(status)
    return response


async def reset_page(request: web.Request) -> web.Response:
    """Only the form: mail scanners fetch links, so the GET changes nothing."""
    try:
        await request.app[SERVICES].people.links.check(request.match_info["token"])
    except NotFound as error:
        return await _answer(request, 404, invalid=error.message)
    return await _answer(request)


async def reset(request: web.Request) -> web.Response:
    try:
        form = await request.post()
    except ValueError:  # not a readable form (aiohttp raises ValueError: a 500)
        raise web.HTTPBadRequest(text="the body is not a readable form") from None
    await check_csrf(request)
    password, confirm = form.get("password"), form.get("confirm")
    if not isinstance(password, str) or not isinstance(confirm, str):
        return await _answer(request, 400, error="Type the new password twice.")
    try:
        agent = await request.app[SERVICES].people.links.use(request.match_info["token"], password, confirm,
                                                             request.remote or "unknown")
    except NotFound as error:
        return await _answer(request, 404, invalid=error.message)
    except DeskError as error:
        response = await _answer(request, http_status(error), error=error.message)
        if "retry_after" in error.fields:
            response.headers[hdrs.RETRY_AFTER] = str(error.fields["retry_after"])
        return response
    return await _answer(request, done=True, email=agent.email)
