"""/api/v1/chats: the desk's chats, their transcripts, and what an
integration may do to one: write as the agent who holds it, end it, tag it."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from ...realtime.common import check_text
from ...services import listing, tags
from ...services.chats import Actor
from ...services.errors import Conflict, UnknownTag
from ...services.listing_types import ChatFilter
from ...services.model import Author, Chat, ChatStatus, Message
from ...services.tokens import new_id
from ..params import Id, Instant, SiteKey
from .registry import Call, operation
from .scope import acting, site_filter, site_keys
from .types import NextCursor, Ok, PageQuery, after_of, decode_cursor, page_of, time_key

ChatStatusName = Literal["queued", "active", "ended"]
PriorityName = Literal["critical", "high", "medium", "low"]
TagName = Annotated[str, msgspec.Meta(min_length=1, max_length=40, description="A tag's name (any case)")]
MAX_TAGS = 20


class ChatItem(msgspec.Struct, kw_only=True):
    """A chat (CHAT of the protocol, as agents see it)."""

    id: Annotated[str, msgspec.Meta(description="The chat's id")]
    site: Annotated[str, msgspec.Meta(description="The key of the site the chat came from")]
    visitor_id: Annotated[str, msgspec.Meta(description="The visitor who started it")]
    status: Annotated[ChatStatusName, msgspec.Meta(description="queued: waits for an agent; active: an agent "
                                                               "holds it; ended")]
    priority: Annotated[PriorityName, msgspec.Meta(description="Its place in the queue")]
    topic: Annotated[str | None, msgspec.Meta(description="The topic the visitor chose")]
    agent_id: Annotated[str | None, msgspec.Meta(description="The agent who holds it (or held it last)")]
    started_at: Annotated[datetime, msgspec.Meta(description="When the visitor started it (UTC)")]
    assigned_at: Annotated[datetime | None, msgspec.Meta(description="When its agent got it (UTC)")]
    ended_at: Annotated[datetime | None, msgspec.Meta(description="When it ended (UTC)")]
    end_reason: Annotated[str | None, msgspec.Meta(
        description="Why it ended: visitor, agent, converted (to a ticket), abandoned, suspended")]
    last_seq: Annotated[int, msgspec.Meta(ge=0, description="The number of its last message")]


class ChatList(msgspec.Struct, kw_only=True):
    """A page of chats, the latest started first."""

    ok: Ok = True
    items: list[ChatItem]
    next_cursor: NextCursor


class ChatAnswer(msgspec.Struct, kw_only=True):
    """One chat."""

    ok: Ok = True
    chat: ChatItem


class ChatListQuery(PageQuery):
    """Filters of the chat list; each left out is no filter."""

    lists = ("status",)
    status: Annotated[tuple[ChatStatusName, ...], msgspec.Meta(
        max_length=3, description="Comma-separated: queued,active,ended")] = ()
    site: Annotated[SiteKey | None, msgspec.Meta(
        description="A site's key (a site token sees its own site only)")] = None
    agent_id: Annotated[Id | None, msgspec.Meta(description="Chats this agent held at any point")] = None
    visitor_id: Annotated[Id | None, msgspec.Meta(description="Chats of this visitor")] = None
    since: Annotated[Instant | None, msgspec.Meta(description="Started at or after (ISO 8601 with offset)")] = None
    until: Annotated[Instant | None, msgspec.Meta(description="Started before (ISO 8601 with offset)")] = None


class MessageItem(msgspec.Struct, kw_only=True):
    """A message of a chat's transcript (agents' internal notes are never listed)."""

    chat_id: Annotated[str, msgspec.Meta(description="The chat's id")]
    seq: Annotated[int, msgspec.Meta(ge=1, description="Its number in the chat, from 1")]
    author: Annotated[Literal["visitor", "agent", "system"], msgspec.Meta(description="Who wrote it")]
    agent_id: Annotated[str | None, msgspec.Meta(description="The agent who wrote it (author agent)")]
    text: Annotated[str, msgspec.Meta(description="What was written")]
    at: Annotated[datetime, msgspec.Meta(description="When it was written (UTC)")]


class MessageList(msgspec.Struct, kw_only=True):
    """A page of a chat's transcript, the oldest first."""

    ok: Ok = True
    items: list[MessageItem]
    next_cursor: NextCursor


class MessageAnswer(msgspec.Struct, kw_only=True):
    """The message written."""

    ok: Ok = True
    message: MessageItem


