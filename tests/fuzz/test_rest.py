"""Every HTTP route of the app (read from its router, the /api sub-app's
too), fuzzed with generated paths, queries, bodies, methods and credentials:
never a 5xx, never a lost answer, JSON error objects for every 4xx of the
JSON API, no traceback in the log, and the victim's record untouched."""
from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp import web
from hypothesis import event as outcome_event, given, note
from hypothesis import strategies as st
from yarl import URL

from server.services import integrations
from server.services.model import Role, Scope
from server.web import api, dashboard_api, intake_api, own_account, people_api, search_api, sites_api, supervisor_api
from server.web import integrations_api, tags_api, topics_api, webhooks_api, widget
from server.web.v1.operations import OPERATIONS
from tests.fuzz.budget import fuzz_settings
from tests.fuzz.conftest import check_the_normal_client, open_desk
from tests.fuzz.desk import Desk
from tests.fuzz.strategies import Ref, hostile_text, json_values, path_values, payloads, queries, resolve
from tests.web.test_console_login import PASSWORD, csrf_of, log_in

ROLL_EVERY = 50
ANSWER_WAIT_S = 30.0
# Staff may rightly change any ticket or open one for any visitor: their
# inputs never name the victim. The public routes' inputs do.
STAFF_REFS = ("ticket", "canned", "closure", "customer", "own_chat", "probe_chat", "alice", "lead", "nobody",
              "site_key")
NO_AGENT_REFS = ("ticket", "canned", "closure", "customer", "own_chat", "nobody")
PUBLIC_REFS = ("victim_chat", "victim_visitor", "victim_ticket", "ticket", "site_key", "nobody")
JSON_API = ("/api/", "/widget/tickets", "/widget/status")
METHODS = ["GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"]
PARSER_LIMIT = 8190  # bytes of a request line aiohttp reads


@dataclasses.dataclass(frozen=True)
class Spec:
    """What a route reads: a JSON body or form fields, and its query string."""

    body: type | None = None
    query: type | None = None
    form: tuple[str, ...] = ()
    refs: tuple[str, ...] = STAFF_REFS


