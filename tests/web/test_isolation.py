"""Issue 18.5: web-UI tenant isolation proof, like the API's (tests/api/test_isolation.py).

Every web URL pattern (walked from the resolver; each has its case in tests/web/walk.py, and a
pattern without one fails by name) is requested as every role of district A, aimed at district
B's objects and, for the school-scoped roles of school A1, at school A2's objects: GET, then
POST with a valid CSRF token (the client enforces CSRF checks) and a form naming the target's
ids in every field a view reads. Every answer aimed at the other tenant is 403 or 404; no answer
is a 5xx or shows B's names; and no row of the other tenant changes: its rows (every table with
a district_id, restricted to the school's rows for A2, plus B's users) are compared before and
after each URL.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client, RequestFactory

from seatkeeper.api import services as api_services
from seatkeeper.dedup.models import DetectionRun, Merge
from seatkeeper.fixes.models import FixPlan
from seatkeeper.orgs.models import Membership, School
from seatkeeper.roster.models import Classroom, ImportRun, Student, Teacher
from seatkeeper.web.policies import _page_of_action
from tests.factories import PASSWORD, DistrictWorld, make_world
from tests.web.walk import ALL, CASES, pattern_name, web_patterns

PATTERNS = list(web_patterns())


def test_issue_18_5_every_web_url_has_a_case() -> None:
    """A new web URL must get its case in tests/web/walk.py CASES (and so is walked here)."""
    missing = [pattern_name(p, route) for route, p in PATTERNS if route not in CASES]
    assert missing == [], f"web URLs without a case in tests/web/walk.py CASES: {missing}"
    stale = sorted(set(CASES) - {route for route, _ in PATTERNS})
    assert stale == [], f"cases for URLs that no longer exist: {stale}"
    assert len(PATTERNS) > 45


# -- the other tenant's rows -----------------------------------------------------------------


_TABLES: list[tuple[str, set[str]]] = []


def _tables() -> list[tuple[str, set[str]]]:
    if _TABLES:
        return _TABLES
    out = _TABLES
    with connection.cursor() as cur:
        for table in connection.introspection.table_names(cur):
            cols = {c.name for c in connection.introspection.get_table_description(cur, table)}
            if "district_id" in cols:
                out.append((table, cols))
    return out


def tenant_rows(world: DistrictWorld, school: School | None) -> dict[str, list[Any]]:
    """Every row of the district (or of one of its schools) in every tenant table, and the
    district's users: what a refused request must leave as it was."""
    qn = connection.ops.quote_name
    d = world.district.pk
    if school is not None:
        by = {
            "school_id": [school.pk],
            "classroom_id": list(
                Classroom.objects.filter(school=school).values_list("pk", flat=True)
            ),
            "student_id": list(Student.objects.filter(school=school).values_list("pk", flat=True)),
            "teacher_id": list(Teacher.objects.filter(school=school).values_list("pk", flat=True)),
        }
    out: dict[str, list[Any]] = {}
    with connection.cursor() as cur:
        for table, cols in _tables():
            where, args = [f"{qn('district_id')} = %s"], [d]
            if school is not None:
                keys = [k for k in by if k in cols]
                if not keys:
                    continue  # a district-level table: not the school's
                key = keys[0]
                ids = by[key] or [-1]
                where.append(f"{qn(key)} IN ({', '.join(['%s'] * len(ids))})")
                args += ids
            cur.execute(
                f"SELECT * FROM {qn(table)} WHERE {' AND '.join(where)} ORDER BY 1",  # noqa: S608
                args,
            )
            out[table] = cur.fetchall()
        if school is None:
            users = list(Membership.objects.filter(district_id=d).values_list("user_id", flat=True))
            out["users"] = list(
                get_user_model().objects.filter(pk__in=users).order_by("pk").values()
            )
            out["tokens"] = list(
                api_services.ApiToken.objects.filter(user_id__in=users).order_by("pk").values()
            )
    return out


