"""The topics in effect: the file's, a lead's over them field by field (the
file's other fields kept), and back to the file's when the lead's goes."""
from __future__ import annotations

import dataclasses

from server.config import DEFAULT_TOPICS, TopicConfig
from server.services.model import DeskTopic
from server.services.topics import EDITED, effective


@dataclasses.dataclass(frozen=True)
class WithEvidence(TopicConfig):
    """A file topic with a field the dashboard does not edit."""

    evidence: tuple[str, ...] = ()


FILE = {"general": TopicConfig(), "api": WithEvidence(skill="api", priority="high", evidence=("call", "response"))}


def test_without_dashboard_topics_the_files_are_in_effect():
    assert dict(effective(DEFAULT_TOPICS, [])) == dict(DEFAULT_TOPICS)


def test_a_dashboard_topic_overrides_what_a_lead_edits_and_keeps_the_files_other_fields():
    lead = DeskTopic(name="api", skill="engineers", priority="low", chat=False, reason="Tickets only")
    api = effective(FILE, [lead])["api"]
    assert isinstance(api, WithEvidence) and api.evidence == ("call", "response")
    assert (api.skill, api.priority, api.chat, api.refusal) == ("engineers", "low", False, "Tickets only")
    assert FILE["api"].skill == "api"  # the file's stays as it was, for a fallback


def test_every_field_a_lead_edits_is_taken_even_back_to_a_default():
    lead = DeskTopic(name="api")  # every edited field at TopicConfig's default
    api = effective(FILE, [lead])["api"]
    assert {name: getattr(api, name) for name in EDITED} == {name: getattr(TopicConfig(), name) for name in EDITED}


def test_dashboard_only_topics_come_after_the_files_by_name():
    topics = effective(FILE, [DeskTopic(name="refunds", skill="money"), DeskTopic(name="general", priority="high")])
    assert list(topics) == ["general", "api", "refunds"]
    assert topics["refunds"] == TopicConfig(skill="money") and topics["general"].priority == "high"


def test_removing_the_dashboard_topic_brings_the_files_back():
    assert effective(FILE, [])["api"] == FILE["api"]
    assert "refunds" not in effective(FILE, [])
