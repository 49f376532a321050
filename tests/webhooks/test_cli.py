"""`run.py webhook add|list|remove`: the rules of the REST routes, on the
command line; the secret printed once, and only when generated."""
from __future__ import annotations

from tests.test_cli import run, stored


def test_webhook_add_list_and_remove(tmp_path):
    db = f"sqlite:///{tmp_path}/cli.db"
    assert run("site", "add", "shop", "--database", db).returncode == 0
    made = run("webhook", "add", "shop", "https://crm.example.com/hooks", "--secret", "s" * 24,
               "--event", "chat.started", "--event", "ticket.created", "--database", db)
    assert made.returncode == 0, made.stderr
    assert "s" * 24 not in made.stdout and "chat.started, ticket.created" in made.stdout
    generated = run("webhook", "add", "shop", "https://billing.example.com/in", "--database", db)
    assert generated.returncode == 0 and "signing secret (shown once): whsec_" in generated.stdout
    secret = generated.stdout.rsplit(": ", 1)[1].strip()
    hooks = stored(db, lambda s: s.list_webhooks())
    assert [(h.url, h.events) for h in hooks] == [("https://crm.example.com/hooks", ("chat.started", "ticket.created")),
                                                 ("https://billing.example.com/in", ())]
    assert hooks[0].secret == "s" * 24 and hooks[1].secret == secret
    listed = run("webhook", "list", "shop", "--database", db)
    assert listed.returncode == 0 and hooks[0].id in listed.stdout and "enabled" in listed.stdout
    assert "s" * 24 not in listed.stdout and secret not in listed.stdout
    removed = run("webhook", "remove", hooks[0].id, "--database", db)
    assert removed.returncode == 0 and "removed" in removed.stdout
    assert [h.id for h in stored(db, lambda s: s.list_webhooks())] == [hooks[1].id]


def test_webhook_add_refuses_what_the_dashboard_refuses(tmp_path):
    db = f"sqlite:///{tmp_path}/cli.db"
    run("site", "add", "shop", "--database", db)
    for args, says in ((("http://crm.example.com/h",), "must be https"),
                       (("https://10.0.0.5/h",), "private"),
                       (("https://crm.example.com/h", "--event", "chat.nope"), "unknown event"),
                       (("https://crm.example.com/h", "--secret", "short"), "secret")):
        refused = run("webhook", "add", "shop", *args, "--database", db)
        assert refused.returncode != 0 and says in refused.stderr, (args, refused.stderr)
    assert run("webhook", "add", "nosuch", "https://crm.example.com/h", "--database", db).returncode != 0
    assert run("webhook", "remove", "nosuch", "--database", db).returncode != 0
    assert stored(db, lambda s: s.list_webhooks()) == []


def test_help_lists_the_webhook_command():
    assert "webhook" in run("--help").stdout
    out = run("webhook", "add", "--help").stdout
    for option in ("--secret", "--event", "--config", "--database"):
        assert option in out
