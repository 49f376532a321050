"""Where the front-end files live: esbuild's output in build/, the console's
static files and templates in console/."""
from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
TEMPLATES = ROOT / "console" / "templates"
STATIC = ROOT / "console" / "static"


def version(path: Path) -> str:
    """A short content hash for cache-busting URLs ('' if not built)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError:
        return ""
