"""The project's docs stand alone: a newcomer reading them (or a message
the server prints) never meets a file outside the repository, an issue
number or a promise of a "later release"."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.browser.shots import screenshot_dir

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\]\(([^)\s]+)\)")
# Words that point outside the repository or at the tracker.
OUTSIDE = re.compile(r"shared/|\bissues? \d+\b|later release|later issue|contract file", re.IGNORECASE)


def tracked(*patterns: str) -> list[Path]:
    out = subprocess.run(["git", "ls-files", "--", *patterns], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    return [ROOT / line for line in out.splitlines()]


DOCS = tracked("README.md", "docs/*.md", "docs/*.toml")
SOURCES = tracked("server/*.py", "server/**/*.py", "console/src/*.js", "console/src/**/*.js",
                  "widget/src/*.js", "console/templates/*.html", "console/templates/**/*.html",
                  "bench/*.py", "shiftdesk", ".ci/run")


def test_there_is_something_to_read():
    assert len(DOCS) >= 5 and len(SOURCES) >= 50


@pytest.mark.parametrize("path", DOCS + SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_pointer_outside_the_repository_or_to_the_tracker(path: Path):
    found = [f"{n}: {line.strip()}" for n, line in enumerate(path.read_text().splitlines(), 1)
             if OUTSIDE.search(line)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", [p for p in DOCS if p.suffix == ".md"], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_reaches_a_file_of_the_repository(path: Path):
    broken = []
    for target in LINK.findall(path.read_text()):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue  # a URL or an anchor in the same page
        if not (path.parent / target.split("#")[0]).exists():
            broken.append(target)
    assert not broken


def test_screenshots_on_request_never_overwrite_tracked_files():
    folder = screenshot_dir("1")
    assert folder is not None
    probe = folder / "console.png"
    ignored = subprocess.run(["git", "check-ignore", "-q", str(probe)], cwd=ROOT).returncode == 0
    assert ignored, f"{probe} is not ignored by git"
    assert screenshot_dir("") is None