PAGE = Spec()
ROUTES: dict[tuple[str, str], Spec] = {
    ("GET", "/"): PAGE, ("GET", "/healthz"): PAGE, ("GET", "/widget.js"): PAGE,
    ("GET", "/static/console.js"): PAGE, ("GET", "/static/dashboard.js"): PAGE, ("GET", "/static/console.css"): PAGE,
    ("GET", "/console"): PAGE, ("GET", "/console/login"): PAGE,
    ("POST", "/console/login"): Spec(form=("email", "password", "csrf_token")),
    ("POST", "/console/logout"): Spec(form=("csrf_token",)),
    ("GET", "/console/dashboard"): PAGE, ("GET", "/console/dashboard/reports"): PAGE,
    ("GET", "/console/dashboard/audit"): PAGE, ("GET", "/console/dashboard/canned"): PAGE,
    ("GET", "/console/dashboard/closures"): PAGE, ("GET", "/console/dashboard/chats/{id}"): PAGE,
    ("GET", "/console/dashboard/history"): PAGE,
    ("GET", "/tickets/confirm/{token}"): Spec(refs=PUBLIC_REFS),
    ("POST", "/tickets/confirm/{token}"): Spec(refs=PUBLIC_REFS),
    ("GET", "/metrics"): PAGE,
    ("*", "/api/v1/openapi.json"): PAGE, ("GET", "/docs/api"): PAGE, ("GET", "/static/api-docs.css"): PAGE,
    ("POST", "/widget/tickets"): Spec(body=widget.WidgetTicket, refs=PUBLIC_REFS),
    ("OPTIONS", "/widget/tickets"): Spec(refs=PUBLIC_REFS), ("*", "/widget/tickets"): Spec(refs=PUBLIC_REFS),
    ("GET", "/widget/status"): Spec(query=widget.StatusQuery, refs=PUBLIC_REFS),
    ("*", "/widget/status"): Spec(refs=PUBLIC_REFS),
    ("POST", "/widget/attachments"): Spec(form=("site", "token", "chat_id", "file"), refs=PUBLIC_REFS),
    ("OPTIONS", "/widget/attachments"): Spec(refs=PUBLIC_REFS),
    ("GET", "/widget/attachments/{id}"): Spec(refs=PUBLIC_REFS),
    ("OPTIONS", "/widget/attachments/{id}"): Spec(refs=PUBLIC_REFS),
    ("GET", "/api/attachments/{id}"): PAGE, ("POST", "/api/chats/{id}/attachments"): Spec(form=("file",)),
    ("POST", "/api/tickets/{id}/attachments"): Spec(form=("file",)),
    ("GET", "/files/{token}"): Spec(refs=PUBLIC_REFS),
    ("GET", "/socket.io/"): PAGE, ("POST", "/socket.io/"): PAGE, ("OPTIONS", "/socket.io/"): PAGE,
    ("GET", "/api/tickets"): Spec(query=api.TicketQuery),
    ("POST", "/api/tickets"): Spec(body=api.TicketOpen),
    ("GET", "/api/tickets/{id}"): PAGE,
    ("POST", "/api/tickets/{id}/status"): Spec(body=api.StatusSet),
    ("POST", "/api/tickets/{id}/replies"): Spec(body=api.ReplyAdd),
    ("POST", "/api/tickets/{id}/assignee"): Spec(body=api.AssigneeSet),
    ("GET", "/api/visitors/{id}/context"): PAGE,
    ("GET", "/api/agents"): PAGE, ("GET", "/api/queue"): PAGE,
    ("GET", "/api/canned"): PAGE, ("POST", "/api/canned"): Spec(body=api.CannedBody),
    ("POST", "/api/canned/{id}"): Spec(body=api.CannedBody), ("DELETE", "/api/canned/{id}"): PAGE,
    ("GET", "/api/closures"): PAGE, ("POST", "/api/closures"): Spec(body=api.ClosureAdd),
    ("DELETE", "/api/closures/{id}"): PAGE,
    ("GET", "/api/audit"): Spec(query=supervisor_api.AuditQuery),
    ("GET", "/api/alerts"): Spec(query=supervisor_api.AlertQuery),
    ("GET", "/api/surveys"): Spec(query=supervisor_api.PageQuery),
    ("GET", "/api/visitors"): Spec(query=supervisor_api.VisitorQuery),
    ("GET", "/api/reports"): Spec(query=api.ReportQuery), ("GET", "/api/reports.csv"): Spec(query=api.ReportQuery),
    ("GET", "/api/reports/hourly"): Spec(query=dashboard_api.DayQuery),
    ("GET", "/api/reports/daily"): Spec(query=dashboard_api.DaysQuery),
    ("GET", "/api/chats"): Spec(query=dashboard_api.ChatsQuery), ("GET", "/api/chats/{id}"): PAGE,
    ("GET", "/console/dashboard/tags"): PAGE,
    ("GET", "/console/dashboard/accounts"): PAGE, ("GET", "/console/dashboard/accounts/{site}/{account}"): PAGE,
    ("GET", "/console/dashboard/visitors/{id}"): PAGE,
    ("GET", "/api/accounts/{site}/{account}"): PAGE, ("GET", "/api/visitors/{id}"): PAGE,
    ("GET", "/api/tags"): PAGE, ("POST", "/api/tags"): Spec(body=tags_api.TagBody),
    ("POST", "/api/tags/{id}"): Spec(body=tags_api.TagBody),
    ("POST", "/api/tags/{id}/archive"): PAGE, ("POST", "/api/tags/{id}/restore"): PAGE,
    ("GET", "/api/chats/{id}/tags"): PAGE, ("POST", "/api/chats/{id}/tags"): Spec(body=tags_api.TagRef),
    ("DELETE", "/api/chats/{id}/tags/{tag_id}"): PAGE,
    ("GET", "/api/tickets/{id}/tags"): PAGE, ("POST", "/api/tickets/{id}/tags"): Spec(body=tags_api.TagRef),
    ("DELETE", "/api/tickets/{id}/tags/{tag_id}"): PAGE,
    ("GET", "/api/search"): Spec(query=search_api.SearchQueryString),
    ("GET", "/api/history/chats"): Spec(query=search_api.PastChatsQuery), ("GET", "/api/history/chats/{id}"): PAGE,
    ("GET", "/console/dashboard/sites"): PAGE, ("GET", "/console/dashboard/integrations"): PAGE,
    ("GET", "/api/sites"): PAGE, ("POST", "/api/sites"): Spec(body=sites_api.SiteNew),
    ("PATCH", "/api/sites/{id}"): Spec(body=sites_api.SiteBody),
    ("POST", "/api/sites/{id}/rotate"): Spec(body=sites_api.Rotation),
    ("GET", "/console/dashboard/topics"): PAGE,
    ("GET", "/api/topics"): PAGE, ("POST", "/api/topics"): Spec(body=topics_api.TopicAdd),
    ("PATCH", "/api/topics/{name}"): Spec(body=topics_api.TopicChange), ("DELETE", "/api/topics/{name}"): PAGE,
    ("POST", "/api/tickets/{id}/split"): Spec(body=intake_api.SplitBody),
    # People: ids that name no agent, so that the fuzzing lead cannot disable or demote the desk's own
    # clients midway (tests/web/test_people.py covers those changes)
    ("GET", "/console/dashboard/people"): PAGE, ("GET", "/api/people"): PAGE,
    ("POST", "/api/people"): Spec(body=people_api.PersonAdd),
    ("PATCH", "/api/people/{id}"): Spec(body=people_api.PersonEdit, refs=NO_AGENT_REFS),
    ("POST", "/api/people/{id}/disable"): Spec(refs=NO_AGENT_REFS),
    ("POST", "/api/people/{id}/enable"): Spec(refs=NO_AGENT_REFS),
    ("POST", "/api/people/{id}/reset"): Spec(refs=NO_AGENT_REFS),
    ("GET", "/console/reset/{token}"): Spec(refs=PUBLIC_REFS),
    ("POST", "/console/reset/{token}"): Spec(form=("password", "confirm", "csrf_token"), refs=PUBLIC_REFS),
    ("GET", "/console/account"): PAGE, ("GET", "/static/account.js"): PAGE,
    ("GET", "/api/me"): PAGE, ("POST", "/api/me/password"): Spec(body=own_account.PasswordChange),
    ("GET", "/api/me/sessions"): PAGE, ("DELETE", "/api/me/sessions/{id}"): PAGE,
    ("GET", "/api/me/tokens"): PAGE, ("POST", "/api/me/tokens"): Spec(body=own_account.TokenCreate),
    ("DELETE", "/api/me/tokens/{id}"): PAGE,
    ("GET", "/api/webhooks/events"): PAGE,
    ("GET", "/api/webhooks"): Spec(query=webhooks_api.ListQuery),
    ("POST", "/api/webhooks"): Spec(body=webhooks_api.WebhookNew),
    ("DELETE", "/api/webhooks/{id}"): PAGE,
    ("POST", "/api/webhooks/{id}/enable"): PAGE, ("POST", "/api/webhooks/{id}/disable"): PAGE,
    ("GET", "/api/webhooks/{id}/deliveries"): Spec(query=webhooks_api.DeliveriesQuery),
    ("POST", "/api/webhooks/{id}/deliveries/{delivery_id}/redeliver"): PAGE,
    ("GET", "/api/integration-tokens"): PAGE,
    ("POST", "/api/integration-tokens"): Spec(body=integrations_api.TokenNew),
    ("DELETE", "/api/integration-tokens/{id}"): PAGE,
    # the public API: every operation of its registry, with the types it decodes
    **{(op.method, "/api/v1" + op.path): Spec(body=op.body, query=op.query) for op in OPERATIONS},
}


