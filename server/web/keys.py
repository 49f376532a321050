"""Typed keys of the web app's state, shared by the pages and the API."""
from __future__ import annotations

from aiohttp import web

from ..services.bundle import Services

SERVICES = web.AppKey("services", Services)