class MessageSend(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A message to the visitor, written as an agent who holds the chat."""

    text: Annotated[str, msgspec.Meta(min_length=1, max_length=20000, description=(
        "The message (at most the desk's `[limits] message_chars`, 4000 by default)"))]
    agent_id: Annotated[Id | None, msgspec.Meta(description=(
        "The agent it is written as; left out: the agent who holds the chat. Refused unless that "
        "agent holds the chat"))] = None


class TagsSet(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The chat's tags, all of them: those missing are put on, the others taken off."""

    tags: Annotated[list[TagName], msgspec.Meta(max_length=MAX_TAGS, description="Tag names from the desk's list")]


class TagsAnswer(msgspec.Struct, kw_only=True):
    """The chat's tags after the change."""

    ok: Ok = True
    tags: Annotated[list[str], msgspec.Meta(description="The names of the tags the chat carries")]


def chat_item(chat: Chat, keys: dict[str, str]) -> ChatItem:
    return ChatItem(id=chat.id, site=keys.get(chat.site_id, ""), visitor_id=chat.visitor_id, status=str(chat.status),
                    priority=str(chat.priority), topic=chat.topic, agent_id=chat.agent_id,
                    started_at=chat.started_at, assigned_at=chat.assigned_at, ended_at=chat.ended_at,
                    end_reason=chat.end_reason, last_seq=chat.last_seq)


def message_item(message: Message) -> MessageItem:
    agent_id = message.author_id if message.author is Author.AGENT else None
    return MessageItem(chat_id=message.chat_id, seq=message.seq, author=str(message.author), agent_id=agent_id,
                       text=message.text, at=message.at)


async def chat_of(call: Call) -> Chat:
    """The chat of the path, if the token's site has it (NotFound)."""
    chat = await call.services.chats.chat(call.path["chat_id"])
    call.check_site(chat.site_id)
    return chat


@operation("GET", "/chats", operation_id="listChats", summary="List chats", tag="chats", scope="read",
           response=ChatList, query=ChatListQuery)
async def list_chats(call: Call) -> ChatList:
    """Chats matching every filter given, the latest started first, a page at a time."""
    q: ChatListQuery = call.query
    filters = ChatFilter(statuses=tuple(ChatStatus(s) for s in q.status), site_id=await site_filter(call, q.site),
                         agent_id=q.agent_id, visitor_id=q.visitor_id, since=q.since, until=q.until,
                         after=after_of(q.cursor))
    page, cursor = page_of(await listing.chats(call.services.desk, filters, q.limit + 1), q.limit, time_key)
    keys = await site_keys(call)
    return ChatList(items=[chat_item(c, keys) for c in page], next_cursor=cursor)


@operation("GET", "/chats/{chat_id}", operation_id="getChat", summary="Get a chat", tag="chats", scope="read",
           response=ChatAnswer)
async def get_chat(call: Call) -> ChatAnswer:
    """One chat, as it is now."""
    return ChatAnswer(chat=chat_item(await chat_of(call), await site_keys(call)))


@operation("GET", "/chats/{chat_id}/messages", operation_id="listChatMessages", summary="Read a chat's transcript",
           tag="chats", scope="read", response=MessageList, query=PageQuery)
async def list_messages(call: Call) -> MessageList:
    """The chat's messages in order, a page at a time: what the visitor saw
    (agents' internal notes are never listed)."""
    q: PageQuery = call.query
    chat = await chat_of(call)
    after = decode_cursor(q.cursor, int) or 0
    found = await listing.transcript(call.services.desk, chat.id, after, q.limit + 1)
    page, cursor = page_of(found, q.limit, lambda m: m.seq)
    return MessageList(items=[message_item(m) for m in page], next_cursor=cursor)


@operation("POST", "/chats/{chat_id}/messages", operation_id="sendChatMessage", summary="Write to a chat's visitor",
           tag="chats", scope="write", response=MessageAnswer, status=201, body=MessageSend)
async def send_message(call: Call) -> MessageAnswer:
    """Writes to the visitor as the agent who holds the chat, as if from
    their console (their other consoles and the visitor see it at once).
    409 if the chat has ended or nobody holds it yet; 403 if `agent_id` does not hold it."""
    cmd: MessageSend = call.body
    chat = await chat_of(call)
    agent_id = cmd.agent_id or chat.agent_id
    if agent_id is None:
        raise Conflict("nobody holds this chat yet: it waits in the queue")
    chats = call.services.chats
    pending = await chats.send(Actor(Author.AGENT, agent_id), chat.id, new_id(), check_text(call.services, cmd.text))
    return MessageAnswer(message=message_item(await pending))


@operation("POST", "/chats/{chat_id}/end", operation_id="endChat", summary="End a chat", tag="chats",
           scope="write", response=ChatAnswer)
async def end_chat(call: Call) -> ChatAnswer:
    """Ends the chat as the agent who holds it would (the visitor is told,
    the agent's slot is freed). 409 if it has ended or nobody holds it yet."""
    chat = await chat_of(call)
    if chat.agent_id is None:
        raise Conflict("nobody holds this chat yet: it waits in the queue")
    ended = await call.services.chats.end(Actor(Author.AGENT, chat.agent_id), chat.id)
    return ChatAnswer(chat=chat_item(ended, await site_keys(call)))


@operation("PUT", "/chats/{chat_id}/tags", operation_id="setChatTags", summary="Set a chat's tags", tag="chats",
           scope="write", response=TagsAnswer, body=TagsSet)
async def set_chat_tags(call: Call) -> TagsAnswer:
    """The chat carries exactly the tags named afterwards: each put on or
    taken off is audited (actor `token:<id>`), spends the desk's
    `events_per_minute` budget of tag changes, and shows in every console
    that shows the chat. 400 `unknown_tag` for a name not on the desk's
    list; 409 `tag_archived` to put on an archived tag."""
    cmd: TagsSet = call.body
    chat, desk, actor = await chat_of(call), call.services.desk, acting(call)
    by_name = {t.name.casefold(): t for t in await tags.list_tags(desk)}
    wanted = {}
    for name in cmd.tags:
        if (tag := by_name.get(name.strip().casefold())) is None:
            raise UnknownTag(f"no tag is named {name!r}")
        wanted[tag.id] = tag
    current = await tags.chat_tags(desk, actor, chat.id)
    carried, now = {t.id for t in current}, [t.name for t in current]
    for tag_id in [i for i in wanted if i not in carried]:
        await call.services.throttle.tagging(actor.id)
        now = [t.name for t in await tags.tag_chat(desk, actor, chat.id, tag_id)]
    for tag_id in [i for i in carried if i not in wanted]:
        await call.services.throttle.tagging(actor.id)
        now = [t.name for t in await tags.untag_chat(desk, actor, chat.id, tag_id)]
    return TagsAnswer(tags=now)
