"""Known failures that other branches are fixing, excused here by name so
the fuzzer keeps checking everything else. Each entry has a strict xfail
test in test_known.py that reproduces it: once the fix lands, that test
passes, strict xfail turns it red, and the entry and the mark go together.
"""
from __future__ import annotations

import dataclasses
import logging

UNSUPPORTED = ("The client is using an unsupported version of the Socket.IO or Engine.IO protocols (further "
               "occurrences of this error will be logged with level INFO)")


@dataclasses.dataclass(frozen=True)
class KnownIssue:
    name: str
    fixed_by: str
    reason: str


ENGINEIO_BAD_PACKET = KnownIssue(
    "engineio-bad-packet",
    "the transport branch (server/realtime/dispatch.py: engine.io's websocket loop)",
    "a websocket frame that is no Engine.IO packet: an empty text frame, or one that does not start with a digit, "
    "makes python-engineio raise ValueError ('Invalid empty packet received', 'invalid literal for int()') out of "
    "its websocket loop, aiohttp logs 'Error handling request' with the traceback and the connection drops "
    "without a close frame (1006); an unknown packet type (7, 8, 9) "
    "logs 'Unknown receive error' with an IndexError traceback; a request to /socket.io/ without EIO=4 logs "
    "'unsupported version' at ERROR (the first time). Found by this fuzzer",
)



def skipped_frame(frame: str | bytes) -> KnownIssue | None:
    """The known issue a raw frame would only show again, if any: the
    fuzzer leaves such frames out until the fix lands."""
    if isinstance(frame, str) and (frame == "" or frame[0] not in "0123456789"):
        return ENGINEIO_BAD_PACKET
    return None


def excused(record: logging.LogRecord) -> KnownIssue | None:
    """The known issue a log record is the symptom of, if any."""
    if record.name == "engineio.server" and record.getMessage() in ("Unknown receive error", UNSUPPORTED):
        return ENGINEIO_BAD_PACKET
    return None


QUERY_BOUNDS = KnownIssue(
    "query-bounds",
    "the auth branch (query-parameter bounds of the REST API)",
    "an `offset` (or another integer parameter without an upper bound) too large for the database's integer "
    "answers 500 on /api/tickets, /api/audit, /api/alerts",
)


def skipped_request(path: str, query: list[tuple[str, object]]) -> KnownIssue | None:
    """The known issue a REST request would only show again, if any."""
    for key, value in query:
        if key == "offset" and isinstance(value, str) and value.strip().lstrip("+-").isdigit() \
                and not -(2**63) <= int(value) < 2**63:
            return QUERY_BOUNDS
    return None
KNOWN = (ENGINEIO_BAD_PACKET, QUERY_BOUNDS)
