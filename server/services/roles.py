"""Checks of a role that many services make the same way."""
from __future__ import annotations

from collections.abc import Callable

from .errors import Forbidden
from .model import Agent, Role


def supervisors_only(doing: str) -> Callable[[Agent], None]:
    """A check raising Forbidden ("only supervisors <doing>") for anyone
    who is not a supervisor: each service makes its own with what it guards."""
    def check(agent: Agent) -> None:
        if agent.role is not Role.SUPERVISOR:
            raise Forbidden(f"only supervisors {doing}")
    return check
