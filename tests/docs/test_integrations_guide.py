"""docs/integrations.md's signature checks, run as printed: the Python and
the Node.js blocks are cut out of the guide and given deliveries signed the
way the guide says the desk signs them (HMAC-SHA256 of "{t}.{raw body}"
with the secret's UTF-8 bytes). A good signature passes; a changed body or
signature, another secret, an old timestamp or a malformed header fails,
without an exception."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from server.policy.webhooks import sign

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "integrations.md"
SECRET = "whsec_7bX2-sécret"  # not ASCII: the key is the secret's UTF-8 bytes
NOW = 1_764_842_400
BODY = '{"id":"evt_1","type":"chat.message","site":"acme","data":{"message":{"text":"Grüße, 5€"}}}'.encode()

PYTHON_DRIVER = """
import json, sys
for case in json.load(sys.stdin):
    print(json.dumps(verify(case["secret"], case["header"], case["body"].encode("utf-8"), now=case["now"])))
"""
NODE_DRIVER = """
const cases = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
for (const c of cases) console.log(JSON.stringify(verify(c.secret, c.header, Buffer.from(c.body, "utf8"), c.now)));
"""


def block(marker: str, language: str) -> str:
    """The fenced block right after `<!-- marker -->` in the guide."""
    found = re.search(rf"<!-- {marker} -->\n```{language}\n(.*?)\n```", GUIDE.read_text(), re.DOTALL)
    assert found, f"no {language} block after <!-- {marker} --> in {GUIDE.name}"
    return found.group(1)


def node() -> str:
    """Node.js, which the project needs anyway (the front ends are built with it)."""
    found = shutil.which("node")
    assert found, "node is not on the PATH: the project needs Node.js 18+"
    return found


def guide_verify_python() -> Callable[..., bool]:
    """The guide's Python `verify`, as printed."""
    namespace: dict = {}
    exec(block("verify-python", "python"), namespace)  # noqa: S102: our own doc, under test
    return namespace["verify"]


def signed(body: bytes, at: int, secret: str = SECRET) -> str:
    """The header the guide describes."""
    digest = hmac.new(secret.encode("utf-8"), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def cases() -> list[tuple[dict, bool]]:
    good = signed(BODY, NOW)
    flipped = good[:-1] + ("0" if good[-1] != "0" else "1")
    case = {"secret": SECRET, "header": good, "body": BODY.decode(), "now": NOW}
    return [
        (case, True),
        ({**case, "now": NOW + 299}, True),  # within 5 minutes, either way
        ({**case, "now": NOW - 299}, True),
        ({**case, "header": f"v1={good.split('v1=')[1]},t={NOW}"}, True),  # order of the fields
        ({**case, "body": BODY.decode().replace("5€", "6€")}, False),  # the body tampered with
        ({**case, "header": flipped}, False),  # the signature tampered with
        ({**case, "secret": SECRET + "x"}, False),  # another endpoint's secret
        ({**case, "now": NOW + 301}, False),  # replayed after 5 minutes
        ({**case, "header": signed(BODY, NOW - 301), "now": NOW}, False),  # signed long ago, correctly
        ({**case, "header": f"t={NOW}"}, False),
        ({**case, "header": ""}, False),
        ({**case, "header": f"t=soon,v1={good.split('v1=')[1]}"}, False),
        ({**case, "header": good + "é"}, False),  # not ASCII: refused, not an exception
        ({**case, "header": f"t={NOW},v1=" + "g" * 64}, False),
    ]


def run(command: list[str], source: str, tmp_path: Path, name: str) -> list[bool]:
    script = tmp_path / name
    script.write_text(source)
    given = json.dumps([case for case, _ in cases()])
    done = subprocess.run([*command, str(script)], input=given, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_the_python_snippet_accepts_a_good_signature_and_refuses_the_others(tmp_path):
    results = run([sys.executable], block("verify-python", "python") + "\n" + PYTHON_DRIVER, tmp_path, "verify.py")
    assert results == [expected for _, expected in cases()]


def test_the_node_snippet_accepts_a_good_signature_and_refuses_the_others(tmp_path):
    results = run([node()], block("verify-node", "js") + "\n" + NODE_DRIVER, tmp_path, "verify.js")
    assert results == [expected for _, expected in cases()]


def test_the_guide_is_linked_from_the_readme_and_points_at_the_reference():
    assert "docs/integrations.md" in (ROOT / "README.md").read_text()
    guide = GUIDE.read_text()
    assert "/docs/api" in guide and "/api/v1/openapi.json" in guide


@pytest.mark.parametrize("language", ["python", "node"])
def test_the_snippets_accept_what_the_desk_itself_signs(tmp_path, language):
    """Against the server's own signer (server/policy/webhooks.py): the
    guide and the desk agree."""
    header = sign(SECRET, BODY, NOW)
    given = [{"secret": SECRET, "header": header, "body": BODY.decode(), "now": NOW},
             {"secret": SECRET, "header": header, "body": BODY.decode() + " ", "now": NOW}]
    if language == "python":
        command, source, name = [sys.executable], block("verify-python", "python") + PYTHON_DRIVER, "verify.py"
    else:
        command, source, name = [node()], block("verify-node", "js") + "\n" + NODE_DRIVER, "verify.js"
    script = tmp_path / name
    script.write_text(source)
    done = subprocess.run([*command, str(script)], input=json.dumps(given), capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    assert [json.loads(line) for line in done.stdout.splitlines()] == [True, False]
