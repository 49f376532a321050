"""The browser and system an agent is shown, from real User-Agent strings."""
from __future__ import annotations

import pytest

from server.policy.useragent import UserAgent, parse_user_agent

CASES = [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36", UserAgent("Chrome 126", "Windows 10/11", False)),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87", UserAgent("Edge 126", "Windows 10/11", False)),
    ("Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:115.0) Gecko/20100101 Firefox/115.0",
     UserAgent("Firefox 115", "Windows 7", False)),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.5 Safari/605.1.15", UserAgent("Safari 17", "macOS 10.15", False)),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.5 Mobile/15E148 Safari/604.1", UserAgent("Safari 17", "iOS 17.5", True)),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1", UserAgent("Chrome 126", "iOS 17.5", True)),
    ("Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "FxiOS/127.0 Mobile/15E148 Safari/605.1.15", UserAgent("Firefox 127", "iPadOS 16.6", True)),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.6478.71 Mobile Safari/537.36", UserAgent("Chrome 126", "Android 14", True)),
    ("Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36", UserAgent("Samsung Internet 25", "Android 13", True)),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/125.0.0.0 Safari/537.36 OPR/111.0.0.0", UserAgent("Opera 111", "Windows 10/11", False)),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", UserAgent("Firefox 128", "Linux", False)),
    ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36", UserAgent("Chrome 126", "ChromeOS", False)),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 "
     "Safari/537.36", UserAgent("Headless Chrome 126", "Linux", False)),
    ("Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko",
     UserAgent("Internet Explorer 11", "Windows 10/11", False)),
    ("curl/8.5.0", UserAgent("", "", False)),
    ("", UserAgent("", "", False)),
    ("<script>alert(1)</script> Chrome/<b>", UserAgent("", "", False)),
]


@pytest.mark.parametrize(("ua", "expected"), CASES, ids=[e.browser or ua[:12] or "empty" for ua, e in CASES])
def test_a_user_agent_names_its_browser_and_system(ua, expected):
    assert parse_user_agent(ua) == expected


def test_only_the_start_of_a_huge_string_is_read():
    assert parse_user_agent("x" * 100_000 + " Firefox/99") == UserAgent("", "", False)
