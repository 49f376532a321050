"""The TOML configuration of design.md ("Configuration contract").

Every key is optional and has its default here; `docs/config.example.toml`
documents them. Unknown keys and values of the wrong type or range are
refused with a `ConfigError` that names them. Precedence, lowest first:
defaults, the file, `SHIFTDESK_<SECTION>_<KEY>` environment variables,
command-line options.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULT_DATABASE = "sqlite:///data/shiftdesk.db"


class ConfigError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    database: str = DEFAULT_DATABASE
    redis: str = ""
    secret_key: str = ""  # signs console session cookies; generated into data/ when empty


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
    events_per_minute: int = 240


@dataclasses.dataclass(frozen=True)
class Config:
    server: ServerConfig = ServerConfig()
    desk: DeskConfig = DeskConfig()
    policy: PolicyConfig = PolicyConfig()
    mail: MailConfig = MailConfig()
    limits: LimitsConfig = LimitsConfig()


_SECTIONS: dict[str, type] = {f.name: f.type if isinstance(f.type, type) else globals()[f.type]
                              for f in dataclasses.fields(Config)}


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


def _section(name: str, raw: Mapping[str, Any]) -> Any:
    cls = _SECTIONS[name]
    fields = {_key(f): f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ConfigError(f"unknown key(s) in [{name}]: {', '.join(unknown)}")
    kinds = {"int": int, "str": str, "bool": bool}
    values = {fields[k].name: _coerce(f"[{name}] {k}", v, kinds[str(fields[k].type)])
              for k, v in raw.items()}
    return cls(**values)


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
    unknown = sorted(set(raw) - set(_SECTIONS))
    if unknown:
        raise ConfigError(f"unknown section(s): {', '.join(unknown)}")
    for source in (_environment(os.environ if env is None else env), overrides or {}):
        for section, values in source.items():
            raw.setdefault(section, {}).update({k: v for k, v in values.items() if v is not None})
    for section, values in raw.items():
        if not isinstance(values, dict):
            raise ConfigError(f"[{section}] must be a table")
    config = Config(**{name: _section(name, raw.get(name, {})) for name in _SECTIONS})
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
    if not 0 < config.server.port < 65536:
        raise ConfigError("[server] port: must be 1-65535")
    if not config.server.database.startswith(("sqlite:///", "postgresql://", "postgres://")):
        raise ConfigError(f"[server] database: unsupported URL {config.server.database!r}")
