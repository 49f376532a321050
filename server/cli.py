"""The command line: `python run.py [serve|site add|agent add|agent remove|token add|token list|token revoke|migrate]`.

These forms are a contract other tools rely on (the README's command table)."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from aiohttp import web

from . import config as configuration
from .policy.calendar import parse_hours
from .services import integrations
from .services.auth import hash_password, verify_password
from .services.errors import DeskError
from .services.model import Agent, AgentStatus, DeskTopic, IdentityMode, Role, Scope, Site
from .services.tokens import hash_token, new_id, new_secret
from .services.topics import effective
from .store import open_store

DEMO_SITE = "demo"
# On SIGTERM, how long requests still running (a long-polling POST whose body
# never comes, a response a client does not read) get before they are
# cancelled. Sockets are closed before that (server/app.py), so the whole
# stop takes a few seconds and stays within the 10 s service managers give.
SHUTDOWN_GRACE_S = 5.0
DEMO_USERS = (("lead@demo.test", "Demo Lead", Role.SUPERVISOR), ("agent@demo.test", "Demo Agent", Role.AGENT))


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="TOML config file (see docs/config.example.toml)")
    parser.add_argument("--database", metavar="URL",
                        help=f"SQLAlchemy URL; default {configuration.DEFAULT_DATABASE}")


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", metavar="H", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", metavar="P", type=int, help="port (default 8080)")
    parser.add_argument("--redis", metavar="URL",
                        help="Redis URL: run as one node of several (with a PostgreSQL --database)")
    parser.add_argument("--node", metavar="NAME", help="this node's name (letters, digits, _); default: generated")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run.py", description="Shiftdesk: live chat for support desks. Without a command: "
        "the demo (site 'demo', a demo supervisor and agent, the widget at / and the console at /console).")
    _common(parser)
    _serve_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the server (migrates the database first)")
    _common(serve)
    _serve_options(serve)

    migrate = commands.add_parser("migrate", help="create or upgrade the database schema")
    _common(migrate)

    site = commands.add_parser("site", help="manage sites").add_subparsers(dest="action", metavar="ACTION",
                                                                           required=True)
    site_add = site.add_parser("add", help="create or update a site (a widget key)")
    site_add.add_argument("key")
    site_add.add_argument("--secret", metavar="S", help="signs identity JWTs; generated and printed if left out")
    site_add.add_argument("--origin", metavar="URL", action="append", default=None,
                          help="an origin allowed to embed the widget (repeat); none means any")
    site_add.add_argument("--identity", choices=["optional", "required"])
    _common(site_add)

    agent = commands.add_parser("agent", help="manage agents").add_subparsers(dest="action", metavar="ACTION",
                                                                              required=True)
    agent_add = agent.add_parser("add", help="create or update an agent (by email)")
    agent_add.add_argument("email")
    agent_add.add_argument("--name", required=True, metavar="NAME")
    agent_add.add_argument("--password", metavar="P", help="console password; generated and printed if left out")
    agent_add.add_argument("--token", metavar="T", help="API token for /agent and /supervisor (stored hashed)")
    agent_add.add_argument("--role", choices=["agent", "supervisor"])
    agent_add.add_argument("--tier", type=int, metavar="N")
    agent_add.add_argument("--skills", metavar="a,b")
    agent_add.add_argument("--capacity", type=int, metavar="N",
                           help="concurrent chats (default 3); 0: takes no chats (a lead who only watches)")
    agent_add.add_argument("--shift", metavar="SPEC", help='"always", "mon-fri 09:00-17:00", ... (default: desk hours)')
    agent_add.add_argument("--on-call", action=argparse.BooleanOptionalAction, default=None,
                           help="takes critical chats at any hour, off shift too (default: no)")
    _common(agent_add)
    agent_remove = agent.add_parser("remove", help="remove an agent: sessions, sockets and API token end, "
                                                   "chats go back to the queue; history keeps the name")
    agent_remove.add_argument("email")
    _common(agent_remove)

    webhook = commands.add_parser("webhook", help="manage webhooks").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    webhook_add = webhook.add_parser("add", help="add a signed webhook endpoint to a site")
    webhook_add.add_argument("site")
    webhook_add.add_argument("url")
    given = webhook_add.add_mutually_exclusive_group()
    given.add_argument("--secret-stdin", action="store_true",
                       help="read the secret that signs every delivery from the first line of stdin (preferred: "
                            "a secret in the arguments shows in the process list and the shell's history)")
    given.add_argument("--secret", metavar="S", help="the secret, in the arguments (prefer --secret-stdin); "
                                                     "without either, one is generated and printed once")
    webhook_add.add_argument("--event", metavar="NAME", action="append", default=[],
                             help="an event to send (repeat); none means every event")
    _common(webhook_add)
    webhook_list = webhook.add_parser("list", help="a site's webhook endpoints (never their secrets)")
    webhook_list.add_argument("site")
    _common(webhook_list)
    webhook_remove = webhook.add_parser("remove", help="remove a webhook endpoint and its delivery log")
    webhook_remove.add_argument("id")
    _common(webhook_remove)
    token = commands.add_parser("token", help="manage integration tokens of the public API /api/v1").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    token_add = token.add_parser("add", help="make a token (printed once; only its hash is stored)")
    token_add.add_argument("name", help="what the token is for, 1-64 characters")
    token_add.add_argument("--scope", choices=["read", "write"], required=True,
                           help="read: GET only; write: every operation")
    token_add.add_argument("--site", metavar="KEY", help="only this site's chats, tickets, visitors and accounts "
                                                         "(default: the whole desk)")
    _common(token_add)
    _common(token.add_parser("list", help="the tokens not revoked (never the tokens themselves)"))
    token_revoke = token.add_parser("revoke", help="revoke a token at once, on every node")
    token_revoke.add_argument("id")
    _common(token_revoke)
    return parser


def load_config(args: argparse.Namespace) -> configuration.Config:
    server = {key: getattr(args, key, None) for key in ("host", "port", "database", "redis", "node")}
    return configuration.load(args.config, overrides={"server": server})


async def _with_store(config: configuration.Config, work: Callable) -> None:
    store = await open_store(config.server.database)
    try:
        await store.migrate()
        await work(store)
    finally:
        await store.close()


async def add_site(store, args: argparse.Namespace) -> None:
    existing = await store.site_by_key(args.key)
    secret = args.secret or (existing.secret if existing else None)
    if secret is None:
        secret = new_secret(32)
        print(f"site {args.key}: identity secret (shown once): {secret}")
    site = Site(id=existing.id if existing else new_id(), key=args.key, secret=secret,
                origins=tuple(args.origin) if args.origin is not None else (existing.origins if existing else ()),
                identity=IdentityMode(args.identity) if args.identity else
                (existing.identity if existing else IdentityMode.OPTIONAL))
    if existing is not None and existing.secret == secret:  # a rotation under way (the dashboard's) goes on
        site = dataclasses.replace(site, previous_secret=existing.previous_secret,
                                   previous_until=existing.previous_until)
    await store.save_site(site)
    print(f"site {args.key} saved (origins: {', '.join(site.origins) or 'any'}; identity {site.identity})")


def _agent_fields(args: argparse.Namespace) -> dict:
    fields: dict = {"name": args.name}
    for key, least in (("tier", 1), ("capacity", 0)):
        value = getattr(args, key)
        if value is not None:
            if value < least:
                raise SystemExit(f"--{key} must be at least {least}")
            fields[key] = value
    if args.tier is not None and args.tier > 3:
        raise SystemExit("--tier must be 1, 2 or 3")
    if args.on_call is not None:
        fields["on_call"] = args.on_call
    if args.role:
        fields["role"] = Role(args.role)
    if args.skills is not None:
        fields["skills"] = tuple(s.strip() for s in args.skills.split(",") if s.strip())
    if args.shift is not None:
        try:
            parse_hours(args.shift)
        except ValueError as exc:
            raise SystemExit(f"--shift: {exc}") from None
        fields["shift"] = args.shift
    if args.token is not None:
        if len(args.token) < 22:
            raise SystemExit("--token must be at least 22 characters (128 bits)")
        fields["token_hash"] = hash_token(args.token)
    return fields


async def add_agent(store, args: argparse.Namespace) -> None:
    email = args.email.strip().lower()
    existing = await store.agent_by_email(email)
    fields = _agent_fields(args)
    password = args.password
    if password is None and (existing is None or existing.password_hash is None):
        password = new_secret(12)
        print(f"agent {email}: password (shown once): {password}")
    if password is not None:
        fields["password_hash"] = hash_password(password)
    agent = dataclasses.replace(existing, **fields) if existing else Agent(id=new_id(), email=email, **fields)
    ended = _credentials_changed(existing, agent, password) if existing else []
    if ended:  # a new epoch: every console session and socket of the agent ends (services/sessions.py)
        agent = dataclasses.replace(agent, epoch=agent.epoch + 1)
    if agent.removed:
        agent = dataclasses.replace(agent, removed_at=None)
        print(f"agent {email} was removed: restored")
    await store.save_agent(agent)
    capacity = f"capacity {agent.capacity}" if agent.capacity else "capacity 0: takes no chats"
    print(f"agent {email} saved ({agent.role}, tier {agent.tier}, {capacity}, "
          f"shift {agent.shift or 'desk hours'}{', on call' if agent.on_call else ''})")
    if ended:
        print(f"agent {email}: new {' and '.join(ended)}: their console sessions and connections end")


def _credentials_changed(before: Agent, after: Agent, password: str | None) -> list[str]:
    """What changed of what lets the agent in or decides what they may do."""
    changed = []
    if password is not None and not verify_password(before.password_hash, password):
        changed.append("password")
    if after.token_hash != before.token_hash:
        changed.append("API token")
    if after.role is not before.role:
        changed.append("role")
    return changed


async def remove_agent(store, args: argparse.Namespace) -> None:
    """Keeps the row (chats, surveys and the audit log name the agent) and
    marks it removed, with a new epoch: the running server closes the
    agent's sockets and re-queues their chats within seconds."""
    email = args.email.strip().lower()
    existing = await store.agent_by_email(email)
    if existing is None:
        raise SystemExit(f"no agent {email}")
    if existing.removed:
        print(f"agent {email} was removed already")
        return
    await store.save_agent(dataclasses.replace(existing, removed_at=datetime.now(UTC), epoch=existing.epoch + 1,
                                               status=AgentStatus.AWAY))
    print(f"agent {email} removed: their console sessions, connections and API token end; their chats go "
          f"back to the front of the queue")


