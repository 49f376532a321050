"""The configuration contract: every key documented with its default,
unknown keys and bad values refused with a message naming them."""
from __future__ import annotations

import pytest

from server.config import Config, ConfigError, load

EXAMPLE = "docs/config.example.toml"


def test_the_example_file_lists_every_key_with_its_default():
    assert load(EXAMPLE, env={}) == Config()
    text = open(EXAMPLE, encoding="utf-8").read()
    for section in ("server", "desk", "policy", "mail", "limits"):
        for key in getattr(Config(), section).__dataclass_fields__:
            assert f"\n{key.rstrip('_')} = " in text, (section, key)


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
