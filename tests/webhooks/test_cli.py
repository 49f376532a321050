"""`run.py webhook add|list|remove`: the rules of the REST routes, on the
command line; the secret printed once, and only when generated."""
from __future__ import annotations

import subprocess
import sys

from tests.serverproc import ROOT
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


def run_with_stdin(stdin: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          input=stdin)


def test_webhook_add_reads_the_secret_from_stdin_so_it_is_never_in_argv(tmp_path):
    db = f"sqlite:///{tmp_path}/cli.db"
    run("site", "add", "shop", "--database", db)
    made = run_with_stdin("t" * 24 + "\n", "webhook", "add", "shop", "https://crm.example.com/hooks",
                          "--secret-stdin", "--database", db)
    assert made.returncode == 0, made.stderr
    assert "t" * 24 not in made.stdout and "shown once" not in made.stdout
    assert [h.secret for h in stored(db, lambda s: s.list_webhooks())] == ["t" * 24]
    for stdin, says in (("\n", "no secret"), ("", "no secret"), ("short\n", "secret"), ("x" * 300 + "\n", "secret")):
        refused = run_with_stdin(stdin, "webhook", "add", "shop", "https://crm.example.com/h", "--secret-stdin",
                                 "--database", db)
        assert refused.returncode != 0 and says in refused.stderr, (stdin, refused.stderr)
    both = run_with_stdin("t" * 24 + "\n", "webhook", "add", "shop", "https://crm.example.com/h", "--secret-stdin",
                          "--secret", "u" * 24, "--database", db)
    assert both.returncode != 0 and "not allowed with" in both.stderr
    assert len(stored(db, lambda s: s.list_webhooks())) == 1
    help_text = " ".join(run("webhook", "add", "--help").stdout.split())
    assert "--secret-stdin" in help_text and "(preferred:" in help_text and "prefer --secret-stdin" in help_text