async def add_token(store, args: argparse.Namespace) -> None:
    try:
        made = await integrations.make(store, datetime.now(UTC), None, args.name, Scope(args.scope), args.site)
    except DeskError as error:
        raise SystemExit(f"token not made: {error.message}") from None
    where = f"site {args.site}" if args.site else "the whole desk"
    print(f"token {made.token.id} ({made.token.scope}, {where}) made; the token (shown once): {made.secret}")


async def list_tokens(store, args: argparse.Namespace) -> None:
    shown = await integrations.views(store, await store.integration_tokens())
    for t in shown:
        print(f"{t['id']}  {t['scope']:5}  {t['site'] or '(desk-wide)'}  {t['name']}  "
              f"made {t['created_at']}  last used {t['last_used_at'] or 'never'}")
    if not shown:
        print("no integration tokens")


async def revoke_token(store, args: argparse.Namespace) -> None:
    try:
        await integrations.revoke(store, datetime.now(UTC), None, args.id)
    except DeskError as error:
        raise SystemExit(f"token not revoked: {error.message}") from None
    print(f"token {args.id} revoked: it opens nothing from now on")


async def prepare_demo(store, config: configuration.Config) -> None:
    """First run: site `demo` and a demo supervisor and agent, on shift
    always so the demo works at any hour. The demo agent has every skill
    the configured topics ask for, so a chat on any topic reaches it (a
    demo made before gets the missing ones)."""
    if await store.site_by_key(DEMO_SITE) is None:
        await store.save_site(Site(id=new_id(), key=DEMO_SITE, secret=new_secret(32)))
    skills = demo_skills(config, await store.list_topics())
    for email, name, role in DEMO_USERS:
        existing = await store.agent_by_email(email)
        if existing is not None:
            if role is Role.AGENT and not set(skills) <= set(existing.skills):
                await store.save_agent(dataclasses.replace(
                    existing, skills=tuple(sorted(set(existing.skills) | set(skills)))))
            print(f"demo user {email} exists (reset: python run.py agent add {email} --name '{name}' --password NEW)")
            continue
        password = new_secret(9)
        await store.save_agent(Agent(id=new_id(), email=email, name=name, role=role, shift="always",
                                     skills=skills if role is Role.AGENT else (),
                                     password_hash=hash_password(password)))
        print(f"demo {role}: {email}  password: {password}")


