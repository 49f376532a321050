"""/api/v1/agents: who works on the desk, with their live status and load."""
from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from ...services import roster
from .registry import Call, operation
from .types import Ok


class AgentItem(msgspec.Struct, kw_only=True):
    """An agent with their live presence (as the console's roster shows them)."""

    id: Annotated[str, msgspec.Meta(description="The agent's id")]
    name: Annotated[str, msgspec.Meta(description="The agent's display name")]
    role: Annotated[Literal["agent", "supervisor"], msgspec.Meta(description="A supervisor is a lead")]
    tier: Annotated[int, msgspec.Meta(ge=1, description=(
        "Seniority for routing: 1 takes any chat, higher takes harder ones"))]
    skills: Annotated[list[str], msgspec.Meta(description="The skills chats are routed on")]
    capacity: Annotated[int, msgspec.Meta(ge=0, description="Chats the agent takes at once")]
    status: Annotated[Literal["available", "away"], msgspec.Meta(description="The status the agent set")]
    connected: Annotated[bool, msgspec.Meta(description="A console of the agent is connected now")]
    load: Annotated[int, msgspec.Meta(ge=0, description="Chats the agent holds now")]
    on_shift: Annotated[bool, msgspec.Meta(description="The agent's shift (or the desk hours) is on now")]
    on_call: Annotated[bool, msgspec.Meta(description="Takes critical chats at any hour")]


class AgentList(msgspec.Struct, kw_only=True):
    """Every agent of the desk, by name."""

    ok: Ok = True
    items: list[AgentItem]
    next_cursor: Annotated[None, msgspec.Meta(description="Always null: the list is never paged")] = None


class AgentAnswer(msgspec.Struct, kw_only=True):
    """One agent."""

    ok: Ok = True
    agent: AgentItem


def _item(entry: dict) -> AgentItem:
    return msgspec.convert({k: v for k, v in entry.items() if k in AgentItem.__struct_fields__}, AgentItem)


@operation("GET", "/agents", operation_id="listAgents", summary="List the agents", tag="agents", scope="read",
           response=AgentList)
async def list_agents(call: Call) -> AgentList:
    """Every agent not removed, by name, with their status, load and shift, read afresh."""
    services = call.services
    return AgentList(items=[_item(e) for e in await roster.roster(services.desk, services.router)])


@operation("GET", "/agents/{agent_id}", operation_id="getAgent", summary="Get an agent", tag="agents",
           scope="read", response=AgentAnswer)
async def get_agent(call: Call) -> AgentAnswer:
    """One agent, with their status, load and shift."""
    from ...services.errors import NotFound
    services = call.services
    for entry in await roster.roster(services.desk, services.router):
        if entry["id"] == call.path["agent_id"]:
            return AgentAnswer(agent=_item(entry))
    raise NotFound("no such agent")
