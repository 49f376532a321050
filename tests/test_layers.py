"""The adapters (server/realtime, server/web) call the services only: the
store and the live state are the services' to use."""
from __future__ import annotations

import ast
import pathlib

SERVER = pathlib.Path(__file__).resolve().parent.parent / "server"
PORTS = {"store", "live"}


def reaches_past(source: str) -> list[int]:
    """Lines that use a Desk's store or live state (`….desk.store`, `desk.live`)."""
    return sorted(node.lineno for node in ast.walk(ast.parse(source))
                  if isinstance(node, ast.Attribute) and node.attr in PORTS
                  and (isinstance(node.value, ast.Attribute) and node.value.attr == "desk"
                       or isinstance(node.value, ast.Name) and node.value.id == "desk"))


def test_the_check_finds_a_reach_past_the_services():
    assert reaches_past("x = services.desk.store\nawait desk.live.queue()\ny = self.store") == [1, 2]


def test_adapters_call_services_only():
    found = []
    for layer in ("realtime", "web"):
        for path in sorted((SERVER / layer).rglob("*.py")):
            found += [f"{path.relative_to(SERVER)}:{line}" for line in reaches_past(path.read_text(encoding="utf-8"))]
    assert found == [], "call a service instead:\n" + "\n".join(found)
