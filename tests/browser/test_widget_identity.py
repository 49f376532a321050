"""Verified visitors in the widget: `data-identity`, `Shiftdesk.identify()`
and `Shiftdesk.logout()`, and a verified visitor's token not reused by
the next, anonymous, page on the same browser."""
from __future__ import annotations

import jwt
from playwright.async_api import expect

from .widget_steps import TIMEOUT_MS, VISITOR, open_widget, sd


def identity(desk, sub: str, **claims) -> str:
    """What the site's backend signs (docs/widget.md): HS256 with the site's secret."""
    body = {"sub": sub, "exp": int(desk.clock.now().timestamp()) + 600, **claims}
    return jwt.encode(body, desk.site.secret, algorithm="HS256")


async def open_ticket(desk, token: str, subject: str) -> str:
    peer = await desk.visitor(identity=token)
    await peer.next("session")
    ack = await peer.call("ticket:create", {"email": "pat@example.test", "subject": subject, "text": "details"})
    await peer.close()
    return ack["ticket"]["number"]


async def test_identify_reconnects_as_the_verified_visitor_and_logout_forgets_it(chromium, desk, host) -> None:
    await desk.add_agent("Ann")
    pat = identity(desk, "pat", account="acct-7", name="Pat", email="pat@example.test")
    number = await open_ticket(desk, pat, "Backup restore")
    listen = "<script>document.addEventListener('shiftdesk:ready', (e) => { window.verified = e.detail.verified; });</script>"
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host, head=listen)
        await expect(sd(page, "open-ticket")).to_have_count(0)
        assert await page.evaluate("window.verified") is False
        await page.evaluate("token => window.Shiftdesk.identify(token)", pat)
        await expect(sd(page, "open-ticket")).to_have_text(f"{number} Backup restore Email me the receipt again",
                                                           timeout=TIMEOUT_MS)
        assert await page.evaluate("window.verified") is True
        # Pat's receipt never came: asked again from the list of open tickets (seed 003).
        await sd(page, "open-ticket").locator('[data-sd="receipt-again"]').click()
        await expect(sd(page, "receipt-status")).to_have_text(f"We sent the receipt of {number} again.",
                                                              timeout=TIMEOUT_MS)
        receipts = [q.mail for q in await desk.store.due_mail(desk.clock.now(), 10) if number in q.mail.subject]
        assert len(receipts) == 2  # the first, and the one asked for

        # The next page without an identity (Pat signed out of the shop) starts anonymous.
        await page.reload()
        await expect(sd(page, "status")).to_have_text("Online", timeout=TIMEOUT_MS)
        assert await page.evaluate("window.verified") is False
        await expect(sd(page, "open-ticket")).to_have_count(0)

        await page.evaluate("token => window.Shiftdesk.identify(token)", pat)
        await expect(sd(page, "open-ticket")).to_have_count(1, timeout=TIMEOUT_MS)
        await page.evaluate("window.Shiftdesk.logout()")
        await expect(sd(page, "open-ticket")).to_have_count(0, timeout=TIMEOUT_MS)
        await page.wait_for_function("window.verified === false")
    finally:
        await context.close()


async def test_data_identity_on_the_tag_signs_the_visitor_in(chromium, desk, host) -> None:
    await desk.add_agent("Ann")
    kim = identity(desk, "kim", account="acct-9", name="Kim")
    number = await open_ticket(desk, kim, "Mail bounces")
    context = await chromium.new_context(**VISITOR)
    try:
        page = await open_widget(context, desk, host, script_attrs=f'data-identity="{kim}" data-prechat')
        await expect(sd(page, "open-ticket")).to_have_text(f"{number} Mail bounces Email me the receipt again",
                                                           timeout=TIMEOUT_MS)
        await expect(sd(page, "prechat")).to_have_count(0)  # a verified visitor is not asked who they are
        await expect(sd(page, "input")).to_be_visible()
    finally:
        await context.close()
