"""What a token may reach, and who it acts as: the helpers every module of
/api/v1 shares."""
from __future__ import annotations

from ...services import integrations, sites
from ...services.errors import NotFound
from ...services.model import Agent, Role
from .registry import Call


def acting(call: Call) -> Agent:
    """The token as the services' actor: a write token acts with a lead's
    powers (a lead made it), under its own id, so the audit log names
    `token:<id>` and never a person who did not act. It is no stored agent:
    it holds no chats and writes no chat message or ticket reply (those
    are an agent's, named in the request)."""
    token = call.token
    return Agent(id=integrations.actor_of(token), email="", name=f"{token.name} (integration)",
                 role=Role.SUPERVISOR)


async def site_keys(call: Call) -> dict[str, str]:
    """Every site's key by its id."""
    return {s.id: s.key for s in await sites.list_sites(call.services.desk)}


async def site_filter(call: Call, key: str | None) -> str | None:
    """The site id a list is narrowed to: the token's own for a site token
    (another key is 404), the key's for a desk-wide one (None: every site).
    Raises NotFound for an unknown key."""
    if key is None:
        return call.site_id
    found = {k: i for i, k in (await site_keys(call)).items()}.get(key)
    if found is None or (call.site_id is not None and found != call.site_id):
        raise NotFound("no such site")
    return found
