"""The TOML configuration of design.md ("Configuration contract").

Every key is optional and has its default here; `docs/config.example.toml`
documents them. Unknown keys and values of the wrong type or range are
refused with a `ConfigError` that names them. Precedence, lowest first:
defaults, the file, `SHIFTDESK_<SECTION>_<KEY>` environment variables,
command-line options.

`[topics.NAME]` and `[plans.NAME]` come from the file only; a file with any
of them replaces that whole default set (so a default can be dropped).
"""
from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import tomllib
import typing
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

DEFAULT_DATABASE = "sqlite:///data/shiftdesk.db"
# Names of topics and plans, and the skills and departments they name.
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
GENERIC_REFUSAL = "This cannot be handled over chat: please open a ticket and we will take it from there."

_V = TypeVar("_V")


class ConfigError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    database: str = DEFAULT_DATABASE
    redis: str = ""  # "" = one process; a redis:// URL = one node of several sharing it
    redis_prefix: str = "shiftdesk"  # starts every Redis key and channel: several desks can share one Redis
    node: str = ""  # this node's name in engine.io session ids and in Redis; "" = generated at start
    # A node silent this long is dead: another takes over its connections'
    # grace periods. Each node says it is alive every third of it.
    node_ttl_s: int = 10
    # Addresses of load balancers (comma-separated) whose X-Forwarded-For
    # names the client; from anyone else the header is ignored.
    trusted_proxies: str = ""
    secret_key: str = ""  # signs console session cookies; generated into data/ when empty
    public_url: str = ""  # the address visitors and mail links use; "" = http://host:port
    # permessage-deflate on websockets, both directions. Off: chat frames are
    # a few hundred bytes, and zlib on each one cost more event-loop time than
    # it saved on the wire (docs/performance.md, "Browser-like clients").
    ws_compression: bool = False

    @property
    def proxies(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """`trusted_proxies` parsed; raises ValueError for an entry that is not an address or network."""
        return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in self.trusted_proxies.split(",")
                     if item.strip())


@dataclasses.dataclass(frozen=True)
class DeskConfig:
    timezone: str = "America/New_York"
    holidays: str = "US"
    hours: str = "mon-fri 09:00-18:00"


@dataclasses.dataclass(frozen=True)
class PolicyConfig:
    first_response_s: int = 60
    first_response_warn_s: int = 45
    response_gap_s: int = 120
    response_gap_warn_s: int = 90
    duration_warn_s: int = 900
    duration_convert_s: int = 1200
    visitor_grace_s: int = 120
    agent_grace_s: int = 60
    suspension_days: int = 30
    negative_survey_run: int = 3
    repeat_chat_run: int = 3
    survey_window_s: int = 86400
    skill_fallback_s: int = 30
    ticket_warn_percent: int = 75  # a ticket's assignee is warned at this share of each SLA target
    ticket_update_s: int = 3600  # a critical ticket's longest silence to its requester (wall time)


@dataclasses.dataclass(frozen=True)
class MailConfig:
    smtp_host: str = ""
    smtp_port: int = 25
    from_: str = "Shiftdesk <support@localhost>"
    user: str = ""
    password: str = ""
    starttls: bool = False


