"""A real HTTP receiver of webhooks on 127.0.0.1, for the tests: it checks
every signature with `verify` (the verification the docs show receivers)
and answers 401 to a wrong one; `fail` lists statuses to answer first."""
from __future__ import annotations

import dataclasses
import json

from aiohttp import web

from tests.docs.test_integrations_guide import guide_verify_python


verify = guide_verify_python()  # the verification docs/integrations.md gives receivers, as printed


@dataclasses.dataclass
class Receiver:
    secret: str = ""
    clock_now: object = None  # a callable giving the desk clock's now, for the tolerance
    fail: list[int] = dataclasses.field(default_factory=list)  # statuses to answer, first to last
    events: list[dict] = dataclasses.field(default_factory=list)  # accepted, in arrival order
    attempts: list[dict] = dataclasses.field(default_factory=list)  # every request: headers, body
    rejected: int = 0
    url: str = ""
    _runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.attempts.append({"headers": dict(request.headers), "body": raw})
        now = self.clock_now().timestamp() if self.clock_now else None
        if not verify(self.secret, request.headers.get("Shiftdesk-Signature", ""), raw, now=now):
            self.rejected += 1
            return web.json_response({"error": "bad signature"}, status=401)
        if self.fail:
            return web.Response(status=self.fail.pop(0), text="x" * 5000)  # the desk keeps 256 chars
        self.events.append(json.loads(raw))
        return web.json_response({"received": True})

    async def start(self, port: int = 0) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        bound = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{bound}/hook"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]

    def of(self, event_type: str) -> list[dict]:
        return [e for e in self.events if e["type"] == event_type]
