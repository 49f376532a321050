"""The command line is a contract: these forms must keep working."""
from __future__ import annotations

import asyncio
import socket
import subprocess
import sys

from server.services.auth import verify_password
from server.services.tokens import hash_token
from server.store import open_store
from tests.serverproc import ROOT, ServerProcess


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def stored(database: str, work):
    async def read():
        store = await open_store(database)
        try:
            return await work(store)
        finally:
            await store.close()
    return asyncio.run(read())


def test_help_lists_every_command():
    out = run("--help").stdout
    for command in ("serve", "site", "agent", "token", "migrate"):
        assert command in out
    agent_help = run("agent", "add", "--help").stdout
    for option in ("--name", "--password", "--token", "--role", "--tier", "--skills", "--capacity", "--shift",
                   "--on-call", "--config", "--database"):
        assert option in agent_help
    assert "remove" in run("agent", "--help").stdout


def test_site_add_generates_a_secret_once_and_updates_in_place(tmp_path):
    db = f"sqlite:///{tmp_path}/cli.db"
    first = run("site", "add", "shop", "--origin", "https://shop.example", "--database", db)
    assert first.returncode == 0 and "secret (shown once)" in first.stdout
    again = run("site", "add", "shop", "--identity", "required", "--database", db)
    assert again.returncode == 0 and "secret" not in again.stdout.split("saved")[0]
    site = stored(db, lambda s: s.site_by_key("shop"))
    assert site.origins == ("https://shop.example",) and site.identity.value == "required"


def test_agent_add_hashes_password_and_token_and_updates_by_email(tmp_path):
    db = f"sqlite:///{tmp_path}/cli.db"
    token = "t" * 32
    made = run("agent", "add", "Bo@Example.test", "--name", "Bo", "--password", "pw-1234567", "--token", token,
               "--role", "supervisor", "--tier", "2", "--skills", "billing, network", "--capacity", "5",
               "--shift", "mon-fri 09:00-17:00", "--on-call", "--database", db)
    assert made.returncode == 0, made.stderr
    assert "on call" in made.stdout
    assert "pw-1234567" not in made.stdout and token not in made.stdout
    run("agent", "add", "bo@example.test", "--name", "Bo B", "--capacity", "2", "--database", db)
    agent = stored(db, lambda s: s.agent_by_email("bo@example.test"))
    assert (agent.name, agent.capacity, agent.tier, agent.skills) == ("Bo B", 2, 2, ("billing", "network"))
    assert agent.role.value == "supervisor" and agent.shift == "mon-fri 09:00-17:00" and agent.on_call
    run("agent", "add", "bo@example.test", "--name", "Bo B", "--no-on-call", "--database", db)
    assert not stored(db, lambda s: s.agent_by_email("bo@example.test")).on_call
    assert verify_password(agent.password_hash, "pw-1234567") and agent.token_hash == hash_token(token)


def test_a_lead_who_takes_no_chats_has_capacity_0(tmp_path):
    db = f"sqlite:///{tmp_path}/cli.db"
    made = run("agent", "add", "lead@example.test", "--name", "Lea", "--role", "supervisor", "--capacity", "0",
               "--database", db)
    assert made.returncode == 0, made.stderr
    assert "takes no chats" in made.stdout
    assert stored(db, lambda s: s.agent_by_email("lead@example.test")).capacity == 0
    agent = run("agent", "add", "ag@example.test", "--name", "Ag", "--capacity", "0", "--database", db)
    assert agent.returncode == 0 and stored(db, lambda s: s.agent_by_email("ag@example.test")).capacity == 0
    negative = run("agent", "add", "ag@example.test", "--name", "Ag", "--capacity", "-1", "--database", db)
    assert negative.returncode != 0 and "--capacity" in negative.stderr
    tier = run("agent", "add", "ag@example.test", "--name", "Ag", "--tier", "0", "--database", db)
    assert tier.returncode != 0 and "--tier" in tier.stderr


def test_bad_shift_short_token_and_bad_config_are_refused(tmp_path):
    db = f"sqlite:///{tmp_path}/cli.db"
    shift = run("agent", "add", "x@example.test", "--name", "X", "--shift", "mon-fri 09:00-25:00", "--database", db)
    assert shift.returncode != 0 and "25:00" in shift.stderr
    short = run("agent", "add", "x@example.test", "--name", "X", "--token", "short", "--database", db)
    assert short.returncode != 0 and "128 bits" in short.stderr
    tier = run("agent", "add", "x@example.test", "--name", "X", "--tier", "4", "--database", db)
    assert tier.returncode != 0 and "--tier" in tier.stderr
    config = tmp_path / "bad.toml"
    config.write_text("[limits]\nmesage_chars = 10\n")
    bad = run("migrate", "--config", str(config), "--database", db)
    assert bad.returncode == 2 and "mesage_chars" in bad.stderr


def test_migrate_creates_the_schema(tmp_path):
    db = f"sqlite:///{tmp_path}/fresh/m.db"
    assert run("migrate", "--database", db).returncode == 0
    assert stored(db, lambda s: s.list_agents()) == []


