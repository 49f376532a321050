"""What the widget's panel shows before any message: the first step right
under the header, with no empty bands where the (still empty) transcript,
typing line and notice would be."""
from __future__ import annotations

from playwright.async_api import expect

from .widget_steps import TIMEOUT_MS, VISITOR, open_widget, sd


async def box(locator) -> dict:
    found = await locator.bounding_box()
    assert found is not None
    return found


async def test_the_prechat_form_sits_right_under_the_header(chromium, desk, host) -> None:
    await desk.add_agent("Ann")
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host, script_attrs="data-prechat")
        form = sd(page, "prechat")
        await expect(form).to_be_visible(timeout=TIMEOUT_MS)
        for empty in ("notice", "typing"):
            await expect(sd(page, empty)).to_be_hidden()
        header, section = page.locator(".sd-header"), form.locator("xpath=..")  # the form's own padded section
        gap = (await box(section))["y"] - ((await box(header))["y"] + (await box(header))["height"])
        assert abs(gap) <= 1, f"{gap}px of empty bands between the header and the form"
        assert page.errors == []
    finally:
        await context.close()
