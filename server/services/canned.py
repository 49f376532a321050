"""Canned replies: text supervisors keep and agents insert with `/shortcut`.

Stateless use cases over the desk (no service object to wire): `check_*`
validates and raises coded errors, the others change the store, audit the
change and tell every open console and dashboard (`canned` event). Every
reply is visible to every agent; only supervisors change them.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any

from . import audit, rooms
from . import events as ev
from .context import Desk
from .errors import BadRequest, Forbidden, NotFound, TooLarge
from .model import Agent, CannedReply
from .roles import supervisors_only
from .tokens import new_id
from .views import iso

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
TITLE_CHARS = 100

# audit actions, on target `canned:<id>`
CANNED_ADD = "canned_add"
CANNED_UPDATE = "canned_update"
CANNED_REMOVE = "canned_remove"
ROOMS = (rooms.AGENTS, rooms.SUPERVISORS)


@dataclasses.dataclass(frozen=True, slots=True)
class CannedDraft:
    shortcut: str
    title: str
    text: str


def canned_view(reply: CannedReply) -> dict[str, Any]:
    return {"id": reply.id, "shortcut": reply.shortcut, "title": reply.title, "text": reply.text,
            "updated_at": iso(reply.updated_at)}


def check_draft(desk: Desk, draft: CannedDraft) -> CannedDraft:
    """The draft with its title and text stripped; raises BadRequest for a
    bad shortcut or a blank title or text, TooLarge past `[limits]
    message_chars` (a canned reply is sent as a message)."""
    if not SHORTCUT.match(draft.shortcut):
        raise BadRequest("a shortcut is 1 to 32 of a-z, 0-9, _ and -, starting with a letter or digit")
    title, text = draft.title.strip(), draft.text.strip()
    if not title or len(title) > TITLE_CHARS:
        raise BadRequest(f"a title of 1 to {TITLE_CHARS} characters is needed")
    if not text:
        raise BadRequest("text is empty")
    limit = desk.config.limits.message_chars
    if len(text) > limit:
        raise TooLarge(f"text is longer than {limit} characters", limit=limit)
    return CannedDraft(draft.shortcut, title, text)


check_supervisor = supervisors_only("change canned replies")


async def list_replies(desk: Desk) -> list[CannedReply]:
    return await desk.store.list_canned()


async def add(desk: Desk, by: Agent, draft: CannedDraft) -> CannedReply:
    """Raises Forbidden for a non-supervisor, Conflict for a taken shortcut."""
    check_supervisor(by)
    draft, now = check_draft(desk, draft), desk.clock.now()
    reply = CannedReply(id=new_id(), shortcut=draft.shortcut, title=draft.title, text=draft.text,
                        created_at=now, updated_at=now, updated_by=by.id)
    reply = await desk.store.add_canned(reply, audit.entry(CANNED_ADD, _target(reply), now, actor_id=by.id,
                                                           data={"shortcut": reply.shortcut}))
    await _tell(desk, "add", reply)
    return reply


async def update(desk: Desk, by: Agent, reply_id: str, draft: CannedDraft) -> CannedReply:
    """Raises Forbidden, NotFound, or Conflict for another reply's shortcut."""
    check_supervisor(by)
    draft = check_draft(desk, draft)
    before = await desk.store.canned_by_id(reply_id)
    if before is None:
        raise NotFound("no such canned reply")
    now = desk.clock.now()
    changed = dataclasses.replace(before, shortcut=draft.shortcut, title=draft.title, text=draft.text,
                                  updated_at=now, updated_by=by.id)
    after = await desk.store.update_canned(changed, audit.entry(
        CANNED_UPDATE, _target(changed), now, actor_id=by.id, data={"shortcut": changed.shortcut,
                                                                     "was": before.shortcut}))
    if after is None:  # removed meanwhile
        raise NotFound("no such canned reply")
    await _tell(desk, "update", after)
    return after


async def remove(desk: Desk, by: Agent, reply_id: str) -> CannedReply:
    """Raises Forbidden or NotFound."""
    check_supervisor(by)
    reply = await desk.store.canned_by_id(reply_id)  # what the audit entry names
    if reply is None:
        raise NotFound("no such canned reply")
    removed = await desk.store.remove_canned(reply_id, audit.entry(
        CANNED_REMOVE, _target(reply), desk.clock.now(), actor_id=by.id, data={"shortcut": reply.shortcut}))
    if removed is None:  # removed meanwhile, by another
        raise NotFound("no such canned reply")
    await _tell(desk, "remove", removed)
    return removed


async def _tell(desk: Desk, action: str, reply: CannedReply) -> None:
    """Open consoles change their `/shortcut` menu without a reload."""
    for room in ROOMS:
        desk.events.add(ev.Canned(room, {"action": action, "reply": canned_view(reply)}))


def _target(reply: CannedReply) -> str:
    return f"canned:{reply.id}"
