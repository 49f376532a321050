"""What the dashboard's browser tests share: a supervisor's page watched
for script errors and CSP violations, and the XSS corpus."""
from __future__ import annotations


import aiohttp
from playwright.async_api import Page

from server.services.model import Role

from .conftest import PASSWORD, console_login

TIMEOUT_MS = 10_000
XSS = ('<img src=x onerror=window.__xss=1>', '<script>window.__xss=1</script>', '"><svg onload=window.__xss=1>')

# Records CSP violations before any script of the page runs: the dashboard
# (and Chart.js) must work under script-src/style-src 'self' alone.
CSP_WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


def watch(page: Page, name: str, errors: list[str]) -> None:
    page.on("pageerror", lambda exc: errors.append(f"{name}: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and errors.append(f"{name} console: {msg.text}"))


async def supervisor_page(chromium, desk, errors: list[str], path: str = "/console/dashboard",
                          name: str = "Sue", browser: dict | None = None):
    """(context, page, supervisor): a supervisor logged in on `path`;
    `browser`: more options of its browser context (a viewport, a colour scheme...)."""
    supervisor, token = await desk.add_agent(name, role=Role.SUPERVISOR, password=PASSWORD)
    context = await chromium.new_context(**{"viewport": {"width": 1200, "height": 800}, "accept_downloads": True,
                                            **(browser or {})})
    await context.add_init_script(CSP_WATCH)
    page = await console_login(context, desk, supervisor.email, path=path)
    watch(page, "dashboard", errors)
    return context, page, supervisor, token


async def refused_to_an_agent(chromium, desk, path: str) -> None:
    """An agent (no supervisor) signed in gets 403 and the words "supervisors only" on `path`."""
    agent, _ = await desk.add_agent("Ann", role=Role.AGENT, password=PASSWORD)
    context = await chromium.new_context()
    try:
        page = await console_login(context, desk, agent.email)
        response = await page.goto(f"{desk.url}{path}")
        assert response.status == 403
        assert "supervisors only" in await page.content()
    finally:
        await context.close()


async def no_violations(page: Page) -> list[str]:
    return await page.evaluate("window.__csp")


def api(desk, token: str) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(base_url=desk.url, headers={"Authorization": f"Bearer {token}"})


def tile(page: Page, key: str):
    return page.locator(f'[data-sd="tile-{key}"] [data-sd="value"]')


async def go_to(page: Page, key: str) -> None:
    """Follows the nav's link to a page, opening the Desk settings menu
    first when the link is in it, as a lead does."""
    link = page.locator(f'[data-sd="nav-{key}"]')
    if not await link.is_visible():
        await page.click('[data-sd="nav-settings"]')
    await link.click()