@dataclasses.dataclass(frozen=True)
class LimitsConfig:
    message_chars: int = 4000
    messages_per_minute: int = 30
    connects_per_minute: int = 60
    status_per_minute: int = 120  # GET /widget/status per client address (the launcher; browsers cache it 30 s)
    searches_per_minute: int = 30  # full-text searches and past-chat lists, per agent (GET /api/search, /api/history/...)
    events_per_minute: int = 240  # typing, history, read, end: per connection (agents' too)
    visitor_events_per_minute: int = 480  # the same events, per visitor: all its connections together
    packets_per_minute: int = 600  # every Socket.IO packet of one connection; past it the connection is closed
    bad_packets_per_minute: int = 10  # malformed or out-of-place packets of one connection before it is closed
    history_bytes: int = 1_048_576  # largest chat:history answer (and chat:assigned transcript), in bytes
    send_queue_bytes: int = 2_097_152  # what may wait for one connection that does not read; past it: closed
    # Tickets (each mails a receipt) on the socket and the HTTP form together.
    tickets_per_hour: int = 5  # per visitor
    tickets_per_hour_per_address: int = 20  # per client network address, all its visitors
    tickets_per_hour_per_email: int = 10  # per email address the receipts go to
    identity_max_lifetime_s: int = 86400  # an identity JWT whose exp is further ahead is refused
    # Visitor context beside each chat (chat:context from the widget).
    context_per_minute: int = 30  # context updates per visitor (all its tabs): page changes, setContext
    context_pages: int = 50  # pages seen kept per chat, the latest
    reset_link_hours: int = 24  # a password link a lead makes (or a new agent's first one) works this long, once
    api_v1_per_minute: int = 600  # requests to the public API /api/v1 per integration token, every node's


@dataclasses.dataclass(frozen=True)
class AttachmentsConfig:
    """Files in chats: stored in the database, so every node serves them."""

    max_bytes: int = 10_485_760  # one file, 10 MiB
    max_per_message: int = 5
    uploads_per_minute: int = 20  # per visitor or agent
    uploads_per_minute_per_address: int = 60  # the widget's uploads per client address, all its visitors
    downloads_per_minute: int = 300  # GET /widget/attachments/ID per client address
    # File name extensions taken, comma-separated; the bytes must be what the
    # extension says. SVG and HTML are never taken (services/attachments.py).
    types: str = "png,jpg,jpeg,gif,webp,pdf,txt,csv,log,zip,docx,xlsx,pptx,odt,ods,odp,doc,xls,ppt"
    link_days: int = 30  # a download link in a mail (transcript, receipt, reply) works this long
    unsent_hours: int = 24  # a file uploaded and never sent is deleted after this


@dataclasses.dataclass(frozen=True)
class MetricsConfig:
    """Who may read `GET /metrics` (Prometheus)."""

    token: str = ""  # set: `Authorization: Bearer <token>` is let in from anywhere
    allow: str = "127.0.0.1,::1"  # addresses (or networks, 10.0.0.0/8) let in without a token; "" = none

    @property
    def networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """`allow` parsed; raises ValueError for an entry that is not an address or network."""
        return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in self.allow.split(",")
                     if item.strip())


@dataclasses.dataclass(frozen=True)
class WebhooksConfig:
    """Signed webhooks (services/webhooks.py): where deliveries may go and
    how long they are tried."""

    # Host names (comma-separated) that may be reached over plain http://
    # (a receiver on the same machine or network), on port 80 or 443; every
    # other URL must be https on port 443.
    http_hosts: str = ""
    # Addresses, networks (10.0.0.0/8) or host names (comma-separated) that
    # may be reached although they are private, loopback, link-local or
    # otherwise not public; checked again on the address each connection resolves.
    # A host listed by name, or a URL's literal address listed, may use any port.
    allow_hosts: str = ""
    timeout_s: int = 10  # one delivery attempt: connect, send, and the answer's first KiB
    give_up_hours: int = 24  # a delivery failing this long is given up and its endpoint disabled
    first_retry_s: int = 30  # the wait after a first failure; it doubles each time, up to an hour
    # Delivered and given-up deliveries (with their bodies) are deleted from
    # the log this many days after they were delivered, or queued.
    keep_days: int = 30

    @property
    def http_names(self) -> frozenset[str]:
        return frozenset(item.strip().lower().rstrip(".") for item in self.http_hosts.split(",") if item.strip())

    @property
    def allowed(self) -> tuple[str, ...]:
        """`allow_hosts` entries, lower case (policy.webhooks reads them)."""
        return tuple(item.strip().lower().rstrip(".") for item in self.allow_hosts.split(",") if item.strip())


