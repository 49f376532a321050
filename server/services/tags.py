"""Tags on chats and tickets, chosen from a list supervisors keep.

Stateless use cases over the desk, as canned replies: `check_*` validates
and raises coded errors, the others change the store, audit the change
(target `tag:<id>`, `chat:<id>` or `ticket:<id>`) and tell the consoles
and dashboards that show it, after the commit.

- The list: supervisors add a tag (a name of 1 to 40 characters without
  control characters, unique regardless of case; a colour from the fixed
  palette or none), rename or recolour it, archive it and restore it.
  Nothing is ever deleted: an archived tag stays on the chats and tickets
  that carry it and in the reports' filter, but is put on nothing new.
- A chat: an agent tags the chat it holds, and the chats it had (ended or
  passed on); a supervisor any chat. A ticket: any agent (every agent
  sees every ticket in the console). Archived tags can be taken off.
"""
from __future__ import annotations

import dataclasses
import unicodedata
from typing import Any

from . import audit, rooms
from . import events as ev
from .context import Desk
from .errors import BadRequest, DeskError, Forbidden, NotFound, TagArchived, TooLarge, UnknownTag
from .model import Agent, Chat, Role, Tag, TagColour
from .roles import supervisors_only
from .tokens import new_id
from .views import iso

NAME_CHARS = 40
MAX_TAGS = 500  # on the list, archived ones included
MAX_ON_ONE = 20  # on one chat or ticket
# No control characters: C0/C1 controls, format characters (bidi
# overrides that would reorder what a lead reads), surrogates, and line and
# paragraph separators.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
LIST_ROOMS = (rooms.AGENTS, rooms.SUPERVISORS)

# audit actions
TAG_ADD, TAG_UPDATE, TAG_ARCHIVE, TAG_RESTORE = "tag_add", "tag_update", "tag_archive", "tag_restore"
CHAT_TAG, CHAT_UNTAG = "chat_tag", "chat_untag"
TICKET_TAG, TICKET_UNTAG = "ticket_tag", "ticket_untag"


@dataclasses.dataclass(frozen=True, slots=True)
class TagDraft:
    name: str
    colour: TagColour | None = None


def tag_view(tag: Tag) -> dict[str, Any]:
    """TAG: `{"id", "name", "colour" (a palette name or null), "archived"}`."""
    return {"id": tag.id, "name": tag.name, "colour": tag.colour.value if tag.colour else None,
            "archived": tag.archived, "updated_at": iso(tag.updated_at)}


def check_name(name: str) -> str:
    """The name stripped; raises BadRequest unless it has 1 to 40
    characters and none of them a control character."""
    name = name.strip()
    if not name or len(name) > NAME_CHARS:
        raise BadRequest(f"a tag's name has 1 to {NAME_CHARS} characters")
    if any(unicodedata.category(ch) in REFUSED_CATEGORIES for ch in name):
        raise BadRequest("a tag's name may not hold control characters")
    return name


check_supervisor = supervisors_only("change the tag list")


# the list
async def list_tags(desk: Desk) -> list[Tag]:
    return await desk.store.list_tags()


async def add(desk: Desk, by: Agent, draft: TagDraft) -> Tag:
    """Raises Forbidden, BadRequest, Conflict (the name is taken, archived
    tags included: restore it), TooLarge past MAX_TAGS."""
    check_supervisor(by)
    name, now = check_name(draft.name), desk.clock.now()
    if len(await desk.store.list_tags()) >= MAX_TAGS:
        raise TooLarge(f"at most {MAX_TAGS} tags: archive and reuse one", limit=MAX_TAGS)
    tag = Tag(id=new_id(), name=name, colour=draft.colour, created_at=now, updated_at=now, updated_by=by.id)
    tag = await desk.store.add_tag(tag, audit.entry(TAG_ADD, _target(tag), now, actor_id=by.id,
                                                   data={"name": name}))
    _tell_list(desk, "add", tag)
    return tag


