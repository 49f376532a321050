"""Surveys: when a chat ends the visitor is asked for a 1-5 rating and a
comment, once per chat, within `[policy] survey_window_s`; the survey is
tied to every agent who handled the chat. A supervisor may exclude one from
the agents' scores with a reason (what staff could not control), audited."""
from __future__ import annotations

from datetime import timedelta

from . import audit, rooms
from . import events as ev
from .context import Desk
from .errors import BadRequest, Conflict, Forbidden, NotFound
from .hook_events import chat_data, stage
from .model import Agent, ChatStatus, EndReason, Survey, Visitor
from .signals import Signals
from .tokens import new_id
from .views import iso

# Chats that end with a survey: not a suspension (the visitor is shown the
# door), and only chats an agent handled.
SURVEYED = frozenset({EndReason.VISITOR, EndReason.AGENT, EndReason.CONVERTED, EndReason.ABANDONED})
COMMENT_CHARS = 2000
SURVEY_EXCLUDE = "survey_exclude"  # the audit log's action


def survey_view(survey: Survey, agents: list[Agent] | None = None) -> dict:
    """`agents`: who the rating counts for, in the order they handled the
    chat (`SurveyService.view` reads them)."""
    view = {"id": survey.id, "chat_id": survey.chat_id, "rating": survey.rating, "comment": survey.comment,
            "created_at": iso(survey.created_at), "excluded_reason": survey.excluded_reason,
            "excluded_at": iso(survey.excluded_at)}
    if agents is not None:
        view["agents"] = [{"id": agent.id, "name": agent.name} for agent in agents]
    return view


class SurveyService:
    def __init__(self, desk: Desk, signals: Signals) -> None:
        self._desk = desk
        self._signals = signals

    async def submit(self, visitor: Visitor, chat_id: str, rating: int, comment: str | None) -> Survey:
        desk, now = self._desk, self._desk.clock.now()
        chat = await desk.store.chat_by_id(chat_id)
        if chat is None:
            raise NotFound("no such chat")
        if chat.visitor_id != visitor.id:
            raise Forbidden("this chat is not yours")
        if chat.status is not ChatStatus.ENDED or chat.end_reason not in SURVEYED or chat.assigned_at is None:
            raise Conflict("a chat can be rated once an agent has handled it and it has ended")
        window = desk.config.policy.survey_window_s
        if now - chat.ended_at > timedelta(seconds=window):
            raise Conflict(f"a chat can be rated within {window} s of its end")
        if comment is not None and len(comment) > COMMENT_CHARS:
            raise BadRequest(f"a comment has at most {COMMENT_CHARS} characters")
        survey = Survey(id=new_id(), chat_id=chat.id, site_id=chat.site_id, visitor_id=visitor.id, rating=rating,
                        created_at=now, account_id=visitor.account, comment=comment or None)
        with stage(desk, chat.site_id, "survey.submitted", chat_data(chat, survey=survey_view(survey)),
                   chat_id=chat.id):
            survey = await desk.store.save_survey(survey)
        desk.events.add(ev.SurveyTaken(rooms.SUPERVISORS, await self.view(survey)))
        await self._signals.rated(visitor, survey)
        return survey

    async def exclude(self, supervisor: Agent, survey_id: str, reason: str) -> Survey:
        """Leaves a survey out of its agents' scores; audited."""
        reason = audit.reason_of(reason)
        desk, now = self._desk, self._desk.clock.now()
        survey = await desk.store.survey_by_id(survey_id)
        if survey is None:
            raise NotFound("no such survey")
        if survey.excluded_reason is not None:
            raise Conflict("this survey is already excluded")
        excluded = await desk.store.exclude_survey(survey.id, reason, supervisor.id, now, audit.entry(
            SURVEY_EXCLUDE, f"survey:{survey.id}", now, actor_id=supervisor.id, reason=reason,
            data={"chat_id": survey.chat_id, "rating": survey.rating}))
        desk.events.add(ev.SurveyTaken(rooms.SUPERVISORS, await self.view(excluded)))
        return excluded

    async def view(self, survey: Survey) -> dict:
        """The survey with the agents it is tied to (removed ones too: their
        scores keep it), so that a supervisor sees whose score a rating or
        an exclusion changes."""
        store = self._desk.store
        ids = await store.chat_agents(survey.chat_id)
        found = {agent.id: agent for agent in await store.agents_by_ids(ids)}
        return survey_view(survey, [found[i] for i in ids if i in found])