@dataclasses.dataclass(frozen=True)
class TopicConfig:
    """One `[topics.NAME]` table: what a chat on that topic needs."""

    skill: str = ""  # the agent skill it needs; "" = any agent
    priority: str = "medium"  # the chat's default priority: critical | high | medium | low
    chat: bool = True  # False: chat:start answers use_ticket and offers an authenticated ticket
    reason: str = ""  # shown to the visitor when chat is False; "" = GENERIC_REFUSAL
    department: str = ""  # tickets on this topic go to this department
    verified_only: bool = False  # only visitors with a verified identity may chat about it
    # The evidence its tickets must carry: names from policy/evidence.py's CATALOGUE.
    evidence: tuple[str, ...] = ()

    @property
    def refusal(self) -> str:
        """What the visitor is told when this topic cannot be handled over chat."""
        return self.reason or GENERIC_REFUSAL


@dataclasses.dataclass(frozen=True)
class PlanConfig:
    """One `[plans.NAME]` table, NAME being the `plan` of a visitor's identity."""

    priority_support: bool = False  # its chats go first within their priority
    tickets_included: int = 0  # tickets per calendar year, warranty tickets not counted


class FrozenMap(Mapping[str, _V]):
    """A read-only mapping that compares and hashes by content, so that a
    frozen dataclass holding one stays hashable (MappingProxyType is not)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, _V] | Iterable[tuple[str, _V]] = ()) -> None:
        self._items = dict(items)

    def __getitem__(self, key: str) -> _V:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"


def _no_chat(reason: str, department: str = "") -> TopicConfig:
    return TopicConfig(chat=False, reason=reason, department=department)


# Seeds 000-004: chat is for quick questions; programming and infrastructure
# go to a ticket for engineering; passwords, logins, DNS, subscription and
# billing changes need an authenticated ticket.
DEFAULT_TOPICS: Mapping[str, TopicConfig] = FrozenMap({
    "general": TopicConfig(),
    "billing": TopicConfig(skill="billing", verified_only=True),
    "provisioning": TopicConfig(skill="provisioning"),
    "network": TopicConfig(skill="network"),
    "engineering": _no_chat("Programming and infrastructure issues are not handled over chat: "
                            "open a ticket and it goes to our engineering department.", "engineering"),
    "password": _no_chat("Password changes are not done over chat for your security: "
                         "open an authenticated ticket."),
    "login": _no_chat("Logins are not created or changed over chat for your security: "
                      "open an authenticated ticket."),
    "dns": _no_chat("DNS changes are not done over chat for your security: open an authenticated ticket."),
    "subscription": _no_chat("Subscription changes are not done over chat for your security: "
                             "open an authenticated ticket."),
    "billing_change": _no_chat("Billing changes are not done over chat for your security: "
                               "open an authenticated ticket."),
    # Seed 003: the evidence each kind of problem needs before its ticket is taken.
    "api": TopicConfig(chat=False, department="engineering", evidence=("api_call", "api_response"),
                       reason="API errors go to our engineering department as a ticket: "
                              "give the exact call you made and the response you got."),
    "document": TopicConfig(evidence=("document_url",)),
    "upload": TopicConfig(evidence=("files",)),
})
DEFAULT_PLANS: Mapping[str, PlanConfig] = FrozenMap({
    "standard": PlanConfig(tickets_included=10),
    "priority": PlanConfig(priority_support=True, tickets_included=50),
})


@dataclasses.dataclass(frozen=True)
class Config:
    server: ServerConfig = ServerConfig()
    desk: DeskConfig = DeskConfig()
    policy: PolicyConfig = PolicyConfig()
    mail: MailConfig = MailConfig()
    limits: LimitsConfig = LimitsConfig()
    metrics: MetricsConfig = MetricsConfig()
    attachments: AttachmentsConfig = AttachmentsConfig()
    webhooks: WebhooksConfig = WebhooksConfig()
    topics: Mapping[str, TopicConfig] = DEFAULT_TOPICS
    plans: Mapping[str, PlanConfig] = DEFAULT_PLANS

    def __post_init__(self) -> None:
        for name in ("topics", "plans"):  # a caller's plain dict too, so that Config stays hashable
            object.__setattr__(self, name, FrozenMap(getattr(self, name)))

    @property
    def base_url(self) -> str:
        """Where visitors and mail links reach the server, without a trailing "/"."""
        host = f"[{self.server.host}]" if ":" in self.server.host else self.server.host  # IPv6
        return (self.server.public_url or f"http://{host}:{self.server.port}").rstrip("/")


_HINTS = typing.get_type_hints(Config)
# Flat sections ([server]) take environment variables; tables of named
# tables ([topics.NAME]) come from the file only.
_SECTIONS: dict[str, type] = {name: kind for name, kind in _HINTS.items() if dataclasses.is_dataclass(kind)}
_TABLES: dict[str, type] = {name: typing.get_args(kind)[1] for name, kind in _HINTS.items()
                            if name not in _SECTIONS}


def _key(field: dataclasses.Field) -> str:
    return "from" if field.name == "from_" else field.name


def _coerce(where: str, value: Any, kind: type) -> Any:
    """Checks a file value against the field's type; strings from the
    environment are parsed."""
    if isinstance(value, str) and kind is not str:
        try:
            value = {"true": True, "false": False}[value.lower()] if kind is bool else kind(value)
        except (KeyError, ValueError):
            raise ConfigError(f"{where}: expected {kind.__name__}, got {value!r}") from None
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise ConfigError(f"{where}: expected {kind.__name__}, got {value!r}")
    return value


def _names(where: str, value: Any) -> tuple[str, ...]:
    """A list of names (`evidence = ["api_call", "api_response"]`), each once."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of names, got {value!r}")
    if len(set(value)) != len(value):
        raise ConfigError(f"{where}: a name is listed twice in {value!r}")
    return tuple(value)


