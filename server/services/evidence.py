"""The evidence a ticket's topic asks for (`[topics.NAME] evidence`,
policy/evidence.py): checked when a ticket is opened, and shown to the
clients that open or read tickets.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..config import TopicConfig
from ..policy.evidence import CATALOGUE, BadEvidence, Kind, cleaned, missing
from .errors import BadRequest, EvidenceMissing
from .model import Ticket


def checked_evidence(topic: TopicConfig | None, given: Mapping[str, str], *, files: int | None) -> dict[str, str]:
    """The evidence given, cleaned, once it holds every field `topic` asks
    for; `files`: how many files the ticket carries, None when it cannot
    carry any yet (its `files` fields are then not asked for). Raises
    BadRequest for a field not in the catalogue or a bad link, and
    EvidenceMissing (`missing`: the names, in the topic's order)."""
    try:
        evidence = cleaned(given)
    except BadEvidence as bad:
        raise BadRequest(str(bad), field=bad.field) from None
    asked = [name for name in (topic.evidence if topic else ())
             if files is not None or CATALOGUE[name].kind is not Kind.FILES]
    lacking = missing(asked, evidence, files or 0)
    if lacking:
        raise EvidenceMissing("this topic's tickets need: " + "; ".join(CATALOGUE[n].label for n in lacking),
                              missing=lacking)
    return evidence


def topics_evidence(topics: Mapping[str, TopicConfig]) -> dict[str, list[str]]:
    """{topic: [field names]} for the topics that ask for evidence (the
    visitor's `session`: its ticket form shows them before it is sent)."""
    return {name: list(topic.evidence) for name, topic in topics.items() if topic.evidence}


def evidence_fields(topic: TopicConfig | None, ticket: Ticket, files: int) -> list[dict[str, Any]]:
    """What an agent sees of a ticket's evidence: each field its topic
    asks for or it carries, `{"name", "kind", "label", "value"?, "missing"}`
    (a files field's value is the ticket's attachments, shown beside)."""
    names: Sequence[str] = list(dict.fromkeys([*(topic.evidence if topic else ()), *ticket.evidence]))
    out = []
    for name in names:
        field = CATALOGUE.get(name)
        if field is None:  # a field dropped from the catalogue since: shown by name
            out.append({"name": name, "kind": "text", "label": name, "value": ticket.evidence[name],
                        "missing": False})
            continue
        have = files > 0 if field.kind is Kind.FILES else bool(ticket.evidence.get(name))
        view: dict[str, Any] = {"name": name, "kind": str(field.kind), "label": field.label, "missing": not have}
        if name in ticket.evidence:
            view["value"] = ticket.evidence[name]
        out.append(view)
    return out