def live_routes(app: web.Application) -> list[tuple[str, str]]:
    """(method, path template) of every route the app serves, HEAD folded into GET."""
    found: set[tuple[str, str]] = set()
    for resource in app.router.resources():
        info = resource.get_info()
        if "app" in info:  # a mounted sub-app: its routes carry its prefix
            found.update(live_routes(info["app"]))
        elif isinstance(resource, web.StaticResource):
            found.add(("GET", f"{resource.canonical}/{{filename}}"))
        else:
            found.update((route.method, resource.canonical) for route in resource if route.method != "HEAD")
    return sorted(found)


class Clients:
    """The credentials a request may carry: none, a bearer token (an
    agent's, a supervisor's, an integration token read or write, a made-up
    one), or a supervisor's console session with or without its CSRF token."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        desk.run(self._open())

    async def _open(self) -> None:
        desk, h = self.desk, self.desk.harness
        agent, self.agent_token = await h.add_agent("Agnes", capacity=1)
        lead, _ = await h.add_agent("Leah", role=Role.SUPERVISOR, password=PASSWORD)
        self.plain = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        self.console, response = await log_in(h, lead.email)
        assert response.status == 303
        self.csrf = await csrf_of(self.console, f"{h.url}/console")
        customer = await h.visitor()
        chat = (await customer.call("chat:start", {"text": "a customer"}))["chat"]
        ticket = (await customer.call("ticket:create", {"email": "c@example.test", "subject": "REST target",
                                                        "text": "for the REST fuzzer"}))["ticket"]
        lead_auth = {"Authorization": f"Bearer {desk.lead_token}"}
        async with self.plain.post(f"{h.url}/api/canned", headers=lead_auth,
                                   json={"shortcut": "hi", "title": "Hi", "text": "Hello!"}) as r:
            canned = (await r.json())["reply"]
        async with self.plain.post(f"{h.url}/api/closures", headers=lead_auth,
                                   json={"day": "2030-01-02", "reason": "a day off"}) as r:
            closure = (await r.json())["closure"]
        self.integration = {
            scope: (await integrations.make(desk.store, h.clock.now(), None, f"fuzz {scope}", scope, None)).secret
            for scope in Scope}
        lead_row = next(a for a in await desk.store.list_agents() if a.name == "Lead")
        desk.ids.update(ticket=ticket["id"], canned=canned["id"], closure=closure["id"], own_chat=chat["id"],
                        customer=customer.received("session")[0]["visitor_id"], lead=lead_row.id,
                        site_key=h.site.key)

    def pick(self, who: str) -> tuple[aiohttp.ClientSession, dict[str, str]]:
        bearer = {"agent": self.agent_token, "supervisor": self.desk.lead_token}
        if who in bearer:
            return self.plain, {"Authorization": f"Bearer {bearer[who]}"}
        if who.startswith("integration "):  # the public API's tokens, desk-wide: read or write
            return self.plain, {"Authorization": f"Bearer {self.integration[Scope(who.split()[1])]}"}
        if who == "made-up bearer":
            return self.plain, {"Authorization": "Bearer " + "x" * 32}
        if who == "console":
            return self.console, {"X-CSRF-Token": self.csrf}
        if who == "console without csrf":
            return self.console, {}
        return self.plain, {}

    async def close(self) -> None:
        await self.plain.close()
        await self.console.close()


@pytest.fixture(scope="module")
def desk(tmp_path_factory) -> Iterator[Desk]:
    yield from open_desk(tmp_path_factory, "fuzz-rest")


@pytest.fixture(scope="module")
def clients(desk) -> Iterator[Clients]:
    clients = Clients(desk)
    yield clients
    desk.run(clients.close())


def bodies(spec: Spec) -> st.SearchStrategy[dict]:
    """A body: the route's JSON struct with hostile values, any JSON, any
    bytes, an oversized one, or form fields, each with some content type."""
    shaped = st.builds(lambda p: {"json": p}, payloads(spec.body, spec.refs)) if spec.body else st.nothing()
    form = st.builds(lambda f: {"form": f}, st.fixed_dictionaries(
        {}, optional={name: hostile_text(40) for name in spec.form} | {"x": hostile_text(10)})) if spec.form \
        else st.nothing()
    return st.one_of(
        shaped, shaped, form, form, st.just({}),
        st.builds(lambda p: {"json": p}, json_values()),
        st.builds(lambda b, t: {"data": b, "type": t}, st.binary(max_size=300),
                  st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", "application/octet-stream", ""])),
        st.builds(lambda n: {"data": b'{"text":"' + b"x" * n + b'"}', "type": "application/json"},
                  st.sampled_from([64 * 1024 - 20, 64 * 1024 + 1, 1024 * 1024 + 1, 3 * 1024 * 1024])),
    )


def requests(route: tuple[str, str]) -> st.SearchStrategy[dict]:
    method, template = route
    spec = ROUTES.get(route, PAGE)
    params = [part[1:-1] for part in template.split("/") if part.startswith("{")]
    return st.fixed_dictionaries({
        "method": st.sampled_from(METHODS if method == "*" else [method] * 6 + METHODS),
        "path": st.fixed_dictionaries({name: path_values(spec.refs) for name in params}),
        "query": queries(spec.query, spec.refs),
        "body": bodies(spec),
        "who": st.sampled_from(["anonymous", "agent", "supervisor", "made-up bearer", "console",
                                "console without csrf", "integration read", "integration write"]),
        "origin": st.sampled_from([None, None, "http://evil.example", "null"]),
    })


def _url(desk: Desk, template: str, path: dict, query: list) -> URL:
    url = template
    for name, value in path.items():
        url = url.replace(f"{{{name}}}", quote(_utf8(str(resolve(value, desk.ids))), safe=""))
    pairs = [(_utf8(key), _utf8(str(resolve(value, desk.ids)) if isinstance(value, Ref) else value))
             for key, value in query]
    return URL(f"{desk.url}{url}").with_query(pairs)


def _utf8(text: str) -> str:
    return text.encode("utf-8", "replace").decode()


async def send(desk: Desk, clients: Clients, route: tuple[str, str], request: dict) -> tuple[list[str], str]:
    """Sends one generated request; what went wrong, and its status for the statistics."""
    url = _url(desk, route[1], request["path"], request["query"])
    parsed = len(url.raw_path_qs) <= PARSER_LIMIT
    session, headers = clients.pick(request["who"])
    headers = dict(headers)
    if request["origin"]:
        headers["Origin"] = request["origin"]
    body = resolve(request["body"], desk.ids)
    kwargs: dict[str, Any] = {}
    if "json" in body:
        kwargs["data"] = json.dumps(body["json"]).encode("utf-8", "surrogatepass")
        headers["Content-Type"] = "application/json"
    elif "form" in body:
        kwargs["data"] = {_utf8(k): _utf8(v) for k, v in body["form"].items()}
    elif "data" in body:
        kwargs["data"] = body["data"]
        if body["type"]:
            headers["Content-Type"] = body["type"]
    try:
        async with session.request(request["method"], url, headers=headers, allow_redirects=False,
                                   timeout=aiohttp.ClientTimeout(total=ANSWER_WAIT_S), **kwargs) as response:
            raw = await response.read()
            status = response.status
    except TimeoutError:
        return [f"no answer within {ANSWER_WAIT_S} s"], "lost"
    except aiohttp.ClientError as exc:
        if not parsed:  # aiohttp's parser refused the request line and closed: the client may not read the answer
            return [], "refused by the parser"
        return [f"the connection failed: {exc!r}"[:500]], "failed"
    return answer_problems(route, request["method"], status, raw, parsed), str(status)


def answer_problems(route: tuple[str, str], method: str, status: int, raw: bytes, parsed: bool) -> list[str]:
    """`parsed`: the request line was within aiohttp's limit (past it, the
    parser answers a plain-text 400 before any route is known)."""
    if status >= 500:
        return [f"{status}: {raw[:500]!r}"]
    if not (400 <= status < 500) or not route[1].startswith(JSON_API) or method == "HEAD" or not parsed:
        return []
    try:
        answer = json.loads(raw)
        error = answer["error"]
        assert answer["ok"] is False and isinstance(error["code"], str) and isinstance(error["message"], str)
    except (ValueError, LookupError, TypeError, AssertionError):
        return [f"a {status} of the JSON API that is no JSON error object: {raw[:300]!r}"]
    return []


def shard(routes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`SHIFTDESK_FUZZ_SHARD=i/n`: every n-th route from the i-th (0-based),
    so that a long run can share the routes among processes."""
    spec = os.environ.get("SHIFTDESK_FUZZ_SHARD", "").strip()
    if not spec:
        return routes
    index, count = (int(part) for part in spec.split("/"))
    return routes[index::count]