def test_agent_remove_keeps_the_row_and_a_second_add_restores_it(tmp_path):
    db = f"sqlite:///{tmp_path}/cli.db"
    made = run("agent", "add", "cy@example.test", "--name", "Cy", "--password", "pw-1234567", "--database", db)
    assert made.returncode == 0
    removed = run("agent", "remove", "Cy@Example.test", "--database", db)
    assert removed.returncode == 0 and "removed" in removed.stdout
    agent = stored(db, lambda s: s.agent_by_email("cy@example.test"))
    assert agent.removed and agent.name == "Cy" and agent.epoch == 1
    assert "already" in run("agent", "remove", "cy@example.test", "--database", db).stdout
    missing = run("agent", "remove", "nobody@example.test", "--database", db)
    assert missing.returncode != 0 and "no agent nobody@example.test" in missing.stderr
    again = run("agent", "add", "cy@example.test", "--name", "Cy", "--role", "supervisor", "--database", db)
    assert "restored" in again.stdout and "role" in again.stdout
    agent = stored(db, lambda s: s.agent_by_email("cy@example.test"))
    assert not agent.removed and agent.epoch == 2 and verify_password(agent.password_hash, "pw-1234567")


def test_site_add_keeps_a_rotation_under_way_unless_it_sets_the_secret(tmp_path):
    import dataclasses
    from datetime import UTC, datetime, timedelta

    db = f"sqlite:///{tmp_path}/cli.db"
    assert run("site", "add", "shop", "--secret", "first-secret", "--database", db).returncode == 0
    until = datetime.now(UTC) + timedelta(hours=24)

    async def rotate(store):
        site = await store.site_by_key("shop")
        await store.save_site(dataclasses.replace(site, secret="second-secret", previous_secret=site.secret,
                                                  previous_until=until))
    stored(db, rotate)
    assert run("site", "add", "shop", "--origin", "https://shop.example", "--database", db).returncode == 0
    site = stored(db, lambda s: s.site_by_key("shop"))
    assert (site.secret, site.previous_secret, site.previous_until) == ("second-secret", "first-secret", until)
    assert run("site", "add", "shop", "--secret", "third-secret", "--database", db).returncode == 0
    site = stored(db, lambda s: s.site_by_key("shop"))
    assert (site.secret, site.previous_secret, site.previous_until) == ("third-secret", None, None)


def test_token_add_prints_the_token_once_list_never_does_and_revoke_ends_it(tmp_path):
    db = f"sqlite:///{tmp_path}/cli.db"
    assert run("site", "add", "shop", "--database", db).returncode == 0
    made = run("token", "add", "CRM sync", "--scope", "write", "--site", "shop", "--database", db)
    assert made.returncode == 0, made.stderr
    secret = made.stdout.split("(shown once): ")[1].strip()
    assert secret.startswith("sdi_") and len(secret) == 4 + 32  # 192 bits
    token = stored(db, lambda s: s.integration_token_login(hash_token(secret)))
    assert (token.name, token.scope.value, token.created_by) == ("CRM sync", "write", None)
    desk = run("token", "add", "reports", "--scope", "read", "--database", db)
    assert desk.returncode == 0 and "the whole desk" in desk.stdout
    listed = run("token", "list", "--database", db)
    assert "CRM sync" in listed.stdout and "shop" in listed.stdout and "(desk-wide)" in listed.stdout
    assert secret not in listed.stdout
    revoked = run("token", "revoke", token.id, "--database", db)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    assert stored(db, lambda s: s.integration_token_login(hash_token(secret))) is None
    assert "CRM sync" not in run("token", "list", "--database", db).stdout
    again = run("token", "revoke", token.id, "--database", db)
    assert again.returncode != 0 and "no such integration token" in again.stderr


def test_token_add_refuses_an_unknown_site_a_bad_scope_and_an_empty_name(tmp_path):
    db = f"sqlite:///{tmp_path}/cli.db"
    unknown = run("token", "add", "x", "--scope", "read", "--site", "nope", "--database", db)
    assert unknown.returncode != 0 and "no site has the key" in unknown.stderr
    scope = run("token", "add", "x", "--scope", "admin", "--database", db)
    assert scope.returncode != 0 and "--scope" in scope.stderr
    empty = run("token", "add", " ", "--scope", "read", "--database", db)
    assert empty.returncode != 0 and "name" in empty.stderr


def test_serve_on_a_port_in_use_says_so_in_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run("serve", "--host", "127.0.0.1", "--port", str(port), "--database", f"sqlite:///{tmp_path}/s.db")
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "address already in use" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_test_node_whose_port_was_taken_before_it_bound_it_starts_on_another(tmp_path):
    """tests/serverproc.py: free_port()'s port can be taken by anything
    before the node binds it (the cause of a rare multi-node start failure)."""
    node = ServerProcess(f"sqlite:///{tmp_path}/n.db", log=tmp_path / "n.log")
    first = node.port
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", first))
        taken.listen()
        node.start()
    try:
        assert node.port != first and node.url.endswith(f":{node.port}")
        assert f"cannot listen on 127.0.0.1:{first}" in (tmp_path / "n.log").read_text()
    finally:
        node.stop()
