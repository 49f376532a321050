"""The evidence catalogue's rules, pure: what counts as given, in which
order the missing fields are named, what a link is."""
from __future__ import annotations

import pytest

from server.policy.evidence import BadEvidence, cleaned, missing


def test_missing_fields_come_in_the_topics_order_and_blank_is_not_given():
    given = cleaned({"api_response": "  ", "document_url": "https://d.test/1"})
    assert given == {"document_url": "https://d.test/1"}
    assert missing(["api_response", "api_call", "document_url"], given, files=0) == ["api_response", "api_call"]


def test_a_files_field_is_given_by_at_least_one_file():
    assert missing(["files"], {}, files=0) == ["files"]
    assert missing(["files"], {}, files=1) == []


@pytest.mark.parametrize("link", ["javascript:alert(1)", "ftp://d.test/x", "https://", "https://d.test/a b",
                                  "d.test/doc", "data:text/html,hi"])
def test_a_document_link_is_an_http_or_https_address(link):
    with pytest.raises(BadEvidence) as refused:
        cleaned({"document_url": link})
    assert refused.value.field == "document_url"


@pytest.mark.parametrize("given", [{"mood": "sad"}, {"files": "a.csv"}, {"api_call": "x" * 4001}])
def test_unknown_fields_files_as_text_and_overlong_values_are_refused(given):
    with pytest.raises(BadEvidence):
        cleaned(given)


def test_values_are_trimmed_and_ordered_as_the_catalogue():
    assert list(cleaned({"api_response": " 500 ", "api_call": "GET /x"}).items()) == [
        ("api_call", "GET /x"), ("api_response", "500")]
