"""`python run.py webhook add SITE URL [--secret-stdin | --secret S] [--event NAME]...`,
`webhook list SITE`, `webhook remove ID`: the rules are
services/webhooks.py's, audited as the command line (no actor). A running
server picks up a change within services.webhooks.CATALOG_MAX_AGE_S."""
from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from . import config as configuration
from .services import audit, webhooks
from .services.errors import DeskError
from .services.model import Site


async def _site(store, key: str) -> Site:
    site = await store.site_by_key(key)
    if site is None:
        raise SystemExit(f"no site {key}")
    return site


async def add(store, config: configuration.Config, args: argparse.Namespace) -> None:
    given = _secret_from_stdin() if args.secret_stdin else args.secret
    site = await _site(store, args.site)
    try:
        hook, secret = await webhooks.new_webhook(store, config.webhooks, datetime.now(UTC), None, site, args.url,
                                                  args.event, given)
    except DeskError as exc:
        raise SystemExit(f"webhook refused: {exc}") from None
    print(f"webhook {hook.id} added to site {site.key}: {hook.url} ({', '.join(hook.events) or 'every event'})")
    if given is None:
        print(f"webhook {hook.id}: signing secret (shown once): {secret}")


def _secret_from_stdin() -> str:
    """The first line of stdin, without its line end: kept out of argv (the process list, the shell's history)."""
    line = sys.stdin.readline(webhooks.SECRET_MAX + 3).rstrip("\r\n")
    if not line:
        raise SystemExit("webhook refused: --secret-stdin read no secret (an empty first line)")
    return line


async def list_site(store, config: configuration.Config, args: argparse.Namespace) -> None:
    site = await _site(store, args.site)
    found = await store.list_webhooks(site.id)
    if not found:
        print(f"site {site.key} has no webhooks")
    for hook in found:
        state = "enabled" if hook.enabled else f"disabled ({hook.disabled_reason})"
        print(f"{hook.id}  {hook.url}  {','.join(hook.events) or '*'}  {state}  failures {hook.failures}")


async def remove(store, config: configuration.Config, args: argparse.Namespace) -> None:
    hook = await store.webhook_by_id(args.id)
    if hook is None:
        raise SystemExit(f"no webhook {args.id}")
    await store.remove_webhook(hook.id, audit.entry(webhooks.WEBHOOK_REMOVE, f"webhook:{hook.id}",
                                                    datetime.now(UTC), data={"url": webhooks.shown_url(hook.url)}))
    print(f"webhook {hook.id} removed")


ACTIONS = {"add": add, "list": list_site, "remove": remove}
