"""A browser's User-Agent string as an agent reads it: "Firefox 128" on
"Windows 10/11". Good enough to picture the visitor's screen, not to detect
features: an unknown or lying string gives "" for what it cannot tell.

Order matters: browsers name the ones they are built on (Edge and Opera
say "Chrome" and "Safari", Chrome says "Safari", iOS browsers say
"Safari" and "Mobile"), so the most specific tokens are looked for first.
"""
from __future__ import annotations

import dataclasses
import re

MAX_UA_CHARS = 512


@dataclasses.dataclass(frozen=True, slots=True)
class UserAgent:
    browser: str  # "Chrome 126", "" when unknown
    os: str  # "Android 14", "" when unknown
    mobile: bool


# (name shown, token pattern with the major version as group 1)
_BROWSERS: tuple[tuple[str, str], ...] = (
    ("Edge", r"Edg(?:e|A|iOS)?/(\d+)"),
    ("Opera", r"(?:OPR|OPT|Opera)/(\d+)"),
    ("Samsung Internet", r"SamsungBrowser/(\d+)"),
    ("Firefox", r"(?:Firefox|FxiOS)/(\d+)"),
    ("Chrome", r"(?:Chrome|CriOS)/(\d+)"),
    ("Safari", r"Version/(\d+)(?:\.\d+)*(?: Mobile/\S+)? Safari/"),
    ("Internet Explorer", r"(?:MSIE |Trident/.*rv:)(\d+)"),
)
_BROWSER_RES = tuple((name, re.compile(pattern)) for name, pattern in _BROWSERS)
_HEADLESS = re.compile(r"HeadlessChrome/(\d+)")

_WINDOWS = {"10.0": "10/11", "6.3": "8.1", "6.2": "8", "6.1": "7", "6.0": "Vista", "5.1": "XP"}


def _os_of(ua: str) -> str:
    if m := re.search(r"Windows NT (\d+\.\d+)", ua):
        return f"Windows {_WINDOWS.get(m.group(1), m.group(1))}"
    if m := re.search(r"Android (\d+(?:\.\d+)?)", ua):
        return f"Android {m.group(1)}"
    if m := re.search(r"(iPhone|iPad|iPod).*? OS (\d+)[_.](\d+)", ua):
        return f"iOS {m.group(2)}.{m.group(3)}" if m.group(1) != "iPad" else f"iPadOS {m.group(2)}.{m.group(3)}"
    if "CrOS" in ua:
        return "ChromeOS"
    if m := re.search(r"Mac OS X (\d+)[_.](\d+)", ua):
        return f"macOS {m.group(1)}.{m.group(2)}"
    if "Macintosh" in ua:
        return "macOS"
    if "Linux" in ua or "X11" in ua:
        return "Linux"
    return ""


def _browser_of(ua: str) -> str:
    if m := _HEADLESS.search(ua):
        return f"Headless Chrome {m.group(1)}"
    for name, pattern in _BROWSER_RES:
        if m := pattern.search(ua):
            return f"{name} {m.group(1)}"
    return ""


def parse_user_agent(ua: str) -> UserAgent:
    """Browser and operating system named in `ua` (only its first
    MAX_UA_CHARS characters are read)."""
    ua = ua[:MAX_UA_CHARS]
    mobile = bool(re.search(r"Mobi|iPhone|iPod|Android.*Mobile", ua))
    return UserAgent(_browser_of(ua), _os_of(ua), mobile)
