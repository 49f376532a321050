"""The console's and dashboard's words in one place (console/src/strings.js):
the table as the bundle has it (esbuild, then node) has no blank string,
only well-formed `{name}` placeholders and both plural forms of a count;
every key the code asks for is in it; and no console/src file still puts
an English literal in the obvious places (an element's text child, an
aria-label, a title, a placeholder, a textContent, a label of a dialog,
chart or tile spec, a fact table's row heading, what fill, flash and pill
put in place)."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from .conftest import ROOT

SOURCES = sorted((ROOT / "console" / "src").glob("*.js")) + sorted((ROOT / "console" / "src" / "dashboard").glob("*.js"))
STRINGS_JS = ROOT / "console" / "src" / "strings.js"

# A literal with a letter in it (a word someone reads), as an element's
# text child right after its attributes, or as a text attribute.
LITERAL = r'(?P<lit>"[^"\n]*"|`[^`\n]*`)'
OBVIOUS = [
    re.compile(r'\bel\("\w+", \{[^{}]*\}, ' + LITERAL),  # el("button", {...}, "Send")
    re.compile(r'"aria-label": ' + LITERAL),
    re.compile(r'\b(?:title|placeholder): ' + LITERAL),
    re.compile(r'\.(?:textContent|title|placeholder) = ' + LITERAL),
    # A label in a spec or table: a dialog's, a chart's or a tile's label,
    # intro and submit button, and a fact table's row heading (a literal
    # that starts a list with a capital: codes such as ["chats", num] are
    # lower case).
    re.compile(r'\b(?:label|intro|submitLabel):\s*' + LITERAL),
    re.compile(r'\[\s*(?P<lit>"[A-Z][^"\n]*"|`[A-Z][^`\n]*`),'),
    # Words put in place at once: fill(node, "..."), flash("..."), pill("...").
    re.compile(r'\b(?:fill|flash)\((?:[\w.$]+,\s*)?' + LITERAL),
    re.compile(r'\bpill\(' + LITERAL),
]
# Files whose strings are not moved yet (each one a known gap, not a pass):
# the list must only shrink, and is empty now that every file is moved.
NOT_YET: set[str] = set()


def words(literal: str) -> bool:
    """Whether a literal holds a word once its `${...}` parts are taken out."""
    return re.search(r"[A-Za-z]", re.sub(r"\$\{[^}]*\}", "", literal)) is not None


def left_in(line: str) -> list[str]:
    """The literals with words in `line`'s obvious places."""
    return [hit.group(0) for pattern in OBVIOUS for hit in pattern.finditer(line) if words(hit.group("lit"))]


def strings_table() -> dict[str, str]:
    """strings.js's table as the bundle has it (esbuild, then node)."""
    script = (
        "const r = require('esbuild').buildSync({entryPoints: ['console/src/strings.js'], bundle: true,"
        " write: false, format: 'cjs', platform: 'neutral', logLevel: 'silent'});"
        "const m = {exports: {}}; new Function('module', 'exports', r.outputFiles[0].text)(m, m.exports);"
        "const {s, sn, parts} = m.exports;"
        "process.stdout.write(JSON.stringify({table: m.exports.STRINGS,"
        " filled: s('errors.failed', {action: 'A', why: 'B.'}),"
        " one: sn('feeds.repeat', 1, {topic: 't', ticket: 'T'}), many: sn('feeds.repeat', 3, {topic: 't', ticket: 'T'}),"
        " parts: parts('dashboard.supervisors_only', {console: {node: true}})}));"
    )
    done = subprocess.run(["node", "-e", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_string_is_words_with_well_formed_placeholders() -> None:
    answer = strings_table()
    table = answer["table"]
    assert len(table) > 350  # the console's words are there, not a stub
    for key, text in table.items():
        assert re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)+", key), key
        assert isinstance(text, str) and text.strip(), f"{key} is blank"
        # Braces only as {name}: nothing half-open, nothing empty, no spaces.
        assert "{" not in re.sub(r"\{[a-z_]+\}", "", text) and "}" not in re.sub(r"\{[a-z_]+\}", "", text), (key, text)
    for key in table:
        if key.endswith(".one"):
            assert key[:-4] + ".other" in table, f"{key} has no .other form"
    assert answer["filled"] == "A. B."
    assert answer["one"] == "1 chat on “t” while ticket T is open"
    assert answer["many"] == "3 chats on “t” while ticket T is open"
    assert answer["parts"] == ["Supervisors only: ", {"node": True}]


def test_every_key_the_code_asks_for_is_in_the_table() -> None:
    table = strings_table()["table"]
    asked: dict[str, str] = {}
    prefixes = {key.split(".")[0] for key in table}
    groups = {key.rsplit(".", n)[0] for key in table for n in range(1, key.count("."))}  # "chatview.ended"
    for path in SOURCES:
        if path == STRINGS_JS:
            continue
        text = path.read_text()
        for call, key in re.findall(r'\b(s|sn|parts|pluralKey)\("([^"]+)"', text):
            asked[key if call in ("s", "parts") else key + ".other"] = path.name
        # A key named apart from the call that reads it ("overview.alerts_failed"
        # passed on, "audit.lift" returned by a switch): any literal shaped like
        # a key of one of the table's groups, that is not a file name.
        for key in re.findall(r'"([a-z0-9_]+(?:\.[a-z0-9_]+)+)"', text):
            if key.split(".")[0] in prefixes and not key.endswith((".js", ".css")) and key not in asked and key not in groups:
                asked[key if key in table or key + ".other" not in table else key + ".other"] = path.name
    assert len(asked) > 280
    assert "audit.ban" in asked and "audit.suspend_days.other" in asked  # keys returned, not read in place
    missing = {key: name for key, name in asked.items() if key not in table}
    assert missing == {}


def test_no_console_file_keeps_words_in_the_obvious_places() -> None:
    found = []
    for path in SOURCES:
        if path == STRINGS_JS or path.name in NOT_YET:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = "" if line.lstrip().startswith(("*", "/*")) else line.split("//", 1)[0]
            found += [f"{path.relative_to(ROOT)}:{number}: {hit}" for hit in left_in(code)]
    assert found == []


def test_the_check_finds_a_literal_where_one_is_left() -> None:
    """The pattern check is not blind: a line as they were before the move is caught."""
    before = [
        'el("button", { type: "submit", class: "primary" }, "Send reply")',
        'el("input", { "aria-label": "Search tickets" })',
        'el("a", { title: `Remove ${name}` }, "×")',
        'this.toggle.textContent = "Available";',
        '["Status", [pill(chat.status, chat.status)]],',
        'submitLabel: "Archive", danger: true, fields: [],',
        '{ label: "Started", data: hours.map((h) => h.started) },',
        'fill(this.saveButton, "Save changes");',
        'this.app.flash("Tag archived.");',
        'a.on_call ? pill("on call", "info") : null',
    ]
    for line in before:
        assert left_in(line), line
    after = ['el("button", { type: "submit", class: "primary" }, s("tickets.send_reply"))',
             'el("span", { class: "canned-shortcut" }, `/${reply.shortcut}`)',
             '["chats", num], ["first_response_median_s", duration],',
             'pill(s("history.met"), "ok")', 'fill(this.rows, ...rows)']
    for line in after:
        assert not left_in(line), line