# -- targets and bodies ----------------------------------------------------------------------


def _objects(world: DistrictWorld) -> dict[str, int]:
    """District-level objects of B to aim at: an import run, a plan, a merge, a detection run,
    an API token, and a deleted student (for restore)."""
    d = world.district
    admin = world.users["district_admin"]
    run = ImportRun.objects.create(
        district=d, district_slug=d.slug, kind="oneroster", file_name="b.zip", status="previewed"
    )
    plan = FixPlan.objects.create(district=d, product=world.product, fingerprint="x")
    merge = Merge.objects.create(
        district=d, kind="student", keeper_id=world.students[0].pk, other_ids=[]
    )
    detection = DetectionRun.objects.create(district=d, kind="student")
    token, _ = api_services.token_create(scope=world.scope("district_admin"), user=admin)
    from django.utils import timezone

    from seatkeeper.audit.models import AuditEntry
    from seatkeeper.seats.models import Alert, Purchase

    alert = Alert.objects.create(
        district=d,
        kind="overallocated",
        key=f"over:{world.schools[0].pk}",
        school=world.schools[0],
        product=world.product,
        message="B School over",
        started_at=timezone.now(),
    )

    return {
        "entry_id": AuditEntry.objects.filter(district=d)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first(),
        "district_id": d.pk,
        "purchase_id": Purchase.objects.filter(district=d).values_list("pk", flat=True).first(),
        "user_id": admin.pk,
        "alert_id": alert.pk,
        "run_id": run.pk,
        "plan_id": plan.pk,
        "merge_id": merge.pk,
        "detection_id": detection.pk,
        "token_id": token.pk,
    }


def _school_targets(world: DistrictWorld, school: School) -> dict[str, int]:
    return {
        "school_id": school.pk,
        "classroom_id": Classroom.objects.filter(school=school).first().pk,
        "student_id": Student.objects.filter(school=school).first().pk,
        "teacher_id": Teacher.objects.filter(school=school).first().pk,
    }


def _body(t: dict[str, Any], world: DistrictWorld) -> dict[str, Any]:
    """One form naming the target in every field a web view reads."""
    return {
        "school_id": t["school_id"],
        "from_school": t["school_id"],
        "to_school": t["school_id"],
        "seats": "1",
        "student": t["student_id"],
        "teacher": t["teacher_id"],
        "keeper": t["student_id"],
        "ids": [t["student_id"], t["classroom_id"]],
        "user": world.users["district_admin"].pk,
        "district": world.district.pk,
        "product": world.product.code,
        "kind": "students",
        "steps": ["0"],
        "on": "1",
        "allow": "district",
        "action": "delete",
        "confirm": "yes",
        "first_name": "Mallory",
        "last_name": "Intruder",
        "email": "mallory@example.org",
        "password": PASSWORD,
        "label": "intruder",
        "back": "/",
    }


def _url(route: str, t: dict[str, Any], op: str | None) -> str:
    params = dict(t)
    if route.startswith("dedup/runs/"):
        params["run_id"] = t.get("detection_id")
    out = "/" + route
    for name in (
        "school_id",
        "teacher_id",
        "student_id",
        "classroom_id",
        "token_id",
        "run_id",
        "plan_id",
        "merge_id",
        "entry_id",
        "district_id",
        "purchase_id",
        "user_id",
        "alert_id",
    ):
        if f"<int:{name}>" in out:
            if params.get(name) is None:
                return ""
            out = out.replace(f"<int:{name}>", str(params[name]))
    if "<str:kind>/<int:object_id>" in out:  # per-object history (issue 17.11)
        if params.get(f"{op}_id") is None:
            return ""
        out = out.replace("<str:kind>/<int:object_id>", f"{op}/{params[f'{op}_id']}")
    if "<str:op>" in out:
        out = out.replace("<str:op>", op or "x")
    assert "<" not in out, out
    return out