PARTS = 3  # the routes in three tests, which pytest-xdist can run at once: no one-minute tail


@pytest.mark.parametrize("part", range(PARTS))
def test_every_route_keeps_its_promises(desk, clients, part):
    routes = shard(live_routes(desk.app))[part::PARTS]
    failures: dict[tuple[str, str], BaseException] = {}
    for route in routes:
        try:
            _fuzz_route(desk, clients, route)
        except Exception as failure:  # each route gets its run; all failures are reported
            failures[route] = failure
    report = "\n\n".join(f"{m} {p}: {type(f).__name__}: {f}" for (m, p), f in failures.items())
    assert not failures, f"{len(failures)} of {len(routes)} routes broke a property:\n{report}"
    check_the_normal_client(desk)


def _fuzz_route(desk: Desk, clients: Clients, route: tuple[str, str]) -> None:
    @fuzz_settings(ci_scale=0.3)  # 50 routes, 12 inputs each: about a minute of workers for the whole fuzzer in CI
    @given(request=requests(route))
    def run(request: dict) -> None:
        if desk.examples and desk.examples % ROLL_EVERY == 0:
            desk.roll()
        label = f"{request['method']} {route[1]}: {str(resolve(request, desk.ids))[:2000]}"
        note(label)
        outcome: list[str] = []

        async def one() -> list[str]:
            problems, status = await send(desk, clients, route, request)
            outcome.append(status)
            return problems
        problems = desk.check(one(), label, f"{route[0]} {route[1]}")
        outcome_event(outcome[0])
        assert not problems, "\n".join(problems)
    run()
