"""One real Shiftdesk server per fuzz module, on a loopback port, run by an
event loop in a background thread, so that synchronous Hypothesis tests can
drive it example after example (`Desk.run` hands a coroutine to that loop).

Around the fuzzer stands a cast: Alice, an agent holding two chats; Vic, the
victim, a visitor with an active chat, messages and a ticket, whose stored
record no fuzzing input may change; and Pat, a normal visitor chatting with
Alice, whose `chat:send` round trip is timed all along (the `Probe`).
"""
from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy
from aiohttp.test_utils import TestServer

from server.app import MAX_PACKET_BYTES, SIO, create_app
from server.services.clock import ManualClock
from server.services.model import Role, Site
from server.services.tokens import new_id
from server.store import tables
from server.web.pages import SERVICES
from tests.conftest import Harness, make_config
from tests.fuzz.wire import RawSocket
from tests.peers import Peer

T = TypeVar("T")
# A normal client's chat:send, while the fuzzer runs: long enough for the
# suite's own load on two cores (three workers, their servers, Chromium: 1.09
# and 1.45 s seen with nothing wrong), short enough that a loop blocked by an
# input, or a lost answer, fails.
MAX_ROUND_TRIP_S = 2.0
PROBE_PAUSE_S = 0.05
EXAMPLE_TIMEOUT_S = 60.0  # real seconds for one example (a 1 MiB frame included)
PACKET_LIMIT = MAX_PACKET_BYTES
# The clock stands still, so per-minute windows never roll: the fuzzer would
# meet `rate_limited` (or, for packets, a closed connection) after the first
# few inputs and reach nothing behind the limits. The hour-long windows (tickets) roll as the fuzzer
# moves the clock (`Desk.roll`); chats never run out meanwhile.
FUZZ_CONFIG = {"limits": {"messages_per_minute": 10**7, "events_per_minute": 10**7, "connects_per_minute": 10**7,
                          "visitor_events_per_minute": 10**7, "packets_per_minute": 10**8,
                          "bad_packets_per_minute": 10**7},
               "policy": {"duration_warn_s": 10**8, "duration_convert_s": 10**8 + 1}}
ROLL_S = 3601  # past the hourly ticket windows
SETTING_UP = "setting up"  # what the desk does before the first generated input
# inputs sent per event, frame kind and route in this process (replays and shrinking included):
# what a run really tried, printed at the end of the run (tests/fuzz/conftest.py)
TRIED: Counter[str] = Counter()


class LoopThread:
    """An event loop running in a daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, work: Coroutine[Any, Any, T], timeout: float = EXAMPLE_TIMEOUT_S) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    def stop(self) -> None:
        """Cancels what still runs (engine.io's ping tasks, ...), then stops."""
        self.run(self._cancel_all())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


    @staticmethod
    async def _cancel_all() -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class LogTrap(logging.Handler):
    """Keeps every ERROR record and every record with a traceback, from any
    logger (the server's own, aiohttp's "Error handling request",
    python-socketio's and engine.io's)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.ERROR and not record.exc_info:
            return
        with self._lock:
            self.records.append(record)

    def take(self) -> list[str]:
        with self._lock:
            taken, self.records = self.records, []
        return [f"{r.name} {r.levelname}: {r.getMessage()}" + (f"\n{self.format(r)}" if r.exc_info else "")
                for r in taken]


class FullCollections:
    """The time Python's full (generation 2) garbage collections take in
    this process. The fuzzer shares one heap with the server: Hypothesis'
    record of each event's run reaches a million objects, and collecting it
    pauses every thread for 0.9-1.5 s (measured with gc.callbacks during a
    10,000-per-event run). That pause is the test process's, not the
    server's (`serve` runs with its own heap and far rarer full
    collections, server/cli.py), so the probe leaves it out."""

    def __init__(self) -> None:
        self.total_s, self.longest_s = 0.0, 0.0
        self._started: float | None = None
        gc.callbacks.append(self._seen)

    def _seen(self, phase: str, info: dict) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._started = time.monotonic()
        elif self._started is not None:
            took, self._started = time.monotonic() - self._started, None
            self.total_s += took
            self.longest_s = max(self.longest_s, took)

    def close(self) -> None:
        gc.callbacks.remove(self._seen)


class Probe:
    """A normal visitor's chat:send round trips, one after another, timed
    in real seconds, less any full collection of the shared heap
    (`FullCollections`) during the round trip."""

    def __init__(self, peer: Peer, chat_id: str, doing: Callable[[], str] = lambda: "") -> None:
        """`doing`: what the fuzzer was doing, for a slow round trip's report."""
        self._peer, self._chat_id, self._doing = peer, chat_id, doing
        self.collections = FullCollections()
        self.count, self.max_s = 0, 0.0
        self.failures: list[str] = []
        self._since: float | None = None
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="latency-probe")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._since, began, paused = loop.time(), self._doing(), self.collections.total_s
            try:
                ack = await self._peer.call("chat:send", {"chat_id": self._chat_id, "client_id": f"p{self.count}",
                                                          "text": f"probe {self.count}"}, timeout=30)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a lost ack is a finding too
                ack = {"ok": False, "error": {"code": type(exc).__name__}}
            took, self._since = loop.time() - self._since - (self.collections.total_s - paused), None
            doing = self._doing()
            self.count += 1
            self.max_s = max(self.max_s, took)
            if not ack.get("ok"):
                self.failures.append(f"probe chat:send failed: {ack} (meanwhile: {doing})")
            if took > MAX_ROUND_TRIP_S and SETTING_UP not in (began, doing):  # fuzzing's latency, not set-up's
                self.failures.append(f"probe chat:send took {took:.2f} s (meanwhile: {doing})")
            await asyncio.sleep(PROBE_PAUSE_S)

    def problems(self, now: float) -> list[str]:
        """What went wrong since the last call, a send still waiting too long included."""
        waiting = [] if self._since is None or now - self._since <= MAX_ROUND_TRIP_S else \
            [f"probe chat:send waiting for {now - self._since:.2f} s"]
        taken, self.failures = self.failures, []
        return taken + waiting

    async def stop(self) -> None:
        self.collections.close()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass


@dataclasses.dataclass
class Victim:
    visitor_id: str
    chat_id: str
    ticket_id: str


class VictimRecord:
    """Every stored row about the victim, read straight from the database
    file with the store's own table definitions (a second, read-only
    connection: SQLite's WAL lets it read beside the server's writes)."""

    def __init__(self, path: Path, victim: Victim) -> None:
        self._engine = sqlalchemy.create_engine(f"sqlite:///{path}")
        self._victim = victim

    def read(self) -> dict[str, list[tuple]]:
        v, t = self._victim, tables
        chats = sqlalchemy.select(t.chats.c.id).where(t.chats.c.visitor_id == v.visitor_id)
        tickets = sqlalchemy.select(t.tickets.c.id).where(t.tickets.c.visitor_id == v.visitor_id)
        queries = {
            "visitor": sqlalchemy.select(t.visitors).where(t.visitors.c.id == v.visitor_id),
            "chats": sqlalchemy.select(t.chats).where(t.chats.c.visitor_id == v.visitor_id),
            "messages": sqlalchemy.select(t.messages).where(t.messages.c.chat_id.in_(chats)),
            "chat agents": sqlalchemy.select(t.chat_agents).where(t.chat_agents.c.chat_id.in_(chats)),
            "tickets": sqlalchemy.select(t.tickets).where(t.tickets.c.visitor_id == v.visitor_id),
            "ticket replies": sqlalchemy.select(t.ticket_replies).where(t.ticket_replies.c.ticket_id.in_(tickets)),
            "surveys": sqlalchemy.select(t.surveys).where(t.surveys.c.visitor_id == v.visitor_id),
            "suspensions": sqlalchemy.select(t.suspensions).where(t.suspensions.c.visitor_id == v.visitor_id),
        }
        with self._engine.connect() as db:
            return {name: sorted(tuple(row) for row in db.execute(query)) for name, query in queries.items()}

    def close(self) -> None:
        self._engine.dispose()


