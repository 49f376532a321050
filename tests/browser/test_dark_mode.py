"""Dark mode: the console, the dashboard and the widget follow the
browser's prefers-color-scheme; the console and the dashboard have a
System/Light/Dark menu that is remembered across reloads; the widget takes
a fixed theme from its script tag's data-theme. Asserted on computed
styles: dark backgrounds with light text, at a readable contrast."""
from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from .consolekit import kit, start_chat  # noqa: F401 (kit: a fixture)
from .dashboard_kit import TIMEOUT_MS, no_violations, supervisor_page
from .shots import screenshot
from .widget_steps import VISITOR, open_widget, sd

DARK = {"color_scheme": "dark"}
LIGHT = {"color_scheme": "light"}

# The background and text colour of an element, as computed.
COLOURS = "(e) => { const s = getComputedStyle(e); return [s.backgroundColor, s.color]; }"


def rgb(css: str) -> tuple[float, float, float]:
    found = re.match(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)", css)
    assert found, css
    return tuple(float(v) for v in found.groups())


def luminance(css: str) -> float:
    """WCAG relative luminance."""
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb(css))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


async def theme_of(locator) -> str:
    """"dark" or "light" by the element's computed colours; both text and
    background must agree, and the text be readable (4.5:1)."""
    background, ink = await locator.evaluate(COLOURS)
    assert contrast(background, ink) >= 4.5, f"{ink} on {background}: {contrast(background, ink):.2f}:1"
    if luminance(background) < 0.05 and luminance(ink) > 0.5:
        return "dark"
    if luminance(background) > 0.7 and luminance(ink) < 0.1:
        return "light"
    raise AssertionError(f"neither dark nor light: {ink} on {background}")


async def test_the_console_follows_the_system_and_its_menu_is_remembered(kit, desk):
    agent = await kit.console("Alice", browser=DARK)
    _, chat = await start_chat(desk, "Hello in the dark")
    panel = agent.panel(chat["id"])
    await expect(panel).to_be_visible(timeout=TIMEOUT_MS)
    page, menu = agent.page, agent.sd("theme")
    await expect(menu).to_have_value("system")
    assert await theme_of(page.locator("body")) == "dark"
    for part in (".sidebar", ".composer textarea", '[data-sd="message"]', ".context-pane"):
        assert await theme_of(panel.locator(part).or_(page.locator(part)).first) == "dark", part
    await screenshot(page, "console-dark.png")
    bar = await page.locator(".topbar").bounding_box()
    assert bar["height"] < 60, f"the theme menu pushed the top bar onto a second row: {bar}"

    await menu.select_option("light")
    assert await theme_of(page.locator("body")) == "light"
    await page.reload()
    await expect(agent.sd("theme")).to_have_value("light")
    await expect(page.locator("html")).to_have_attribute("data-theme", "light")
    assert await theme_of(page.locator("body")) == "light"

    await agent.sd("theme").select_option("system")
    await page.reload()
    await expect(agent.sd("theme")).to_have_value("system")
    assert await page.locator("html").get_attribute("data-theme") is None
    assert await theme_of(page.locator("body")) == "dark"
    agent.assert_clean()


async def test_dark_chosen_on_a_light_system_stays_dark_on_every_console_page(kit, desk):
    agent = await kit.console("Bob", browser=LIGHT)
    page = agent.page
    assert await theme_of(page.locator("body")) == "light"
    await agent.sd("theme").select_option("dark")
    assert await theme_of(page.locator("body")) == "dark"
    await agent.sd("nav-tickets").click()
    await expect(agent.sd("view-tickets")).to_be_visible()
    await page.reload()
    await expect(agent.sd("theme")).to_have_value("dark")
    assert await theme_of(page.locator("body")) == "dark"
    agent.assert_clean()


async def test_the_dashboard_is_dark_on_a_dark_system_and_keeps_the_lead_s_choice(chromium, desk):
    errors: list[str] = []
    context, page, _, _ = await supervisor_page(chromium, desk, errors, browser=DARK)
    try:
        await expect(page.locator('[data-sd="connection"]')).to_have_attribute("data-state", "up",
                                                                               timeout=TIMEOUT_MS)
        assert await theme_of(page.locator("body")) == "dark"
        assert await theme_of(page.locator(".card").first) == "dark"
        await screenshot(page, "dashboard-dark.png")
        await page.locator('[data-sd="theme"]').select_option("light")
        await page.goto(f"{desk.url}/console/dashboard/reports")
        await expect(page.locator('[data-sd="theme"]')).to_have_value("light")
        assert await theme_of(page.locator("body")) == "light"
        assert await theme_of(page.locator(".card").first) == "light"
        assert await no_violations(page) == []
        assert not errors, "\n".join(errors)
    finally:
        await context.close()


@pytest.mark.parametrize(("scheme", "attrs", "expected"), [
    ("dark", "", "dark"),
    ("light", "", "light"),
    ("dark", 'data-theme="light"', "light"),
    ("light", 'data-theme="dark"', "dark"),
])
async def test_the_widget_follows_the_visitor_s_system_or_its_script_tag(chromium, desk, host, scheme, attrs,
                                                                          expected):
    await desk.add_agent("Ann")
    context = await chromium.new_context(**VISITOR, color_scheme=scheme)
    try:
        page = await open_widget(context, desk, host, script_attrs=attrs)
        assert await theme_of(page.locator(".sd-panel")) == expected
        assert await theme_of(page.locator(".sd-body")) == expected
        assert await theme_of(sd(page, "input")) == expected
        await sd(page, "input").fill("Hello")
        await sd(page, "input").press("Enter")
        mine = page.locator('[data-sd="message"][data-author="visitor"]')
        await expect(mine).to_have_attribute("data-state", "stored", timeout=TIMEOUT_MS)
        assert await theme_of(mine) == expected
        await screenshot(page, f"widget-{scheme}-{expected}.png")
        assert page.errors == []
    finally:
        await context.close()
