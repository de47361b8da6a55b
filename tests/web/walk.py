"""Every web URL pattern, walked from the resolver, with one case each (issue 18.5).

`CASES` is THE table of web URLs: a pattern without a case makes
`test_every_web_url_has_a_case` fail naming it, so a new page must be added here, and then it
is covered by the isolation walk (tests/web/test_isolation.py) and the CSP browser walk
(tests/web/test_csp_browser.py).

A case says how the URL is aimed at another tenant:

- "url": its path holds tenant ids (school, student, plan...): filled with the other tenant's,
  every answer must be 403 or 404;
- "body": its path holds none, but a POST names objects in its form (seats moved from a school,
  accounts merged, a token's owner): posted with the other tenant's ids, every POST answer must be
  403 or 404 (its GET shows the actor's own page);
- "own": it acts on the signed-in user's own district, session or nothing at all (sign-in,
  health, settings of their own district, an upload): no id can name another tenant; its
  answers must not be 5xx, must not show the other tenant's names, and must change none of its
  rows, like every case.

`ops` fills `<str:op>` with each real operation of the view. `browse` says which roles see the
page (200) with their own ids, for the browser walk; "" means it is not a page to browse (a
POST-only action, a CSV download, a redirect).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

ALL = ("district_admin", "school_admin", "teacher", "integration")
ADMINS = ("district_admin", "school_admin")


@dataclass(frozen=True)
class Case:
    aim: str  # "url" | "body" | "own"
    ops: tuple[str, ...] = ()
    browse: tuple[str, ...] = ()
    query: str = ""  # added to the browsed URL
    post: dict[str, Any] = field(default_factory=dict)  # fields beyond the shared body


CASES: dict[str, Case] = {
    # public and account
    "": Case("own", browse=ALL),
    "healthz": Case("own"),
    "status": Case("own"),
    "signin/": Case("own"),
    "signout/": Case("own"),
    "password/": Case("own", browse=ALL),
    "account/tokens/": Case("body", browse=ALL),
    "account/tokens/<int:token_id>/revoke/": Case("url"),
    # district admin
    "district/": Case("own", browse=("district_admin",)),
    "district/choose/": Case("own"),
    "district/allocations/<int:school_id>/": Case("url"),
    "district/move/": Case("body"),
    "district/launch/<int:school_id>/": Case("url"),
    "district/return/": Case("own"),
    "district/settings/": Case("own", browse=("district_admin",)),
    "district/audit/": Case("own", browse=("district_admin",)),
    "district/audit.csv": Case("own"),
    "district/audit/<int:entry_id>/undo/": Case("url"),
    "history/<str:kind>/<int:object_id>/": Case("url", ops=("student", "teacher", "classroom")),
    # school admin
    "schools/<int:school_id>/": Case("url", browse=ADMINS),
    "schools/<int:school_id>/header/": Case("url"),
    "schools/<int:school_id>/access/<int:teacher_id>/": Case("url"),
    "schools/<int:school_id>/teachers/": Case("url", browse=ADMINS),
    "schools/<int:school_id>/teachers/add/": Case("url"),
    "schools/<int:school_id>/teachers/student-creation/": Case("url"),
    "schools/<int:school_id>/teachers/<int:teacher_id>/<str:op>/": Case("url", ops=("delete",)),
    "schools/<int:school_id>/classrooms/": Case("url", browse=ADMINS),
    "schools/<int:school_id>/classrooms/bulk/": Case("url"),
    "schools/<int:school_id>/classrooms/add/": Case("url", browse=ADMINS),
    "schools/<int:school_id>/classrooms/<int:classroom_id>/": Case("url", browse=ADMINS),
    "schools/<int:school_id>/classrooms/<int:classroom_id>/<str:op>/": Case(
        "url", ops=("enroll", "unenroll")
    ),
    "schools/<int:school_id>/students/add/": Case("url", browse=ADMINS),
    "schools/<int:school_id>/students/bulk/": Case("url"),
    "schools/<int:school_id>/students/<int:student_id>/": Case("url", browse=ADMINS),
    "schools/<int:school_id>/students/": Case("url", browse=ADMINS),
    "schools/<int:school_id>/students/<int:student_id>/<str:op>/": Case(
        "url", ops=("unenroll", "delete", "restore")
    ),
    # teacher
    "teach/": Case("own", browse=("teacher",)),
    "teach/classrooms/<int:classroom_id>/": Case("url", browse=("teacher",)),
    "teach/classrooms/<int:classroom_id>/<str:op>/": Case(
        "url", ops=("enroll", "unenroll", "create")
    ),
    # imports
    "district/imports/": Case("own", browse=("district_admin",)),
    "district/imports/template.csv": Case("own"),
    "district/imports/<int:run_id>/": Case("url", browse=("district_admin",)),
    "district/imports/<int:run_id>/apply/": Case("url"),
    "district/imports/<int:run_id>/undo/": Case("url"),
    "schools/<int:school_id>/import/": Case("url", browse=ADMINS),
    # de-dup
    "dedup/schools/<int:school_id>/": Case("url", browse=ADMINS),
    "dedup/district/": Case("own", browse=("district_admin",)),
    "dedup/district/run/": Case("own"),
    "dedup/district/merge-certain/": Case("own"),
    "dedup/district/undo-batch/": Case("own"),
    "dedup/runs/<int:run_id>/": Case("url"),
    "dedup/merge/": Case("body"),
    "dedup/merges/<int:merge_id>/undo/": Case("url"),
    "dedup/not-duplicates/": Case("body"),
    "dedup/students/<int:student_id>/delete/": Case("url"),
    # fix planner
    "fix/": Case("own", browse=ADMINS),
    "fix/schools/<int:school_id>/": Case("url", browse=ADMINS),
    "fix/create/": Case("body"),
    "fix/<int:plan_id>/": Case("url", browse=("district_admin",)),
    "fix/<int:plan_id>/preview/": Case("url"),
    "fix/<int:plan_id>/apply/": Case("url"),
    "fix/<int:plan_id>/undo/": Case("url"),
    # seat alerts and usage reports (issue 16)
    "alerts/": Case("own", browse=ADMINS),
    "alerts/<int:alert_id>/<str:op>/": Case("url", ops=("read", "dismiss")),
    "district/alerts/settings/": Case("own", browse=("district_admin",)),
    "reports/usage/": Case("own", browse=ADMINS),
    "reports/usage.csv": Case("own"),
    # operator screens (issue 17.12): operators act across districts by design; every other
    # role is refused, whatever district the URL names
    "operator/": Case("own"),
    "operator/districts/<int:district_id>/purchases/": Case("url"),
    "operator/districts/<int:district_id>/purchases/<int:purchase_id>/end/": Case("url"),
    "operator/districts/<int:district_id>/users/": Case("url"),
    "operator/districts/<int:district_id>/users/<int:user_id>/role/": Case("url"),
}


def web_patterns() -> Iterator[tuple[str, URLPattern]]:
    """(route, pattern) for every URL pattern outside the API, from the resolver."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, URLPattern]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p

    for route, p in walk(get_resolver().url_patterns, ""):
        if not route.startswith("api/"):
            yield route, p


def pattern_name(p: URLPattern, route: str) -> str:
    return f"{p.name or p.lookup_str} (/{route})"
