"""Issue 18.4: a strict Content-Security-Policy, and templates that need nothing inline.

The header test checks what django-csp sends; the lint walks every template (and fails naming
the file and line) for inline `style=` attributes, `on...=` handler attributes, inline
`<script>` (a script without `src`, other than a JSON data block), `<style>` elements and
`javascript:` URLs. The browser proof that no page raises a violation is in
tests/web/test_csp_browser.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.test import Client

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "seatkeeper" / "web" / "templates"
RULES = {
    "inline style= attribute": re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.S),
    "inline on...= handler": re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.S),
    "inline <script>": re.compile(
        r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.S
    ),
    "<style> element": re.compile(r"<style[\s>]"),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def lint(text: str) -> list[tuple[int, str]]:
    found = []
    for what, rule in RULES.items():
        for m in rule.finditer(text):
            found.append((text.count("\n", 0, m.start()) + 1, what))
    return found


def test_issue_18_4_the_lint_catches_each_kind() -> None:
    bad = (
        '<p style="x">\n<button type="button" onclick="go()">\n<script>alert(1)</script>\n'
        '<style>p{}</style>\n<a href="javascript:void(0)">'
    )
    assert [w for _, w in lint(bad)] == list(RULES)
    ok = (
        '<p class="mt-0" data-on="x">\n<script src="/static/web/app.js" defer></script>\n'
        '<script type="application/json" id="d">{}</script><option>onion</option>'
    )
    assert lint(ok) == []


def test_issue_18_4_no_template_has_inline_styles_handlers_or_scripts() -> None:
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 20
    problems = [
        f"{path.relative_to(TEMPLATES)}:{line}: {what}"
        for path in templates
        for line, what in lint(path.read_text())
    ]
    assert problems == []


def test_issue_18_4_every_answer_carries_the_policy(db: None) -> None:
    response = Client().get("/signin/")
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
