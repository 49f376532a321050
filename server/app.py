"""The composition root: config -> store, live state, services, adapters."""
from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import AsyncIterator

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import setup as setup_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from .config import Config
from .live.memory import MemoryLiveState
from .live.redis import RedisLiveState
from .realtime import codec
from .realtime.dispatch import DeskServer, SocketNotifier
from .realtime.manager import DeskRedisManager
from .realtime.roomindex import DeskManager
from .realtime.staff import AgentNamespace, SupervisorNamespace
from .realtime.visitor import VisitorNamespace
from .services.auth import SESSION_MAX_AGE_S, dummy_hash
from .services.bundle import Services
from .services.bus import Bus, MailQueued
from .services.clock import SystemClock
from .services.context import Desk
from .services.events import Events
from .services.hook_worker import HookWorker
from .services.mail import MailWorker
from .services.ports import Clock, LiveState
from .store import open_store
from .web.hook_client import HookClient
from .web.assets import ROOT, STATIC, TEMPLATES, version
from .web.logs import quiet_client_errors
from .web.pages import DEMO_SITE, SERVICES, setup_routes
from .web.security import anonymous_server, client_behind, security_headers

log = logging.getLogger(__name__)
SIO = web.AppKey("sio", DeskServer)
MAIL = web.AppKey("mail", MailWorker)
HOOKS = web.AppKey("hooks", HookWorker)
MAX_PACKET_BYTES = 1024 * 1024  # far above message_chars (too_large acks); bigger packets close the socket


def session_key(config: Config) -> bytes:
    """32 bytes for the console's encrypted session cookie: derived from
    `[server] secret_key`, or generated once into data/secret_key."""
    if config.server.secret_key:
        return hashlib.sha256(config.server.secret_key.encode("utf-8")).digest()
    path = ROOT / "data" / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return bytes.fromhex(path.read_text().strip())


SOCKET_PATH = "/socket.io/"
# A node's background loops, at shutdown: cancelled again this often, this
# many times, if one goes on after its cancel (stop_tasks).
STOP_AGAIN_S = 0.5
STOP_TRIES = 8


async def create_app(config: Config, *, clock: Clock | None = None, demo_site: str | None = None,
                     migrate: bool = True) -> web.Application:
    """Opens the store and builds the whole app; closing happens on cleanup."""
    dummy_hash()  # once per process, before any login can be timed
    store = await open_store(config.server.database)
    if migrate:
        await store.migrate()
    clock = clock or SystemClock()
    live, manager = shared_state(config)
    sio = DeskServer(limits=config.limits, clock=clock, node=live.node,
                     ws_compression=config.server.ws_compression, async_mode="aiohttp", json=codec,
                     cors_allowed_origins="*", max_http_buffer_size=MAX_PACKET_BYTES,
                     namespaces=["/visitor", "/agent", "/supervisor"], client_manager=manager)
    bus = Bus()
    events = Events(SocketNotifier(sio), bus)
    sio.unit = events.unit
    desk = Desk(config=config, store=store, live=live, events=events, clock=clock, bus=bus)
    services = Services.build(desk)
    mail = MailWorker(store, desk.clock, config.mail)
    bus.on(MailQueued, lambda _: mail.wake())
    for namespace in (VisitorNamespace, AgentNamespace, SupervisorNamespace):
        sio.mount(namespace(services, sio))

    anonymous_server()
    quiet_client_errors()
    proxies = config.server.proxies
    app = web.Application(client_max_size=MAX_PACKET_BYTES, middlewares=[
        *([client_behind(proxies)] if proxies else []), in_unit(events, SOCKET_PATH)])
    app.on_response_prepare.append(security_headers)
    # Secure whenever the desk is reached over TLS (`[server] public_url`
    # https://...): the cookie then never travels in clear text.
    setup_session(app, EncryptedCookieStorage(session_key(config), cookie_name="shiftdesk_session",
                                              httponly=True, samesite="Lax", max_age=SESSION_MAX_AGE_S,
                                              secure=config.base_url.startswith("https://")))
    templates = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    # the stylesheet's URL changes with its content: an upgraded desk is never drawn with the old one
    templates.globals["console_css"] = f"/static/console.css?v={version(STATIC / 'console.css')}"
    app[SERVICES], app[SIO] = services, sio
    if demo_site:
        app[DEMO_SITE] = demo_site
    setup_routes(app)
    sio.attach(app, socketio_path=SOCKET_PATH)
    app[MAIL] = mail
    hook_client = HookClient(config.webhooks)
    app[HOOKS] = hooks = HookWorker(desk, services.webhooks, hook_client.post)
    app.on_shutdown.append(_close_sockets(sio))
    app.cleanup_ctx.append(_background(services, sio, mail, hooks, hook_client))
    return app


