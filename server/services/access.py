"""Ending an agent's access at once: what follows a change that the store
has already made final (the agent removed, or a new epoch: a new password
or role), on every node.

Without it the change still takes effect: each node's `SessionWatch`
reads the store every few seconds and closes what no longer holds. This
is the "now" path for changes made through the server itself (a
supervisor on the dashboard, an agent setting a new password).
"""
from __future__ import annotations

from .auth import agent_rooms
from .context import Desk
from .presence import PresenceService
from .routing import AGENTS


async def end_agent_access(desk: Desk, presence: PresenceService, agent_id: str) -> None:
    """Closes every console and API socket of the agent, on whichever node
    holds it, when the current unit of work ends; tells the other nodes to
    read the agents again (a removed agent is no longer a candidate); and
    sends the agent's open chats back to the front of the queue now.
    Call it after the store's write (their sessions already fail there)."""
    for room in agent_rooms(agent_id):
        desk.events.close(room)
    await desk.live.publish(AGENTS, agent_id)
    await presence.agent_cut_off(agent_id)
