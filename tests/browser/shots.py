"""Screenshots on request, never over tracked files.

`SHIFTDESK_SCREENSHOTS=1` writes the pages' pictures to `build/screenshots/`
(ignored by git); `SHIFTDESK_SCREENSHOTS=DIR` writes them to DIR. Unset, no
picture is taken. The README's pictures in docs/screenshots/ are refreshed
by copying from there on purpose, so a test run leaves the work tree clean.
"""
from __future__ import annotations

import os
from pathlib import Path

from playwright.async_api import Page

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = ROOT / "build" / "screenshots"


def screenshot_dir(value: str | None = None) -> Path | None:
    """Where pictures go for the variable's `value` (read from the
    environment when not given); None when none are wanted."""
    value = os.environ.get("SHIFTDESK_SCREENSHOTS", "") if value is None else value
    if value in ("", "0"):
        return None
    return DEFAULT_DIR if value == "1" else Path(value).resolve()


async def screenshot(page: Page, name: str) -> None:
    folder = screenshot_dir()
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(folder / name))