async def update(desk: Desk, by: Agent, tag_id: str, draft: TagDraft) -> Tag:
    """A new name and colour. Raises Forbidden, BadRequest, NotFound, Conflict."""
    check_supervisor(by)
    name = check_name(draft.name)
    before = await _tag(desk, tag_id, NotFound)
    changed = dataclasses.replace(before, name=name, colour=draft.colour)
    return await _save(desk, by, TAG_UPDATE, changed, {"name": name, "was": before.name}, "update")


async def archive(desk: Desk, by: Agent, tag_id: str) -> Tag:
    """No longer offered; kept where it is. Raises Forbidden, NotFound;
    archiving an archived tag changes nothing."""
    check_supervisor(by)
    before = await _tag(desk, tag_id, NotFound)
    if before.archived:
        return before
    changed = dataclasses.replace(before, archived_at=desk.clock.now())
    return await _save(desk, by, TAG_ARCHIVE, changed, {"name": before.name}, "archive")


async def restore(desk: Desk, by: Agent, tag_id: str) -> Tag:
    """Offered again. Raises Forbidden, NotFound."""
    check_supervisor(by)
    before = await _tag(desk, tag_id, NotFound)
    if not before.archived:
        return before
    changed = dataclasses.replace(before, archived_at=None)
    return await _save(desk, by, TAG_RESTORE, changed, {"name": before.name}, "restore")


async def _save(desk: Desk, by: Agent, action: str, changed: Tag, data: dict, told: str) -> Tag:
    now = desk.clock.now()
    changed = dataclasses.replace(changed, updated_at=now, updated_by=by.id)
    after = await desk.store.update_tag(changed, audit.entry(action, _target(changed), now, actor_id=by.id,
                                                             data=data))
    if after is None:  # tags are never deleted; only a store emptied under us
        raise NotFound("no such tag")
    _tell_list(desk, told, after)
    return after


# chats
async def chat_tags(desk: Desk, agent: Agent, chat_id: str) -> list[Tag]:
    """The chat's tags, for an agent who may see it. Raises NotFound, Forbidden."""
    chat = await _chat_for(desk, agent, chat_id)
    return (await desk.store.tags_of("chat", [chat.id])).get(chat.id, [])


async def tag_chat(desk: Desk, agent: Agent, chat_id: str, tag_id: str) -> list[Tag]:
    """Puts the tag on the chat (again: nothing changes); its tags after.
    Raises NotFound (the chat), Forbidden (not the agent's chat),
    UnknownTag, TagArchived, TooLarge past MAX_ON_ONE."""
    chat = await _chat_for(desk, agent, chat_id)
    return await _put(desk, agent, "chat", chat.id, tag_id, await _chat_rooms(desk, chat, agent))


async def untag_chat(desk: Desk, agent: Agent, chat_id: str, tag_id: str) -> list[Tag]:
    """Takes the tag off the chat (archived or not; not there: nothing
    changes); its tags after. Raises NotFound, Forbidden, UnknownTag."""
    chat = await _chat_for(desk, agent, chat_id)
    return await _take(desk, agent, "chat", chat.id, tag_id, await _chat_rooms(desk, chat, agent))


# tickets
async def ticket_tags(desk: Desk, ticket_id: str) -> list[Tag]:
    await _ticket(desk, ticket_id)
    return (await desk.store.tags_of("ticket", [ticket_id])).get(ticket_id, [])


async def tag_ticket(desk: Desk, agent: Agent, ticket_id: str, tag_id: str) -> list[Tag]:
    """As tag_chat, for any agent. Raises NotFound, UnknownTag, TagArchived, TooLarge."""
    await _ticket(desk, ticket_id)
    return await _put(desk, agent, "ticket", ticket_id, tag_id, LIST_ROOMS)


async def untag_ticket(desk: Desk, agent: Agent, ticket_id: str, tag_id: str) -> list[Tag]:
    await _ticket(desk, ticket_id)
    return await _take(desk, agent, "ticket", ticket_id, tag_id, LIST_ROOMS)