def _build(where: str, cls: type, raw: Mapping[str, Any]) -> Any:
    """`cls` from the keys of one table; `where` names it in errors ("[server]")."""
    fields = {_key(f): f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ConfigError(f"{where} {', '.join(unknown)}: unknown key{'s' if len(unknown) > 1 else ''}")
    kinds = {"int": int, "str": str, "bool": bool}
    values = {fields[k].name: _names(f"{where} {k}", v) if str(fields[k].type) == "tuple[str, ...]"
              else _coerce(f"{where} {k}", v, kinds[str(fields[k].type)])
              for k, v in raw.items()}
    return cls(**values)


def _named(table: str, raw: Mapping[str, Any]) -> FrozenMap:
    """The `[table.NAME]` tables of the file; they replace the defaults whole."""
    if not raw:
        raise ConfigError(f"[{table}] is empty: define [{table}.NAME] tables or leave [{table}] out")
    for name, body in raw.items():
        if not isinstance(body, dict):
            raise ConfigError(f"[{table}.{name}] must be a table")
    return FrozenMap({name: _build(f"[{table}.{name}]", _TABLES[table], body) for name, body in raw.items()})


def _environment(env: Mapping[str, str]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for name, value in env.items():
        if not name.startswith("SHIFTDESK_"):
            continue
        rest = name[len("SHIFTDESK_"):].lower()
        section, _, key = rest.partition("_")
        if section in _SECTIONS and key:
            found.setdefault(section, {})[key] = value
    return found


def load(path: str | Path | None = None, *, env: Mapping[str, str] | None = None,
         overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Config:
    """Builds the configuration; raises ConfigError naming what is wrong."""
    raw: dict[str, dict[str, Any]] = {}
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config {path}: {exc}") from None
    unknown = sorted(set(raw) - set(_SECTIONS) - set(_TABLES))
    if unknown:
        raise ConfigError(f"unknown section(s): {', '.join(unknown)}")
    for source in (_environment(os.environ if env is None else env), overrides or {}):
        for section, values in source.items():
            raw.setdefault(section, {}).update({k: v for k, v in values.items() if v is not None})
    for section, values in raw.items():
        if not isinstance(values, dict):
            raise ConfigError(f"[{section}] must be a table")
    config = Config(**{name: _build(f"[{name}]", cls, raw.get(name, {})) for name, cls in _SECTIONS.items()},
                    **{name: _named(name, raw[name]) for name in _TABLES if name in raw})
    validate(config)
    return config


def validate(config: Config) -> None:
    from .policy.calendar import parse_hours  # pure: standard library and holidays only
    from .policy.holidays import closed_dates

    try:
        zoneinfo.ZoneInfo(config.desk.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"[desk] timezone: unknown time zone {config.desk.timezone!r}") from None
    try:
        closed_dates(config.desk.holidays, ())
    except ValueError as exc:
        raise ConfigError(f"[desk] holidays: {exc}") from None
    try:
        parse_hours(config.desk.hours)
    except ValueError as exc:
        raise ConfigError(f"[desk] hours: {exc}") from None
    for section in ("policy", "limits"):
        for field in dataclasses.fields(getattr(config, section)):
            if getattr(getattr(config, section), field.name) <= 0:
                raise ConfigError(f"[{section}] {field.name}: must be positive")
    p = config.policy
    for warn, limit in (("first_response_warn_s", "first_response_s"),
                        ("response_gap_warn_s", "response_gap_s"),
                        ("duration_warn_s", "duration_convert_s")):
        if getattr(p, warn) >= getattr(p, limit):
            raise ConfigError(f"[policy] {warn}: must be below {limit}")
    if p.ticket_warn_percent >= 100:
        raise ConfigError("[policy] ticket_warn_percent: must be below 100")
    _validate_limits(config.limits)
    _validate_attachments(config.attachments)
    if not 0 < config.server.port < 65536:
        raise ConfigError("[server] port: must be 1-65535")
    if not config.server.database.startswith(("sqlite:///", "postgresql://", "postgres://")):
        raise ConfigError(f"[server] database: unsupported URL {config.server.database!r}")
    if config.server.public_url and not config.server.public_url.startswith(("http://", "https://")):
        raise ConfigError(f"[server] public_url: expected an http:// or https:// address, "
                          f"got {config.server.public_url!r}")
    _validate_nodes(config.server)
    _validate_webhooks(config.webhooks)
    try:
        config.metrics.networks
    except ValueError as exc:
        raise ConfigError(f"[metrics] allow: {exc}") from None
    _validate_tables(config)


def _validate_nodes(server: ServerConfig) -> None:
    if server.redis and not server.redis.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"[server] redis: expected a redis://, rediss:// or unix:// URL, got {server.redis!r}")
    if server.redis and server.database.startswith("sqlite:"):
        raise ConfigError("[server] redis: several nodes share one PostgreSQL database; "
                          "a SQLite file belongs to one process")
    if server.redis and not server.secret_key:
        raise ConfigError("[server] secret_key: several nodes must sign console sessions with the same key; "
                          "set it (or SHIFTDESK_SERVER_SECRET_KEY) on every node")
    if server.node and not re.fullmatch(r"[A-Za-z0-9_]{1,32}", server.node):
        raise ConfigError(f"[server] node: 1-32 letters, digits or _, got {server.node!r}")
    if not 2 <= server.node_ttl_s <= 300:
        raise ConfigError("[server] node_ttl_s: must be 2-300")
    if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", server.redis_prefix):
        raise ConfigError(f"[server] redis_prefix: 1-64 letters, digits or _.:-, got {server.redis_prefix!r}")
    try:
        server.proxies
    except ValueError as exc:
        raise ConfigError(f"[server] trusted_proxies: {exc}") from None


def _validate_webhooks(webhooks: WebhooksConfig) -> None:
    host = re.compile(r"[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))*")
    if not 1 <= webhooks.timeout_s <= 60:
        raise ConfigError("[webhooks] timeout_s: must be 1-60")
    if not 1 <= webhooks.give_up_hours <= 24 * 14:
        raise ConfigError("[webhooks] give_up_hours: must be 1-336")
    if not 1 <= webhooks.first_retry_s <= 3600:
        raise ConfigError("[webhooks] first_retry_s: must be 1-3600")
    if not 1 <= webhooks.keep_days <= 3650:
        raise ConfigError("[webhooks] keep_days: must be 1-3650")
    for name in webhooks.http_names:
        if not host.fullmatch(name):
            raise ConfigError(f"[webhooks] http_hosts: not a host name: {name!r}")
    for entry in webhooks.allowed:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            if not host.fullmatch(entry):
                raise ConfigError(f"[webhooks] allow_hosts: not an address, network or host name: {entry!r}") from None


def _validate_limits(limits: LimitsConfig) -> None:
    """Budgets that would contradict each other: the soft one (an error ack)
    must bite before the hard one (the connection closed)."""
    if limits.send_queue_bytes < limits.history_bytes:
        raise ConfigError("[limits] send_queue_bytes: must be at least history_bytes "
                          "(a history answer must fit what waits for a connection)")
    if limits.packets_per_minute <= limits.events_per_minute:
        raise ConfigError("[limits] packets_per_minute: must be above events_per_minute")
    if limits.context_pages < 1:
        raise ConfigError("[limits] context_pages: must be at least 1 (the page the visitor is on)")
    if limits.reset_link_hours < 1:
        raise ConfigError("[limits] reset_link_hours: must be at least 1")


def _validate_attachments(attachments: AttachmentsConfig) -> None:
    from .policy.files import KINDS, REFUSED  # pure: the standard library only

    for name in ("max_bytes", "max_per_message", "uploads_per_minute", "uploads_per_minute_per_address",
                 "downloads_per_minute", "link_days",
                 "unsent_hours"):
        if getattr(attachments, name) <= 0:
            raise ConfigError(f"[attachments] {name}: must be positive")
    for kind in (k.strip().lower() for k in attachments.types.split(",") if k.strip()):
        if kind in REFUSED:
            raise ConfigError(f"[attachments] types: {kind} is never taken (a browser would run it)")
        if kind not in KINDS:
            raise ConfigError(f"[attachments] types: unknown type {kind!r} (known: {', '.join(sorted(KINDS))})")


def _validate_tables(config: Config) -> None:
    from .policy.evidence import CATALOGUE  # pure: the standard library only
    from .policy.tickets import TARGETS  # the priorities

    for table in _TABLES:
        for name in getattr(config, table):
            _check_name(f"[{table}.{name}]", name)
    for name, topic in config.topics.items():
        for key in ("skill", "department"):
            if getattr(topic, key):
                _check_name(f"[topics.{name}] {key}", getattr(topic, key))
        for field in topic.evidence:
            if field not in CATALOGUE:
                raise ConfigError(f"[topics.{name}] evidence: unknown field {field!r} "
                                  f"(known: {', '.join(CATALOGUE)})")
        if topic.priority not in TARGETS:
            raise ConfigError(f"[topics.{name}] priority: expected one of {', '.join(TARGETS)}, "
                              f"got {topic.priority!r}")
    for name, plan in config.plans.items():
        if plan.tickets_included < 0:
            raise ConfigError(f"[plans.{name}] tickets_included: must be 0 or more")


def is_name(value: str) -> bool:
    """A name as topics, plans, skills and departments have: 1-64 of a-z,
    0-9, '_' and '-', starting with a letter or digit."""
    return _NAME.fullmatch(value) is not None


def _check_name(where: str, value: str) -> None:
    if not is_name(value):
        raise ConfigError(f"{where}: {value!r} is not a name (1-64 of a-z, 0-9, '_' and '-', "
                          f"starting with a letter or digit)")


def check_topic(name: str, topic: TopicConfig) -> None:
    """What the file's `[topics.NAME]` must satisfy, for a topic a lead
    keeps in the dashboard too: its name, skill and department are names,
    its priority one of the desk's. Raises ConfigError naming the field."""
    from .policy.tickets import TARGETS  # the priorities

    _check_name("name", name)
    for key in ("skill", "department"):
        if getattr(topic, key):
            _check_name(key, getattr(topic, key))
    if topic.priority not in TARGETS:
        raise ConfigError(f"priority: expected one of {', '.join(TARGETS)}, got {topic.priority!r}")