@pytest.fixture
def worlds(db: None) -> tuple[DistrictWorld, DistrictWorld]:
    a, b = make_world("a"), make_world("b")
    Student.objects.filter(pk=b.students[-1].pk).update(deleted_at="2026-01-01T00:00:00Z")
    Student.objects.filter(pk=a.students[-1].pk).update(deleted_at="2026-01-01T00:00:00Z")
    from seatkeeper.seats import ledger

    for w in (a, b):
        ledger.sync(w.district.pk, enforce=False)
    return a, b


def _login(c: Client, user: Any) -> str:
    c.force_login(user)
    c.get("/password/")  # renders a form: sets the CSRF cookie
    return c.cookies["csrftoken"].value


AIMS = [(role, "B") for role in ALL] + [("school_admin", "A2"), ("teacher", "A2")]


@pytest.mark.parametrize(("role", "target"), AIMS, ids=[f"{r}-vs-{t}" for r, t in AIMS])
def test_issue_18_5_no_web_url_reaches_another_tenant(worlds, role, target) -> None:
    a, b = worlds
    if target == "B":
        other, school = b, None
        t = {**_school_targets(b, b.schools[0]), **_objects(b)}
    else:
        other, school = a, a.schools[1]
        t = _school_targets(a, school)
    body = _body(t, other)
    actor = a.users[role]
    c = Client(enforce_csrf_checks=True)
    token = _login(c, actor)
    failures: list[str] = []
    leaks = ("District b", "B School", "Teacher b") if target == "B" else ()
    for route, p in PATTERNS:
        case = CASES[route]
        name = pattern_name(p, route)
        for op in case.ops or (None,):
            url = _url(route, t, op)
            if not url:
                continue  # a district-level id: aimed at B only
            before = tenant_rows(other, school)
            for method in ("GET", "POST"):
                if method == "GET":
                    r = c.get(url)
                else:
                    r = c.post(url, {**body, "csrfmiddlewaretoken": token})
                refused = r.status_code in (403, 404) or (
                    # a POST-only view answers a GET before it looks anything up: 405, or
                    # (POST/redirect/GET, issue 17.3) a redirect to the page above the action,
                    # which is itself walked and must refuse or show nothing of the tenant
                    method == "GET"
                    and (
                        r.status_code == 405
                        or r.status_code == 302
                        and r["Location"] == _page_of_action(RequestFactory().get(url))
                    )
                )
                if method == "GET" and r.status_code == 302 and refused:
                    up = c.get(r["Location"])
                    if up.status_code >= 500:
                        failures.append(f"GET {url} -> {r['Location']}: {up.status_code}")
                    elif up.status_code == 200 and leaks:
                        text = up.content.decode(errors="replace")
                        failures += [
                            f"GET {url} -> {r['Location']}: shows {w!r}" for w in leaks if w in text
                        ]
                if r.status_code >= 500 and (route, r.status_code) != ("status", 503):
                    failures.append(f"{method} {url} [{name}]: {r.status_code}")
                elif (
                    case.aim == "url"
                    and not refused
                    or case.aim == "body"
                    and method == "POST"
                    and not refused
                ):
                    failures.append(f"{method} {url} [{name}]: {r.status_code}, not 403/404")
                content = b"".join(r.streaming_content) if r.streaming else r.content
                if r.status_code == 200 and leaks and r.get("Content-Type", "").startswith("text/"):
                    text = content.decode(errors="replace")
                    failures += [
                        f"{method} {url} [{name}]: shows {w!r}" for w in leaks if w in text
                    ]
                if r.status_code == 403 and b"CSRF" in content:
                    failures.append(f"{method} {url} [{name}]: refused by CSRF, not by scope")
                if route == "signout/" or not c.session.get("_auth_user_id"):
                    token = _login(c, actor)
            after = tenant_rows(other, school)
            changed = sorted(k for k in before if before[k] != after.get(k))
            if changed:
                failures.append(f"{url} [{name}]: changed the other tenant's rows in {changed}")
    assert failures == [], "\n".join(failures)
