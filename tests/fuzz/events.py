"""Driving a namespace's events with generated input over a raw socket, and
the properties every example must keep.

The events come from the live server (`Namespace.events`), so a new event is
fuzzed (with random JSON) the day it is added; `COMMANDS` says which msgspec
struct describes its payload, for inputs of the right shape, and
test_coverage.py fails while an event has none.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hypothesis import event as outcome_event, example, given, note
from hypothesis import strategies as st

from server.realtime import commands as c
from tests.fuzz.budget import fuzz_settings
from tests.fuzz.desk import PACKET_LIMIT, Desk
from tests.fuzz.strategies import Ref, hostile_text, json_values, payloads, resolve
from tests.fuzz.wire import ACK, BINARY_ACK, CONNECT, DISCONNECT, RawSocket, event_frame

ACK_WAIT_S = 5.0
CLOSE_WAIT_S = 10.0
CLOSING_WAIT_S = 1.0  # for the proof of life after a frame that may have closed the session
# Frames this close to the packet limit may go either way (the limit counts
# the Engine.IO message, not the websocket frame).
LIMIT_SLACK = 64
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
ALIVE = "fuzz:alive"  # an event no namespace defines: its unknown_event ack shows the socket lives

COMMANDS: dict[tuple[str, str], type | None] = {
    ("/visitor", "chat:start"): c.ChatStart,
    ("/visitor", "chat:send"): c.ChatSend,
    ("/visitor", "ticket:create"): c.TicketCreate,
    ("/visitor", "survey:submit"): c.SurveySubmit,
    ("/visitor", "chat:transcript"): c.TranscriptMail,
    ("/visitor", "chat:context"): c.ChatContext,
    ("/visitor", "chat:typing"): c.ChatTyping,
    ("/visitor", "chat:history"): c.ChatHistory,
    ("/visitor", "chat:read"): c.ChatRead,
    ("/visitor", "chat:end"): c.ChatRef,
    ("/agent", "agent:status"): c.AgentStatusSet,
    ("/agent", "chat:send"): c.AgentSend,
    ("/agent", "chat:transfer"): c.ChatTransfer,
    ("/agent", "chat:convert"): c.ChatConvert,
    ("/agent", "chat:flag"): c.ChatFlag,
    ("/agent", "chat:transcript"): c.ChatRef,
    ("/agent", "chat:tag"): c.ChatTag,
    ("/agent", "chat:untag"): c.ChatTag,
    ("/agent", "chat:typing"): c.ChatTyping,
    ("/agent", "chat:history"): c.ChatHistory,
    ("/agent", "chat:read"): c.ChatRead,
    ("/agent", "chat:end"): c.ChatRef,
    ("/supervisor", "chat:reassign"): c.ChatReassign,
    ("/supervisor", "survey:exclude"): c.SurveyExclude,
    ("/supervisor", "account:suspend"): c.AccountSuspend,
    ("/supervisor", "account:lift"): c.AccountLift,
    ("/visitor", "ticket:receipt"): c.TicketReceipt,
}
RESERVED_NAMES = ["connect", "disconnect", "connect_error", "message", "*", "session", "chat:assigned",
                  "__proto__", "constructor", "hasOwnProperty", "toString", ALIVE, "agent:status", "chat:reassign",
                  "account:suspend", "chat:start", "CHAT:SEND", "chat:send ", "chat:", ":"]
UNKNOWN = "(an event the namespace does not define)"


def sent(event: Any, payload: Any, *, ack: bool = True, with_payload: bool = True, ascii_only: bool = True) -> dict:
    return {"event": event, "payload": payload, "ack": ack, "with_payload": with_payload, "ascii_only": ascii_only}


# Inputs that once broke a property, tried first on every run; each has a
# plain regression test beside the code it fixed.
REGRESSIONS: dict[tuple[str, str], list[dict]] = {
    # tests/realtime/test_raw_packets.py::test_a_lone_surrogate_in_a_string_is_stored_as_a_replacement_character
    ("/visitor", "chat:start"): [sent("chat:start", {"text": "sliced \ud83d emoji"})],
    ("/visitor", "chat:send"): [sent("chat:send", {"chat_id": Ref("own_chat"), "client_id": "\udfff",
                                                   "text": "\ud800"})],
}


def ack_problems(data: Any) -> list[str]:
    """An ack is one object: `{"ok": true, ...}` or `{"ok": false, "error":
    {"code": str, "message": str, ...}}`; `internal` means an exception escaped."""
    if not isinstance(data, list) or len(data) != 1 or not isinstance(data[0], dict):
        return [f"the ack is not one object: {str(data)[:300]}"]
    ack = data[0]
    if ack.get("ok") is True:
        return []
    error = ack.get("error")
    if ack.get("ok") is not False or not isinstance(error, dict):
        return [f"the ack is neither ok nor an error: {str(ack)[:300]}"]
    if not isinstance(error.get("code"), str) or not isinstance(error.get("message"), str):
        return [f"the error lacks a code or a message: {str(error)[:300]}"]
    if error["code"] == "internal":
        return [f"internal error (an exception escaped a handler): {str(error)[:300]}"]
    return []


def _sendable(frame: str | bytes) -> str | bytes:
    return LONE_SURROGATE.sub("\ufffd", frame) if isinstance(frame, str) else frame


def _outcome(data: Any) -> str:
    try:
        return "ok" if data[0]["ok"] is True else data[0]["error"]["code"]
    except (LookupError, TypeError):
        return "malformed ack"


class Driver:
    """One raw connection to a namespace, reopened when an example closed it."""

    def __init__(self, desk: Desk, namespace: str, auth: Callable[[], Any]) -> None:
        self.desk, self.namespace, self._auth = desk, namespace, auth
        self.ws: RawSocket | None = None
        self.session: Any = None
        self._sent: set[int] = set()
        self._acked: set[int] = set()
        self._seen = 0
        self.outcome = ""  # of the last example, for Hypothesis' statistics: "ok", an error code, "closed"

    async def open(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.desk.sockets.remove(self.ws)
        self.ws = await RawSocket.open(self.desk.url)
        self.desk.sockets.append(self.ws)
        answer = await self.ws.connect(self.namespace, self._auth())
        if answer.type != CONNECT:
            raise AssertionError(f"{self.namespace} refused the fuzzer: {answer.raw[:300]}")
        self._sent, self._acked, self._seen = set(), set(), 0
        self.session = (await self.ws.wait_for(lambda: self.ws.events(self.namespace, "session")))[0]

    async def ready(self) -> RawSocket:
        if self.ws is None or self.ws.closed:
            await self.open()
        return self.ws

    async def scene(self, event: str, payload: Any) -> Any:
        """A well-formed call the fuzzer makes to set the scene; its ack."""
        ws = await self.ready()
        ack_id = ws.next_id()
        self._sent.add(ack_id)
        await ws.send(event_frame(self.namespace, event, payload, ack_id))
        packets = await ws.wait_for(lambda: ws.acks(self.namespace, ack_id), ACK_WAIT_S)
        data = packets[0].data
        return data[0] if isinstance(data, list) and data else None

    async def emit(self, event: Any, payload: Any, *, ack: bool = True, with_payload: bool = True,
                   ascii_only: bool = True) -> list[str]:
        """Sends one generated event; what went wrong."""
        ws = await self.ready()
        ack_id = ws.next_id() if ack else None
        frame = event_frame(self.namespace, event, payload, ack_id, with_payload=with_payload,
                            ascii_only=ascii_only)
        return await self.send_frame(frame, [] if ack_id is None else [ack_id])

    async def send_frame(self, frame: str | bytes, ack_ids: list[int], *, extra: list[str | bytes] = (),
                         may_close: bool = False) -> list[str]:
        """Sends `frame` (and binary attachments `extra`), waits for the acks
        of `ack_ids`, then proves the socket still lives. `may_close`: the
        frame asks to close (an Engine.IO close, a DISCONNECT)."""
        ws = await self.ready()
        # A websocket text frame is UTF-8: a lone surrogate travels as U+FFFD, as a browser sends it.
        frame, extra = _sendable(frame), [_sendable(part) for part in extra]
        size = max(len(f.encode("utf-8", "surrogatepass") if isinstance(f, str) else f) for f in [frame, *extra])
        self._sent.update(ack_ids)
        try:
            for part in (frame, *extra):
                await ws.send(part)
        except ConnectionError:
            pass
        self.outcome = "no ack asked"
        if size > PACKET_LIMIT:
            self.outcome = "over the packet limit"
            return await self._expect_close(ws)
        problems: list[str] = []
        try:
            for ack_id in ack_ids:
                packets = await ws.wait_for(lambda: ws.acks(self.namespace, ack_id), ACK_WAIT_S)
                problems += ack_problems(packets[0].data)
                self.outcome = _outcome(packets[0].data)
            if not ack_ids:  # nothing came back yet that shows the event was taken and the socket lives
                await self._alive(ws, CLOSING_WAIT_S if may_close else ACK_WAIT_S)
        except TimeoutError:
            if may_close:  # the session ended; the websocket may linger until its ping times out
                await self.open()
            else:
                problems.append(f"no ack within {ACK_WAIT_S} s (lost)")
        except ConnectionError as closed:
            self.outcome = "closed"
            if not (may_close or size > PACKET_LIMIT - LIMIT_SLACK):
                problems.append(f"the connection was killed by a {size}-byte packet: {closed}")
        problems += self.audit(may_close or size > PACKET_LIMIT - LIMIT_SLACK)
        if ws.closed or self._disconnected(ws):
            await self.open()
        return problems

    async def _alive(self, ws: RawSocket, timeout: float = ACK_WAIT_S) -> None:
        ack_id = ws.next_id()
        self._sent.add(ack_id)
        await ws.send(event_frame(self.namespace, ALIVE, None, ack_id))
        packets = await ws.wait_for(lambda: ws.acks(self.namespace, ack_id), timeout)
        answer = packets[0].data
        if not (isinstance(answer, list) and answer and isinstance(answer[0], dict)
                and answer[0].get("error", {}).get("code") == "unknown_event"):
            raise AssertionError(f"{ALIVE} got {answer!r}")

    async def _expect_close(self, ws: RawSocket) -> list[str]:
        try:
            await ws.wait_for(lambda: False, CLOSE_WAIT_S)
        except ConnectionError:
            await self.open()
            return []
        except TimeoutError:
            pass
        await self.open()
        return [f"a packet over {PACKET_LIMIT} bytes did not close the connection"]

    def _disconnected(self, ws: RawSocket) -> bool:
        return any(p.type == DISCONNECT and p.namespace == self.namespace for p in ws.packets)

    def audit(self, may_close: bool = False) -> list[str]:
        """Acks sent twice or for nothing, and server-side disconnects, in
        the packets received since the last audit."""
        ws, problems = self.ws, []
        for packet in ws.packets[self._seen:]:
            if packet.type in (ACK, BINARY_ACK) and packet.namespace == self.namespace:
                if packet.id in self._acked:
                    problems.append(f"a second ack for id {packet.id}: {packet.raw[:200]}")
                elif packet.id not in self._sent:
                    problems.append(f"an ack for id {packet.id}, which no event carried: {packet.raw[:200]}")
                self._acked.add(packet.id)
            elif packet.type == DISCONNECT and packet.namespace == self.namespace and not may_close:
                problems.append("the server disconnected the namespace")
        self._seen = len(ws.packets)
        if self._seen > 2000:  # a long run would keep every packet
            ws.forget()
            self._seen = 0
        return problems


def event_inputs(namespace: str, event: str, refs: list[str]) -> st.SearchStrategy[dict]:
    """One example for `event`: its payload, whether it asks for an ack, and how it is framed."""
    if event == UNKNOWN:
        name = st.one_of(st.sampled_from(RESERVED_NAMES), hostile_text(30), json_values(3))
    else:
        name = st.just(event)
    return st.fixed_dictionaries({
        "event": name,
        "payload": payloads(COMMANDS.get((namespace, event)), refs),
        "ack": st.sampled_from([True, True, True, False]),
        "with_payload": st.sampled_from([True, True, True, True, False]),
        "ascii_only": st.booleans(),
    })


def fuzz_events(desk: Desk, driver: Driver, refs: list[str], prepare: Callable[[], Any]) -> None:
    """Every event of the driver's namespace (read from the live server),
    and unknown ones, with generated inputs; fails naming each event whose
    properties broke, with its smallest failing input."""
    events = [*desk.namespace(driver.namespace).events, UNKNOWN]
    failures: dict[str, BaseException] = {}
    for event in events:
        try:
            _fuzz_one(desk, driver, event, refs, prepare)
        except Exception as failure:  # each event gets its run; all failures are reported
            failures[event] = failure
    if failures:
        report = "\n\n".join(f"{driver.namespace} {event}: {type(f).__name__}: {f}" for event, f in failures.items())
        raise AssertionError(f"{len(failures)} of {len(events)} events broke a property:\n{report}")


def _fuzz_one(desk: Desk, driver: Driver, event: str, refs: list[str], prepare: Callable[[], Any]) -> None:
    def run(example: dict) -> None:
        prepare()
        payload = resolve(example["payload"], desk.ids)
        label = f"{driver.namespace} {example['event']!r} payload (resolved): {str(payload)[:2000]}"
        note(label)
        problems = desk.check(driver.emit(
            example["event"], payload, ack=example["ack"], with_payload=example["with_payload"],
            ascii_only=example["ascii_only"]), label, f"{driver.namespace} {event}")
        outcome_event(driver.outcome)
        assert not problems, "\n".join(problems)
    run = given(example=event_inputs(driver.namespace, event, refs))(run)
    for known in REGRESSIONS.get((driver.namespace, event), []):
        run = example(example=known)(run)
    fuzz_settings()(run)()

