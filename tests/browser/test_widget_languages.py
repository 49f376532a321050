"""The widget in the visitor's language, in real Chromium: French, German
and Spanish as complete as English (every key, no other, the same
`{placeholders}`), `data-locale` before the browser's language, the
browser's language (Playwright's `locale=`) without it, English for a
language the widget does not have, dates and plurals in the chosen
language, and Arabic or Hebrew messages laid out right to left beside
English ones, in the widget and in the agent's console."""
from __future__ import annotations

import json
import re
import subprocess

import pytest
from playwright.async_api import Page, expect

from .conftest import ROOT
from .consolekit import kit  # noqa: F401 (a fixture)
from .consolekit import start_chat as visitor_chat
from .shots import screenshot
from .widget_steps import TIMEOUT_MS, agent_says, messages, open_widget, say, sd, start_chat

ARABIC = "مرحبا، لدي مشكلة في الفاتورة"
HEBREW = "שלום, אני בודק את החשבון שלך עכשיו"
ENGLISH = "Thanks, I will wait."


def browser(locale: str) -> dict:
    """A visitor's browser context in `locale`, in New York."""
    return {"viewport": {"width": 400, "height": 640}, "locale": locale, "timezone_id": "America/New_York"}


def locale_tables() -> dict[str, dict[str, str]]:
    """widget/src/i18n.js's LOCALES as the bundle has them (esbuild, then node)."""
    script = (
        "const r = require('esbuild').buildSync({entryPoints: ['widget/src/i18n.js'], bundle: true,"
        " write: false, format: 'cjs', platform: 'neutral', logLevel: 'silent'});"
        "const m = {exports: {}}; new Function('module', 'exports', r.outputFiles[0].text)(m, m.exports);"
        "process.stdout.write(JSON.stringify(m.exports.LOCALES));"
    )
    done = subprocess.run(["node", "-e", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def test_every_locale_has_every_key_of_english_and_no_other(bundles) -> None:
    tables = locale_tables()
    assert set(tables) == {"en", "fr", "de", "es"}
    english = tables["en"]
    assert len(english) > 100  # the widget's words are there, not a stub
    for code, table in tables.items():
        assert sorted(set(english) - set(table)) == [], f"{code} lacks these keys"
        assert sorted(set(table) - set(english)) == [], f"{code} has keys English does not"
        for key, text in table.items():
            assert isinstance(text, str) and text.strip(), f"{code} {key} is blank"
            assert placeholders(text) == placeholders(english[key]), f"{code} {key}: {text!r}"
    # Translated, not copied: most strings differ from English's.
    for code in ("fr", "de", "es"):
        same = [k for k in english if tables[code][k] == english[k]]
        assert len(same) < len(english) // 10, f"{code} copies English: {same}"


async def lang_of(page: Page) -> str | None:
    return await page.locator(".sd-root").get_attribute("lang")


async def direction(locator) -> str:
    return await locator.evaluate("node => getComputedStyle(node).direction")


async def test_a_french_visitor_chats_in_french_from_start_to_survey(chromium, desk, host) -> None:
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    context = await chromium.new_context(**browser("en-US"))  # the page says French: the tag wins
    try:
        page = await open_widget(context, desk, host, status="En ligne", script_attrs='data-locale="fr"')
        assert await lang_of(page) == "fr"
        await expect(sd(page, "launcher")).to_contain_text("Fermer la discussion")
        await expect(sd(page, "input")).to_have_attribute("placeholder", "Écrivez votre message…")
        await expect(sd(page, "send")).to_have_text("Envoyer")
        await screenshot(page, "widget-fr-open.png")

        chat = (await start_chat(page, agent, "Bonjour, ma facture est en double."))["chat"]
        await expect(sd(page, "status")).to_have_text("En discussion avec Ann", timeout=TIMEOUT_MS)
        await expect(messages(page, "visitor").locator(".sd-who")).to_have_text("Vous")
        await expect(messages(page, "visitor").locator(".sd-meta")).to_have_text("10:00")  # 24-hour, as in France
        await agent.emit("chat:typing", {"chat_id": chat["id"], "typing": True})
        await expect(sd(page, "typing")).to_have_text("Ann est en train d’écrire…", timeout=TIMEOUT_MS)
        await agent_says(agent, chat["id"], "Je regarde cela tout de suite.")
        await expect(messages(page, "agent")).to_have_count(1, timeout=TIMEOUT_MS)
        await expect(sd(page, "end")).to_have_text("Terminer")
        await expect(sd(page, "mail-transcript")).to_have_text("E-mail")
        await screenshot(page, "widget-fr-chat.png")

        await desk.advance(15 * 60)  # the chat's length: warned in minutes, in French
        await expect(sd(page, "warning")).to_contain_text("environ 5 minutes", timeout=TIMEOUT_MS)

        await sd(page, "end").click()
        await expect(sd(page, "end-confirm")).to_contain_text("Terminer cette discussion ?")
        await sd(page, "end-yes").click()
        await expect(sd(page, "ended")).to_have_text("Vous avez mis fin à la discussion.", timeout=TIMEOUT_MS)
        await expect(sd(page, "survey")).to_contain_text("Êtes-vous satisfait de notre aide ?", timeout=TIMEOUT_MS)
        stars = sd(page, "survey-star")
        await expect(stars.first).to_have_attribute("aria-label", "1 étoile sur 5")
        await expect(stars.nth(2)).to_have_attribute("aria-label", "3 étoiles sur 5")
        await expect(sd(page, "transcript-send").first).to_have_text("Recevoir la transcription par e-mail")
        await screenshot(page, "widget-fr-survey.png")
        await stars.nth(4).click()
        await sd(page, "survey-send").click()
        await expect(sd(page, "thanks")).to_have_text("Merci pour votre avis !", timeout=TIMEOUT_MS)
        await expect(sd(page, "new-chat")).to_have_text("Commencer une nouvelle discussion")
        await screenshot(page, "widget-fr-thanks.png")
        assert page.errors == []
    finally:
        await context.close()


async def test_data_locale_beats_the_browser_language(chromium, desk, host) -> None:
    await desk.add_agent("Ann")
    context = await chromium.new_context(**browser("de-DE"))
    try:
        page = await open_widget(context, desk, host, status="En línea", script_attrs='data-locale="es"')
        assert await lang_of(page) == "es"
        await expect(sd(page, "input")).to_have_attribute("placeholder", "Escriba su mensaje…")
        await expect(sd(page, "launcher")).to_contain_text("Cerrar el chat")
    finally:
        await context.close()


async def test_the_browser_language_is_used_without_data_locale(chromium, desk, host) -> None:
    await desk.add_agent("Ann")
    context = await chromium.new_context(**browser("de-DE"))
    try:
        page = await open_widget(context, desk, host, status="Online")  # the same word in German
        assert await lang_of(page) == "de"
        await expect(sd(page, "launcher")).to_contain_text("Chat schließen")
        await expect(sd(page, "input")).to_have_attribute("placeholder", "Ihre Nachricht…")
        await expect(sd(page, "send")).to_have_text("Senden")
    finally:
        await context.close()


@pytest.mark.parametrize("attrs", ['data-locale="xx"', 'data-locale="constructor"', ""])
async def test_a_language_the_widget_lacks_falls_back_to_english(chromium, desk, host, attrs) -> None:
    await desk.add_agent("Ann")
    context = await chromium.new_context(**browser("ja-JP"))  # and the browser's is not one either
    try:
        page = await open_widget(context, desk, host, status="Online", script_attrs=attrs)
        assert await lang_of(page) == "en"
        await expect(sd(page, "launcher")).to_contain_text("Close chat")
        await expect(sd(page, "input")).to_have_attribute("placeholder", "Type your message…")
        assert page.errors == []
    finally:
        await context.close()


async def test_offline_the_next_opening_is_written_in_the_visitors_language(chromium, desk, host) -> None:
    await desk.add_agent("Sam", shift="sat 10:00-14:00")  # the clock says Monday 10:00 in New York
    context = await chromium.new_context(**browser("fr-FR"))
    try:
        page = await open_widget(context, desk, host, status=re.compile(r"^Hors ligne jusqu’au sam\. 28 nov\. 2026\D+10:00$"))
        await expect(sd(page, "offline")).to_contain_text("Aucun conseiller n’est disponible pour le moment.")
        await expect(sd(page, "next-open")).to_have_text(re.compile(r"^sam\. 28 nov\. 2026\D+10:00$"))
        await expect(sd(page, "ticket-send")).to_have_text("Envoyer le ticket")
        await screenshot(page, "widget-fr-offline.png")
    finally:
        await context.close()


async def test_arabic_and_hebrew_messages_read_right_to_left_in_the_widget(chromium, desk, host) -> None:
    _, token = await desk.add_agent("Ann")
    agent = await desk.agent(token)
    context = await chromium.new_context(**browser("en-US"))
    try:
        page = await open_widget(context, desk, host)
        chat = (await start_chat(page, agent, ARABIC))["chat"]
        await agent_says(agent, chat["id"], HEBREW)
        await say(page, ENGLISH)
        await expect(messages(page)).to_have_count(3, timeout=TIMEOUT_MS)
        text = page.locator('[data-sd="message-text"]')
        assert await direction(messages(page, "visitor", ARABIC).locator('[data-sd="message-text"]')) == "rtl"
        assert await direction(messages(page, "agent", HEBREW).locator('[data-sd="message-text"]')) == "rtl"
        assert await direction(messages(page, "visitor", ENGLISH).locator('[data-sd="message-text"]')) == "ltr"
        await expect(text).to_have_count(3)
        # What the visitor types lays out by its own direction too.
        await sd(page, "input").fill(ARABIC)
        assert await direction(sd(page, "input")) == "rtl"
        await screenshot(page, "widget-rtl.png")
    finally:
        await context.close()


async def test_arabic_and_hebrew_messages_read_right_to_left_in_the_console(kit, desk) -> None:  # noqa: F811
    console = await kit.console("Ann")
    visitor, chat = await visitor_chat(desk, ARABIC)
    await expect(console.tab(chat["id"])).to_have_count(1)
    await console.tab(chat["id"]).click()
    assert (await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": "v-2", "text": HEBREW}))["ok"]
    assert (await visitor.call("chat:send", {"chat_id": chat["id"], "client_id": "v-3", "text": ENGLISH}))["ok"]
    panel = console.panel(chat["id"])
    texts = panel.locator('[data-sd="message"]')
    await expect(texts).to_have_count(3)
    for text, expected in ((ARABIC, "rtl"), (HEBREW, "rtl"), (ENGLISH, "ltr")):
        body = panel.locator('[data-sd="message"]', has_text=text).locator('[data-sd="message-text"]')
        assert await direction(body) == expected, text
    await panel.locator('[data-sd="input"]').fill(HEBREW)
    assert await direction(panel.locator('[data-sd="input"]')) == "rtl"
    await screenshot(console.page, "console-rtl.png")
    console.assert_clean()
