"""Topics leads keep in the dashboard, over the file's `[topics.NAME]`.

The file's topics are the operator's; a lead adds topics of their own, or
changes the fields of `TopicDraft` of a file topic by keeping a dashboard
topic of the same name (the file topic's other fields, such as its
evidence, stay the file's). Removing that dashboard topic brings the file's
back. `Desk.topics` holds the result, the only topic list the rest of the
desk reads; every node reads it again when one changes it (`LiveState`
broadcast "topics"), and the dashboards hear `topic`.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from ..config import ConfigError, FrozenMap, TopicConfig, check_topic
from . import audit, rooms
from . import events as ev
from .context import Desk
from .errors import BadRequest, Conflict, Forbidden, NotFound, TooLarge
from .model import Agent, DeskTopic
from .roles import supervisors_only
from .throttle import settings_change
from .views import iso


TOPIC = "topics"  # the change broadcast's topic
MAX_TOPICS = 200  # dashboard topics: the widget's and the console's lists stay short
REASON_CHARS = 500
# audit actions, on target `topic:<name>`
TOPIC_ADD = "topic_add"
TOPIC_UPDATE = "topic_update"
TOPIC_REMOVE = "topic_remove"


@dataclasses.dataclass(frozen=True, slots=True)
class TopicDraft:
    """What a lead sets of a topic (the fields of TopicConfig it overrides)."""

    skill: str = ""
    priority: str = "medium"
    chat: bool = True
    reason: str = ""
    department: str = ""
    verified_only: bool = False


EDITED = tuple(f.name for f in dataclasses.fields(TopicDraft))


def effective(file_topics: Mapping[str, TopicConfig], stored: Iterable[DeskTopic]) -> Mapping[str, TopicConfig]:
    """The file's topics in their order, each dashboard topic over the one of
    its name (its EDITED fields; the rest stay the file's), then the
    dashboard's own topics by name."""
    merged = dict(file_topics)
    for topic in stored:
        merged[topic.name] = dataclasses.replace(merged.get(topic.name, TopicConfig()), **_fields(topic))
    return FrozenMap(merged)


def _fields(topic: DeskTopic | TopicConfig | TopicDraft) -> dict[str, Any]:
    return {name: getattr(topic, name) for name in EDITED}


def topic_view(name: str, topic: TopicConfig, stored: DeskTopic | None, in_file: bool) -> dict[str, Any]:
    """TOPIC of docs/protocol.md: `source` "file" (the file's only),
    "dashboard" (a lead's only) or "override" (a lead's over the file's)."""
    source = "override" if stored and in_file else "dashboard" if stored else "file"
    return {"name": name, **_fields(topic), "source": source, "updated_at": iso(stored.updated_at) if stored else None,
            "updated_by": stored.updated_by if stored else None}


def check_draft(name: str, draft: TopicDraft) -> TopicDraft:
    """The draft with its reason stripped; raises BadRequest naming the field
    for a name, skill or department that is not a name as the file's, or a
    priority that is not one of the desk's."""
    draft = dataclasses.replace(draft, reason=draft.reason.strip())
    if len(draft.reason) > REASON_CHARS:
        raise BadRequest(f"reason: at most {REASON_CHARS} characters")
    try:
        check_topic(name, TopicConfig(**_fields(draft)))
    except ConfigError as error:
        raise BadRequest(str(error)) from None
    return draft


check_supervisor = supervisors_only("change topics")


class TopicService:
    def __init__(self, desk: Desk) -> None:
        self._desk = desk
        self._stored: dict[str, DeskTopic] = {}  # the dashboard's, as last read
        # Another node changed a topic (its dashboards have been told): this
        # node reads them again; routing waits for it (`Desk.settled`).
        desk.reload_on(TOPIC, self.load, "the topics")

    async def load(self) -> None:
        """`Desk.topics` from the file's and the stored ones (at start-up and after every change)."""
        stored = await self._desk.store.list_topics()
        self._stored = {t.name: t for t in stored}
        self._desk.topics = effective(self._desk.config.topics, stored)

    def listed(self) -> list[dict[str, Any]]:
        """Every topic in effect, as TOPIC."""
        file_topics = self._desk.config.topics
        return [topic_view(name, topic, self._stored.get(name), name in file_topics)
                for name, topic in self._desk.topics.items()]

    def view(self, name: str) -> dict[str, Any]:
        return topic_view(name, self._desk.topics[name], self._stored.get(name), name in self._desk.config.topics)

    async def add(self, by: Agent, name: str, draft: TopicDraft) -> dict[str, Any]:
        """A dashboard topic: a new one, or over the file's of that name.
        Raises Forbidden, BadRequest, Conflict (the dashboard has it: change
        it), TooLarge past MAX_TOPICS."""
        check_supervisor(by)
        draft = check_draft(name, draft)
        await settings_change(self._desk, by.id, "topic")
        stored = await self._desk.store.list_topics()
        if len(stored) >= MAX_TOPICS:
            raise TooLarge(f"at most {MAX_TOPICS} topics in the dashboard", limit=MAX_TOPICS)
        now = self._desk.clock.now()
        topic = DeskTopic(name=name, **_fields(draft), updated_at=now, updated_by=by.id)
        await self._desk.store.add_topic(topic, audit.entry(
            TOPIC_ADD, _target(name), now, actor_id=by.id,
            data={"topic": _fields(draft), "over_file": name in self._desk.config.topics}))
        return await self._changed("add", name)

    async def update(self, by: Agent, name: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Changes some EDITED fields of a topic in effect (at least one); a
        file topic's first change keeps it in the dashboard. Raises
        Forbidden, NotFound, BadRequest."""
        check_supervisor(by)
        if unknown := set(changes) - set(EDITED):
            raise BadRequest(f"not a topic field: {', '.join(sorted(unknown))}")
        if not changes:
            raise BadRequest("nothing to change: send one of " + ", ".join(EDITED))
        await settings_change(self._desk, by.id, "topic")
        stored = {t.name: t for t in await self._desk.store.list_topics()}
        base = stored.get(name) or self._desk.config.topics.get(name)
        if base is None:
            raise NotFound(f'no topic "{name}"')
        was = TopicDraft(**_fields(base))
        draft = check_draft(name, dataclasses.replace(was, **changes))
        now = self._desk.clock.now()
        topic = DeskTopic(name=name, **_fields(draft), updated_at=now, updated_by=by.id)
        changed = {k: v for k, v in _fields(draft).items() if getattr(was, k) != v}
        entry = audit.entry(TOPIC_UPDATE, _target(name), now, actor_id=by.id,
                            data={"set": changed, "was": {k: getattr(was, k) for k in changed}})
        if name in stored:
            if await self._desk.store.update_topic(topic, entry) is None:  # removed meanwhile
                raise NotFound(f'no topic "{name}" in the dashboard')
        else:
            await self._desk.store.add_topic(topic, entry)
        return await self._changed("update", name)

    async def remove(self, by: Agent, name: str) -> dict[str, Any]:
        """The dashboard topic removed: the file's of that name is in effect
        again (answered), else the topic is gone (answered as it was).
        Raises Forbidden, NotFound, Conflict for a topic of the file only."""
        check_supervisor(by)
        await settings_change(self._desk, by.id, "topic")
        in_file = name in self._desk.config.topics
        removed = await self._desk.store.remove_topic(name, audit.entry(
            TOPIC_REMOVE, _target(name), self._desk.clock.now(), actor_id=by.id,
            data={"back_to_file": in_file}))
        if removed is None:
            if in_file:
                raise Conflict(f'the topic "{name}" is the configuration file\'s: change it here, '
                               f"or ask the operator to remove it from the file")
            raise NotFound(f'no topic "{name}" in the dashboard')
        if in_file:
            return await self._changed("update", name)
        return await self._changed("remove", name, gone=removed)

    async def _changed(self, action: str, name: str, gone: DeskTopic | None = None) -> dict[str, Any]:
        """After the store's commit: the other nodes are told to read the
        topics again (first: this node's own read may fail), this node reads
        them, and every dashboard hears of the topic as it is now (`gone`:
        as it was, removed)."""
        await self._desk.live.publish(TOPIC, name)
        await self.load()
        view = topic_view(name, TopicConfig(**_fields(gone)), gone, False) if gone else self.view(name)
        self._desk.events.add(ev.TopicChanged(rooms.SUPERVISORS, {"action": action, "topic": view}))
        return view


def _target(name: str) -> str:
    return f"topic:{name}"
