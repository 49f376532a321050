"""The services wired together over one Desk (ports + clock + config)."""
from __future__ import annotations

import dataclasses

from .auth import AuthService
from .chats import ChatService
from .context import Desk
from .presence import PresenceService
from .routing import Router
from .timers import Timers


@dataclasses.dataclass(frozen=True)
class Services:
    desk: Desk
    auth: AuthService
    router: Router
    timers: Timers
    chats: ChatService
    presence: PresenceService

    @classmethod
    def build(cls, desk: Desk) -> Services:
        router, timers = Router(desk), Timers(desk)
        chats = ChatService(desk, router, timers)
        return cls(desk, AuthService(desk), router, timers, chats, PresenceService(desk, router, chats, timers))