def in_unit(events: Events, socket_path: str):
    """Each web request is a unit of work (services.events): what it tells
    clients leaves when it has answered, nothing if it failed (a redirect
    did not). Not the Socket.IO transport: a websocket is one long request;
    the socket layer runs each event in a unit of its own."""
    @web.middleware
    async def middleware(request: web.Request, handler):
        if request.path.startswith(socket_path):
            return await handler(request)
        async with events.unit():
            try:
                return await handler(request)
            except web.HTTPException as exc:
                if exc.status >= 400:
                    raise
                moved = exc
        raise moved
    return middleware


def shared_state(config: Config) -> tuple[LiveState, DeskManager | DeskRedisManager]:
    """One process: the live state in memory, events to local sockets.
    One node of several (`[server] redis`): both on Redis, under the
    desk's key prefix."""
    node = config.server.node or f"n{secrets.token_hex(4)}"
    if not config.server.redis:
        return MemoryLiveState(node=node), DeskManager()
    prefix = config.server.redis_prefix
    live = RedisLiveState(config.server.redis, node=node, prefix=prefix)
    return live, DeskRedisManager(config.server.redis, channel=f"{prefix}:socketio", json=codec)


def _close_sockets(sio: DeskServer):
    """Shutdown, before aiohttp waits for its handlers: a websocket or a
    waiting long-poll is a handler that would otherwise run until its client
    leaves or its ping times out (45 s)."""
    async def close(app: web.Application) -> None:
        await sio.eio.close_all()
    return close


async def stop_tasks(tasks: list[asyncio.Task]) -> None:
    """Cancels the background loops and waits for them to end. A loop that
    goes on after its cancel is cancelled again every STOP_AGAIN_S, at most
    STOP_TRIES times, so that a node asked to stop does stop; one still
    running then is logged and left.

    One was seen to go on: on Python 3.11, redis-py sends a command through
    `asyncio.wait_for(..., socket_timeout)`, and 3.11's wait_for returns the
    result and drops a cancel that arrives as the send completes (fixed in
    Python 3.12, whose wait_for is built on asyncio.timeout). The timers
    loop then carried on past its cancel and the node took over 10 s to
    stop."""
    pending = {task for task in tasks if not task.done()}
    for _ in range(STOP_TRIES):
        if not pending:
            break
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=STOP_AGAIN_S)
        if pending:
            log.warning("background task %s went on after its cancel; cancelling it again",
                        ", ".join(sorted(t.get_name() for t in pending)))
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.error("background task %s ended with an error", task.get_name(), exc_info=task.exception())
    if pending:
        log.error("background task %s did not stop", ", ".join(sorted(t.get_name() for t in pending)))


def _background(services: Services, sio: DeskServer, mail: MailWorker, hooks: HookWorker, hook_client: HookClient):
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        # What every node reads from the store before it takes connections
        # (recovery, on one node only, reads the closures again).
        await services.topics.load()
        await services.closures.load()
        await services.webhooks.load()
        async with services.desk.events.unit():
            await services.nodes.start()
            await services.hours.check()
        tasks = [asyncio.create_task(services.nodes.run(), name="nodes"),
                 asyncio.create_task(services.timers.run(), name="timers"),
                 asyncio.create_task(mail.run(), name="mail"),
                 asyncio.create_task(hooks.run(), name="webhooks"),
                 asyncio.create_task(services.metrics.run(), name="metrics"),
                 asyncio.create_task(services.sessions.run(), name="sessions"),
                 asyncio.create_task(services.attachments.run(), name="attachments")]
        try:
            yield
        finally:
            await stop_tasks(tasks)
            await hook_client.close()
            await sio.shutdown_tasks()
            await sio.shutdown()  # engineio's task that watches for pings
            await services.desk.store.close()
            await services.desk.live.close()
    return ctx