# the parts
async def _put(desk: Desk, agent: Agent, kind: str, owner_id: str, tag_id: str,
               to: tuple[str, ...]) -> list[Tag]:
    tag = await _tag(desk, tag_id, UnknownTag)
    carried = (await desk.store.tags_of(kind, [owner_id])).get(owner_id, [])
    if any(t.id == tag.id for t in carried):
        return carried
    if tag.archived:
        raise TagArchived(f"the tag {tag.name!r} is archived: it is put on nothing new")
    if len(carried) >= MAX_ON_ONE:
        raise TooLarge(f"at most {MAX_ON_ONE} tags on one {kind}", limit=MAX_ON_ONE)
    now = desk.clock.now()
    action = CHAT_TAG if kind == "chat" else TICKET_TAG
    if await desk.store.add_tag_to(kind, owner_id, tag.id, now, agent.id, audit.entry(
            action, f"{kind}:{owner_id}", now, actor_id=agent.id, data={"tag_id": tag.id, "tag": tag.name})):
        return await _tell_owner(desk, kind, owner_id, to)
    return await _tags_now(desk, kind, owner_id)


async def _take(desk: Desk, agent: Agent, kind: str, owner_id: str, tag_id: str,
                to: tuple[str, ...]) -> list[Tag]:
    tag = await _tag(desk, tag_id, UnknownTag)
    now = desk.clock.now()
    action = CHAT_UNTAG if kind == "chat" else TICKET_UNTAG
    if await desk.store.remove_tag_from(kind, owner_id, tag.id, audit.entry(
            action, f"{kind}:{owner_id}", now, actor_id=agent.id, data={"tag_id": tag.id, "tag": tag.name})):
        return await _tell_owner(desk, kind, owner_id, to)
    return await _tags_now(desk, kind, owner_id)


async def _tags_now(desk: Desk, kind: str, owner_id: str) -> list[Tag]:
    return (await desk.store.tags_of(kind, [owner_id])).get(owner_id, [])


async def _tell_owner(desk: Desk, kind: str, owner_id: str, to: tuple[str, ...]) -> list[Tag]:
    """Everyone who shows the chat or ticket gets its tags after the change."""
    now = await _tags_now(desk, kind, owner_id)
    shown = [tag_view(t) for t in now]
    for room in to:
        if kind == "chat":
            desk.events.add(ev.ChatTags(room, {"chat_id": owner_id, "tags": shown}))
        else:
            desk.events.add(ev.TicketTags(room, {"ticket_id": owner_id, "tags": shown}))
    return now


async def _chat_for(desk: Desk, agent: Agent, chat_id: str) -> Chat:
    """The chat, if `agent` holds it, had it, or is a supervisor."""
    chat = await desk.chats.get(chat_id)
    if agent.role is Role.SUPERVISOR or chat.agent_id == agent.id:
        return chat
    if agent.id in await desk.store.chat_agents(chat.id):
        return chat
    raise Forbidden("this chat is not yours")


async def _chat_rooms(desk: Desk, chat: Chat, actor: Agent) -> tuple[str, ...]:
    """The consoles of every agent who had or holds the chat (an ended chat
    stays in its tab), the actor's, and the dashboards."""
    agents = set(await desk.store.chat_agents(chat.id))
    agents |= {chat.agent_id} if chat.agent_id else set()
    agents |= {actor.id} if actor.role is Role.AGENT else set()  # a lead's page is the dashboard
    return (*(rooms.agent(a) for a in sorted(agents)), rooms.SUPERVISORS)


async def _tag(desk: Desk, tag_id: str, missing: type[DeskError]) -> Tag:
    tag = await desk.store.tag_by_id(tag_id)
    if tag is None:
        raise missing("no such tag")
    return tag


async def _ticket(desk: Desk, ticket_id: str) -> None:
    if await desk.store.ticket_by_id(ticket_id) is None:
        raise NotFound("no such ticket")


def _tell_list(desk: Desk, action: str, tag: Tag) -> None:
    """Open consoles and dashboards change their lists without a reload."""
    for room in LIST_ROOMS:
        desk.events.add(ev.TagsChanged(room, {"action": action, "tag": tag_view(tag)}))


def _target(tag: Tag) -> str:
    return f"tag:{tag.id}"