def demo_skills(config: configuration.Config, stored: Sequence[DeskTopic] = ()) -> tuple[str, ...]:
    """Every skill a topic that chat handles asks for (the file's, and the
    dashboard's `stored` over them)."""
    return tuple(sorted({t.skill for t in effective(config.topics, stored).values() if t.chat and t.skill}))


async def serve(config: configuration.Config, demo: bool = False) -> None:
    from .app import create_app  # the server's imports are only paid by serve

    if demo:
        await _with_store(config, lambda store: prepare_demo(store, config))
    app = await create_app(config, demo_site=DEMO_SITE if demo else None)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE_S)
    await runner.setup()
    try:
        await web.TCPSite(runner, config.server.host, config.server.port).start()
    except OSError as error:  # the port taken, the address not this machine's: the operator's to fix
        await runner.cleanup()
        raise SystemExit(f"cannot listen on {config.server.host}:{config.server.port}: "
                         f"{error.strerror or error}") from None
    tune_gc()
    print(f"Shiftdesk on http://{config.server.host}:{config.server.port}/ "
          f"(console: /console; database: {config.server.database})", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def tune_gc() -> None:
    """Everything loaded at start-up lives as long as the process: freeze it
    out of the cyclic collector's sight, and collect the young generation
    less often. A chat server makes many short-lived objects (packets,
    futures) and few cycles; measured in bench/, the default thresholds cost
    a tenth to a quarter of the event loop's time under load."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def _run(work: Awaitable) -> None:
    try:
        import uvloop
        factory = uvloop.new_event_loop
    except ImportError:  # uvloop is optional on platforms without it
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(work)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    try:
        config = load_config(args)
    except configuration.ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    command = args.command
    if command in (None, "serve"):
        with contextlib.suppress(KeyboardInterrupt):
            _run(serve(config, demo=command is None))
    elif command == "migrate":
        _run(_with_store(config, lambda store: _print_async("database is up to date")))
    elif command == "site":
        _run(_with_store(config, lambda store: add_site(store, args)))
    elif command == "webhook":
        from .cli_webhooks import ACTIONS  # the webhook rules are only paid by these commands
        _run(_with_store(config, lambda store: ACTIONS[args.action](store, config, args)))
    elif command == "agent":
        action = add_agent if args.action == "add" else remove_agent
        _run(_with_store(config, lambda store: action(store, args)))
    elif command == "token":
        action = {"add": add_token, "list": list_tokens, "revoke": revoke_token}[args.action]
        _run(_with_store(config, lambda store: action(store, args)))
    return 0


async def _print_async(text: str) -> None:
    print(text)
