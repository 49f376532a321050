"""Where the front-end files live: esbuild's output in build/, the console's
static files and templates in console/."""
from __future__ import annotations

import hashlib
from pathlib import Path

from aiohttp import web

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


def bundle(name: str, cache: str = "no-cache"):
    """The handler serving the built script `name` from build/ (503 until it is built)."""
    path = BUILD / name

    async def serve(request: web.Request) -> web.StreamResponse:
        if not path.exists():
            raise web.HTTPServiceUnavailable(text=f"{name} is not built: run `npm run build`")
        response = web.FileResponse(path, headers={"Cache-Control": cache})
        response.content_type = "text/javascript"
        return response
    return serve
