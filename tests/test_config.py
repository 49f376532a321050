"""The configuration contract: every key documented with its default,
unknown keys and bad values refused with a message naming them."""
from __future__ import annotations

import dataclasses
import re
import tomllib

import pytest

from server.config import Config, ConfigError, PlanConfig, TopicConfig, load

EXAMPLE = "docs/config.example.toml"
DESK_EXAMPLE = "docs/examples/desk-9-to-6-us.toml"


def keys(cls: type) -> set[str]:
    return {field.name.rstrip("_") for field in dataclasses.fields(cls)}


def test_the_example_file_lists_every_key_with_its_default():
    assert load(EXAMPLE, env={}) == Config()
    with open(EXAMPLE, "rb") as file:
        raw = tomllib.load(file)
    for section in ("server", "desk", "policy", "mail", "limits", "metrics", "webhooks"):
        assert set(raw[section]) == keys(type(getattr(Config(), section))), section
    for table, cls in (("topics", TopicConfig), ("plans", PlanConfig)):
        assert set(raw[table]) == set(getattr(Config(), table)), table
        assert any(set(entry) == keys(cls) for entry in raw[table].values()), f"no [{table}.NAME] with every key"


@pytest.mark.parametrize("toml, named", [
    ("[server]\nprot = 1\n", "prot"),
    ("[sever]\nport = 1\n", "sever"),
    ("[server]\nport = \"eighty\"\n", "port"),
    ("[server]\nport = 70000\n", "port"),
    ("[policy]\nfirst_response_s = 0\n", "first_response_s"),
    ("[policy]\nfirst_response_warn_s = 90\n", "first_response_warn_s"),
    ("[limits]\nmessage_chars = true\n", "message_chars"),
    ("[desk]\ntimezone = \"Mars/Olympus\"\n", "timezone"),
    ("[desk]\nhours = \"mon-fri 09:00-25:00\"\n", "hours"),
    ("[server]\ndatabase = \"mysql://x\"\n", "database"),
    ("[desk]\nholidays = \"ZZ\"\n", "holidays"),
    ("[server]\npublic_url = \"support.example.com\"\n", "public_url"),
    ("[topics.password]\ncolour = \"red\"\n", re.escape("[topics.password] colour: unknown key")),
    ("[topics.refunds]\npriority = \"urgent\"\n", "urgent"),
    ("[topics.refunds]\nchat = \"maybe\"\n", re.escape("[topics.refunds] chat")),
    ("[topics.refunds]\nskill = \"Billing Team\"\n", "skill"),
    ("[topics.refunds]\ndepartment = \"-ops\"\n", "department"),
    ("[topics.\"Refunds\"]\n", "Refunds"),
    ("[topics]\nrefunds = \"billing\"\n", re.escape("[topics.refunds] must be a table")),
    ("[topics]\n", re.escape("[topics] is empty")),
    ("[plans.gold]\ntickets_included = -1\n", "tickets_included"),
    ("[plans.gold]\npriority_support = 1\n", "priority_support"),
    ("[server]\nredis = \"localhost:6379\"\n", "redis"),
    ("[server]\nredis = \"redis://r\"\nsecret_key = \"k\"\n", "a SQLite file belongs to one process"),
    ("[server]\nredis = \"redis://r\"\ndatabase = \"postgresql://db/d\"\n", "secret_key"),
    ("[server]\nnode = \"n-1\"\n", "node"),
    ("[server]\nnode_ttl_s = 1\n", "node_ttl_s"),
    ("[server]\nredis_prefix = \"a b\"\n", "redis_prefix"),
    ("[server]\ntrusted_proxies = \"nginx\"\n", "trusted_proxies"),
    ("[topics.api]\nevidence = [\"api_cal\"]\n",
     re.escape("[topics.api] evidence: unknown field 'api_cal' (known: api_call, api_response, document_url, files)")),
    ("[topics.api]\nevidence = \"api_call\"\n", re.escape("[topics.api] evidence: expected a list of names")),
    ("[topics.api]\nevidence = [\"files\", \"files\"]\n", re.escape("[topics.api] evidence: a name is listed twice")),
    ("[topics.api]\nevidence = [1]\n", re.escape("[topics.api] evidence: expected a list of names")),
    ("[policy]\nticket_warn_percent = 100\n", "ticket_warn_percent"),
    ("[policy]\nticket_update_s = 0\n", "ticket_update_s"),
])
def test_bad_config_is_refused_with_its_name(tmp_path, toml, named):
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match=named):
        load(path, env={})