class Desk:
    """The module's server, its cast and the checks every example ends with."""

    def __init__(self, directory: Path, *, helpers: bool = True) -> None:
        self.doing = SETTING_UP  # for the probe's report of a slow round trip
        self.thread = LoopThread("fuzz-desk")
        self.trap = LogTrap()
        logging.getLogger().addHandler(self.trap)
        self.harness: Harness = self.run(self._start(directory))
        self.ids: dict[str, str] = {}  # what a generated Ref names: "victim_chat", "alice", ...
        self.run(self._cast(helpers))
        self.record = VictimRecord(directory / "desk.db", self.victim)
        self._victim = self.record.read()
        self.sockets: list[RawSocket] = []  # the fuzzers' raw sockets, closed before the server
        self.examples = 0

    def run(self, work: Coroutine[Any, Any, T], timeout: float = EXAMPLE_TIMEOUT_S) -> T:
        return self.thread.run(work, timeout)

    @property
    def url(self) -> str:
        return self.harness.url

    @property
    def store(self):
        return self.harness.store

    def namespace(self, path: str):
        """The live namespace object of the server: its `events` are what the fuzzer drives."""
        return self.app[SIO].desk_namespaces[path]

    async def _start(self, directory: Path) -> Harness:
        config = make_config(f"sqlite:///{directory}/desk.db", **FUZZ_CONFIG)
        clock = ManualClock()
        app = await create_app(config, clock=clock)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        services = app[SERVICES]
        site = await services.desk.store.save_site(Site(id=new_id(), key="acme", secret="s" * 32))
        self.app = app
        return Harness(str(self._server.make_url("/")).rstrip("/"), services, clock, config, site)

    async def _cast(self, helpers: bool) -> None:
        h = self.harness
        alice, alice_token = await h.add_agent("Alice", capacity=2, tier=2)
        self.alice = await h.agent(alice_token)
        victim = await h.visitor()
        session = await victim.next("session")
        chat = (await victim.call("chat:start", {"text": "my order 1234 never came", "name": "Vic",
                                                 "email": "vic@example.test"}))["chat"]
        assert chat["status"] == "active", chat
        assert (await self.alice.call("chat:send", {"chat_id": chat["id"], "client_id": "a1",
                                                    "text": "Looking into it"}))["ok"]
        ticket = (await victim.call("ticket:create", {"email": "vic@example.test", "subject": "Order 1234",
                                                      "text": "It never came"}))["ticket"]
        self.victim = Victim(session["visitor_id"], chat["id"], ticket["id"])
        self.ids.update(victim_chat=chat["id"], victim_visitor=session["visitor_id"], victim_ticket=ticket["id"],
                        alice=alice.id)
        pat = await h.visitor()
        pat_chat = (await pat.call("chat:start", {"text": "hello, a normal question"}))["chat"]
        assert pat_chat["status"] == "active", pat_chat
        self.ids["probe_chat"] = pat_chat["id"]
        self.probe = Probe(pat, pat_chat["id"], lambda: self.doing)
        self.probe.start()
        if helpers:  # Bob takes the fuzzing visitors' chats
            bob, bob_token = await h.add_agent("Bob", capacity=1000, tier=1)
            self.bob = await h.agent(bob_token)
            self.ids["bob"] = bob.id
        _, lead_token = await h.add_agent("Lead", role=Role.SUPERVISOR)
        self.lead_token = lead_token

    def check(self, work: Coroutine[Any, Any, list[str]], label: str = "", target: str = "") -> list[str]:
        """Runs one example on the server's loop (`work` returns what went
        wrong); adds any change to the victim's record and the log's errors.
        `target`: the event, frame kind or route, counted in TRIED."""
        TRIED[target] += 1
        self.doing = f"example {self.examples + 1}: {label[:300]}"
        problems = list(self.run(work))
        record = self.record.read()
        for table, rows in record.items():
            if rows != self._victim[table]:
                problems.append(f"the victim's {table} changed:\n  before {str(self._victim[table])[:1500]}"
                                f"\n  after  {str(rows)[:1500]}")
        self._victim = record
        self.examples += 1
        return problems + self.problems()

    def problems(self) -> list[str]:
        """The log's errors since the last call. (The probe's round trips
        are timing, not a property of one input: `probe_problems` reports
        them once, at the end of a module.)"""
        return self.trap.take()

    def probe_problems(self) -> list[str]:
        return self.probe.problems(self.thread.loop.time())

    def roll(self) -> None:
        """Moves the clock past the hourly windows and runs what fell due
        (timers may change the victim's record: read it again)."""
        self.doing = f"moving the clock {ROLL_S} s after example {self.examples}"
        self.run(self.harness.advance(ROLL_S))
        self._victim = self.record.read()

    def close(self) -> list[str]:
        """Stops everything; what went wrong at the end."""
        problems = self.problems() + self.probe_problems()
        self.record.close()
        self.run(self._stop())
        self.thread.stop()
        logging.getLogger().removeHandler(self.trap)
        return problems + self.trap.take()

    async def _stop(self) -> None:
        await self.probe.stop()
        for ws in self.sockets:
            await ws.close()
        for peer in self.harness.peers:
            await peer.close()
        await self._server.close()
