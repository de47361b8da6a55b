"""issue 17.15: the README's relative links resolve in a clone; the domain rules ship in docs/."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_issue_17_15_readme_relative_links_resolve_inside_the_repository() -> None:
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    local = [t for t in targets if "://" not in t and not t.startswith("mailto:")]
    assert "docs/domain.md" in local
    for target in local:
        path = (ROOT / target).resolve()
        assert path.is_relative_to(ROOT), f"{target} points outside the repository"
        assert path.exists(), f"README links to missing {target}"


def test_issue_17_15_domain_rules_and_make_run_options_documented() -> None:
    domain = (ROOT / "docs" / "domain.md").read_text()
    assert all(f"R{n}" in domain for n in range(1, 9))
    readme = (ROOT / "README.md").read_text()
    assert "PORT=" in readme
    assert "HOST=" in readme