def test_environment_then_command_line_override_the_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[server]\nport = 9000\nhost = \"0.0.0.0\"\n")
    config = load(path, env={"SHIFTDESK_SERVER_PORT": "9100", "SHIFTDESK_POLICY_AGENT_GRACE_S": "30"},
                  overrides={"server": {"host": "127.0.0.2", "port": None}})
    assert (config.server.port, config.server.host, config.policy.agent_grace_s) == (9100, "127.0.0.2", 30)
    with pytest.raises(ConfigError, match="agent_grace_s"):
        load(None, env={"SHIFTDESK_POLICY_AGENT_GRACE_S": "soon"})


def test_metrics_access_comes_from_the_environment_too():
    config = load(None, env={"SHIFTDESK_METRICS_TOKEN": "t0ken", "SHIFTDESK_METRICS_ALLOW": "10.0.0.0/8, ::1"})
    assert (config.metrics.token, [str(n) for n in config.metrics.networks]) == ("t0ken", ["10.0.0.0/8", "::1/128"])
    assert load(None, env={"SHIFTDESK_METRICS_ALLOW": ""}).metrics.networks == ()
    with pytest.raises(ConfigError, match=re.escape("[metrics] allow")):
        load(None, env={"SHIFTDESK_METRICS_ALLOW": "localhost"})


def test_default_topics_keep_account_changes_out_of_chat():
    topics = Config().topics
    for name in ("password", "login", "dns", "subscription", "billing_change", "engineering"):
        assert not topics[name].chat and topics[name].refusal == topics[name].reason != "", name
    assert "Password" in topics["password"].refusal
    assert topics["engineering"].department == "engineering"
    assert (topics["billing"].skill, topics["billing"].verified_only) == ("billing", True)
    assert topics["general"] == TopicConfig() and topics["general"].refusal  # a generic sentence
    assert Config().plans == {"standard": PlanConfig(tickets_included=10),
                              "priority": PlanConfig(priority_support=True, tickets_included=50)}


def test_topics_in_the_file_replace_the_defaults_and_plans_stay(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[topics.refunds]\nskill = "billing"\npriority = "high"\n'
                    '[topics.outage]\npriority = "critical"\n')
    config = load(path, env={"SHIFTDESK_TOPICS_REFUNDS_SKILL": "network"})  # tables are file-only
    assert dict(config.topics) == {"refunds": TopicConfig(skill="billing", priority="high"),
                                   "outage": TopicConfig(priority="critical")}
    assert config.plans == Config().plans


def test_config_stays_frozen_and_hashable():
    config = Config()
    assert hash(config) == hash(load(EXAMPLE, env={}))
    with pytest.raises(TypeError):
        config.topics["general"] = TopicConfig()  # type: ignore[index]
    assert hash(Config(topics={"returns": TopicConfig()})) == hash(Config(topics={"returns": TopicConfig()}))


def test_base_url_is_the_public_url_without_its_slash(tmp_path):
    assert Config().base_url == "http://127.0.0.1:8080"
    path = tmp_path / "c.toml"
    path.write_text('[server]\npublic_url = "https://support.example.com/"\n')
    assert load(path, env={}).base_url == "https://support.example.com"
    assert load(None, env={"SHIFTDESK_SERVER_HOST": "::1"}).base_url == "http://[::1]:8080"


def test_the_new_york_desk_example_loads_and_the_guide_shows_it():
    config = load(DESK_EXAMPLE, env={})
    assert (config.desk.timezone, config.desk.holidays, config.desk.hours) == (
        "America/New_York", "US", "mon-fri 09:00-18:00")
    assert config.base_url == "https://support.example.com"
    assert config.mail.smtp_host and config.mail.starttls
    assert not config.topics["password"].chat and config.topics["billing"].verified_only
    assert "provisioning" not in config.topics and config.topics["outage"].priority == "critical"
    assert config.plans["priority"].priority_support and config.plans["standard"].tickets_included == 10
    with open("docs/operators.md", encoding="utf-8") as guide, open(DESK_EXAMPLE, encoding="utf-8") as example:
        assert f"```toml\n{example.read()}```" in guide.read(), "operators.md shows the example as it is"


def test_a_node_of_several_needs_postgresql_redis_and_a_shared_secret():
    config = load(env={"SHIFTDESK_SERVER_REDIS": "redis://r:6379/0", "SHIFTDESK_SERVER_DATABASE": "postgresql://db/d",
                       "SHIFTDESK_SERVER_SECRET_KEY": "shared", "SHIFTDESK_SERVER_NODE": "n2",
                       "SHIFTDESK_SERVER_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"})
    assert (config.server.redis, config.server.node) == ("redis://r:6379/0", "n2")
    assert [str(n) for n in config.server.proxies] == ["127.0.0.1/32", "10.0.0.0/8"]


def test_a_topic_names_the_evidence_its_tickets_need(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[topics.api]\nevidence = ["api_response", "api_call"]\n')
    assert load(path, env={}).topics["api"].evidence == ("api_response", "api_call")

