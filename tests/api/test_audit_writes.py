"""Proof (issue 6): every write through the API shows up in the audit log with the token's user.

The write routes (POST/PUT/PATCH/DELETE) are enumerated from the URL resolver (tests/api/routes.py,
the walk the isolation matrix uses), so a new write route fails here until it has a case in
`CASES`. Each case prepares real objects of district A through the services (as the platform),
then calls the route successfully with a bearer token of the district admin (the integration user
for /activity); every call must add at least one audit entry, and every entry it adds must name
the token's user as actor, via "api" (and be listed by GET /audit?actor=).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from seatkeeper.audit.models import AuditEntry
from seatkeeper.dedup import services as dedup
from seatkeeper.fixes import services as fixes
from seatkeeper.roster import services as roster
from seatkeeper.roster.models import Enrollment
from seatkeeper.seats import services as lic
from seatkeeper.seats.models import Purchase
from tests.api.conftest import Api, api_as
from tests.api.routes import WRITE_METHODS, api_routes, fill
from tests.factories import DistrictWorld, sys_scope, today

DA, INTEGRATION = "district_admin", "integration"
V1 = "/api/v1/districts/<slug>"

# One call: (role whose token calls it, values of the route's <params>, JSON body).
Call = tuple[str, dict[str, Any], Any]
Case = Callable[[DistrictWorld], list[Call]]

WRITES = [(m, r) for m, r in api_routes() if m in WRITE_METHODS]

# POST routes that compute without changing anything (so they write no audit entry), and why.
NOT_WRITES: dict[tuple[str, str], str] = {
    ("POST", f"{V1}/fix-plans/<plan_id>/preview"): "recomputes a selection; changes nothing",
}


AUDITED = [w for w in WRITES if w not in NOT_WRITES]


def _scope(w: DistrictWorld) -> Any:
    return sys_scope(w.district)


def _day(days: int) -> str:
    return (today() + dt.timedelta(days=days)).isoformat()


def _overallocated_plan(w: DistrictWorld) -> Any:
    """A fix plan with real steps: school 1 gets fewer seats than it uses."""
    lic.allocation_set(scope=_scope(w), school=w.schools[0], product=w.product, seats=1)
    return fixes.plan_create(scope=_scope(w), district=w.district, product=w.product)


def _deleted(w: DistrictWorld, delete: Callable[..., Any], key: str, obj: Any) -> dict[str, Any]:
    delete(scope=_scope(w), **{key.removesuffix("_id"): obj})
    return {key: obj.pk}


def _student_merge(w: DistrictWorld) -> dict[str, Any]:
    merge = dedup.students_merge(scope=_scope(w), keeper=w.students[0], others=[w.students[1]])
    return {"kind": "students", "merge_id": merge.merge.pk}


def _applied_plan(w: DistrictWorld) -> dict[str, Any]:
    plan = _overallocated_plan(w)
    fixes.plan_apply(scope=_scope(w), fix=plan)
    return {"plan_id": plan.pk}


def _purchase_body() -> dict[str, Any]:
    return {
        "product": "core",
        "seats": 5,
        "school": None,
        "starts_on": _day(-1),
        "ends_on": _day(200),
    }


# Each case prepares what the route needs and returns the calls to check (in order).
CASES: dict[tuple[str, str], Case] = {
    # orgs: schools, products, settings
    ("POST", f"{V1}/schools"): lambda w: [(DA, {}, {"name": "New school"})],
    ("PATCH", f"{V1}/schools/<school_id>"): lambda w: [
        (DA, {"school_id": w.schools[1].pk}, {"name": "Renamed"})
    ],
    ("DELETE", f"{V1}/schools/<school_id>"): lambda w: [(DA, {"school_id": w.schools[1].pk}, None)],
    ("POST", f"{V1}/schools/<school_id>/restore"): lambda w: [
        (DA, _deleted(w, lic.school_delete, "school_id", w.schools[1]), None)
    ],
    ("POST", f"{V1}/products"): lambda w: [(DA, {}, {"code": "ela", "name": "ELA"})],
    ("PATCH", f"{V1}/products/<product_id>"): lambda w: [
        (DA, {"product_id": w.product.pk}, {"name": "Core+"})
    ],
    ("PATCH", f"{V1}/settings"): lambda w: [(DA, {}, {"inactive_student_days": 99})],
    # licensing: purchases, allocations, access, enforcement
    ("POST", f"{V1}/purchases"): lambda w: [(DA, {}, _purchase_body())],
    ("PATCH", f"{V1}/purchases/<purchase_id>"): lambda w: [
        (
            DA,
            {"purchase_id": Purchase.objects.filter(district=w.district).first().pk},
            {"seats": 120},
        )
    ],
    ("DELETE", f"{V1}/purchases/<purchase_id>"): lambda w: [
        (DA, {"purchase_id": _extra_purchase(w).pk}, None)
    ],
    ("POST", f"{V1}/purchases/<purchase_id>/restore"): lambda w: [
        (DA, _deleted(w, lic.purchase_delete, "purchase_id", _extra_purchase(w)), None)
    ],
    ("PUT", f"{V1}/schools/<school_id>/allocations/<product>"): lambda w: [
        (DA, {"school_id": w.schools[0].pk, "product": "core"}, {"seats": 10})
    ],
    ("POST", f"{V1}/allocations/move"): lambda w: [
        (
            DA,
            {},
            {
                "product": "core",
                "from_school": w.schools[1].pk,
                "to_school": w.schools[0].pk,
                "seats": 1,
            },
        )
    ],
    ("PUT", f"{V1}/teachers/<teacher_id>/access/<product>"): lambda w: [
        (DA, {"teacher_id": w.teachers[1].pk, "product": "core"}, {"on": False})
    ],
    ("PUT", f"{V1}/enforcement/<product>"): lambda w: [
        (DA, {"product": "core"}, {"mode": "hard"}),
        (DA, {"product": "core"}, {"mode": "grace", "grace_until": _day(30)}),
    ],
    # roster: terms, teachers, classrooms, students, enrollments, activity
    ("POST", f"{V1}/terms"): lambda w: [
        (DA, {}, {"name": "T", "starts_on": _day(10), "ends_on": _day(100)})
    ],
    ("PATCH", f"{V1}/terms/<term_id>"): lambda w: [
        (DA, {"term_id": w.term.pk}, {"name": "Renamed term"})
    ],
    ("POST", f"{V1}/teachers"): lambda w: [
        (DA, {}, {"first_name": "N", "last_name": "T", "school": w.schools[0].pk})
    ],
    ("PATCH", f"{V1}/teachers/<teacher_id>"): lambda w: [
        (DA, {"teacher_id": w.teachers[1].pk}, {"email": "x@y.org"})
    ],
    ("DELETE", f"{V1}/teachers/<teacher_id>"): lambda w: [
        (DA, {"teacher_id": w.teachers[1].pk}, None)
    ],
    ("POST", f"{V1}/teachers/<teacher_id>/restore"): lambda w: [
        (DA, _deleted(w, roster.teacher_delete, "teacher_id", w.teachers[1]), None)
    ],
    ("POST", f"{V1}/classrooms"): lambda w: [
        (DA, {}, {"school": w.schools[0].pk, "name": "New class"})
    ],
    ("PATCH", f"{V1}/classrooms/<classroom_id>"): lambda w: [
        (DA, {"classroom_id": w.classrooms[1].pk}, {"course_code": "M1"})
    ],
    ("DELETE", f"{V1}/classrooms/<classroom_id>"): lambda w: [
        (DA, {"classroom_id": w.classrooms[1].pk}, None)
    ],
    ("POST", f"{V1}/classrooms/<classroom_id>/archive"): lambda w: [
        (DA, {"classroom_id": w.classrooms[1].pk}, None)
    ],
    ("POST", f"{V1}/classrooms/<classroom_id>/restore"): lambda w: [
        (DA, _deleted(w, roster.classroom_archive, "classroom_id", w.classrooms[1]), None),
        (DA, _deleted(w, roster.classroom_delete, "classroom_id", w.classrooms[2]), None),
    ],
    ("POST", f"{V1}/classrooms/<classroom_id>/unenroll-all"): lambda w: [
        (DA, {"classroom_id": w.classrooms[1].pk}, None)
    ],
    ("POST", f"{V1}/students"): lambda w: [
        (DA, {}, {"first_name": "A", "last_name": "B", "school": w.schools[0].pk})
    ],
    ("PATCH", f"{V1}/students/<student_id>"): lambda w: [
        (DA, {"student_id": w.students[0].pk}, {"grade": "5"})
    ],
    ("DELETE", f"{V1}/students/<student_id>"): lambda w: [
        (DA, {"student_id": w.students[0].pk}, None)
    ],
    ("POST", f"{V1}/students/<student_id>/restore"): lambda w: [
        (DA, _deleted(w, roster.student_delete, "student_id", w.students[0]), None)
    ],
    ("POST", f"{V1}/students/<student_id>/unenroll"): lambda w: [
        (DA, {"student_id": w.students[0].pk}, {})
    ],
    ("POST", f"{V1}/enrollments"): lambda w: [
        (DA, {}, {"student": w.students[0].pk, "classroom": w.classrooms[1].pk})
    ],
    ("DELETE", f"{V1}/enrollments/<enrollment_id>"): lambda w: [
        (
            DA,
            {"enrollment_id": Enrollment.objects.filter(district=w.district).first().pk},
            None,
        )
    ],
    ("POST", f"{V1}/activity"): lambda w: [
        (
            INTEGRATION,
            {},
            {
                "items": [
                    {"student": w.students[0].pk, "kind": "sign_in", "at": _day(-1) + "T08:00:00Z"}
                ]
            },
        ),
        # an admin's token may report activity too (kept from the first hand-written list)
        (
            DA,
            {},
            {
                "items": [
                    {"student": w.students[0].pk, "kind": "work", "at": _day(-1) + "T09:00:00Z"}
                ]
            },
        ),
    ],
    # de-dup
    ("POST", f"{V1}/dedup/<kind>/merge"): lambda w: [
        (DA, {"kind": "students"}, {"keeper": w.students[0].pk, "others": [w.students[1].pk]}),
        (DA, {"kind": "teachers"}, {"keeper": w.teachers[0].pk, "others": [w.teachers[1].pk]}),
    ],
    ("POST", f"{V1}/dedup/<kind>/merges/<merge_id>/undo"): lambda w: [
        (DA, _student_merge(w), None)
    ],
    ("POST", f"{V1}/dedup/<kind>/not-duplicates"): lambda w: [
        (DA, {"kind": "students"}, {"ids": [w.students[0].pk, w.students[1].pk]}),
        (DA, {"kind": "teachers"}, {"ids": [w.teachers[0].pk, w.teachers[1].pk]}),
    ],
    # fix plans
    ("POST", f"{V1}/fix-plans"): lambda w: [(DA, {}, {"product": "core"})],
    ("POST", f"{V1}/fix-plans/<plan_id>/apply"): lambda w: [
        (DA, {"plan_id": _overallocated_plan(w).pk}, None)
    ],
    ("POST", f"{V1}/fix-plans/<plan_id>/undo"): lambda w: [(DA, _applied_plan(w), None)],
}


def _extra_purchase(w: DistrictWorld) -> Purchase:
    return lic.purchase_create(
        scope=_scope(w),
        district=w.district,
        product=w.product,
        seats=5,
        starts_on=today(),
        ends_on=today() + dt.timedelta(days=10),
    )


def _last_audit_pk() -> int:
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_every_write_route_has_a_case_and_no_case_is_stale() -> None:
    writes = set(WRITES)
    assert len(writes) > 30
    missing = writes - set(CASES) - set(NOT_WRITES)
    assert not missing, f"write routes with no audit case (add one to CASES): {sorted(missing)}"
    stale = (set(CASES) | set(NOT_WRITES)) - writes
    assert not stale, f"cases for routes that no longer exist: {sorted(stale)}"
    assert not set(CASES) & set(NOT_WRITES)


@pytest.mark.parametrize(
    ("method", "route"), AUDITED, ids=[f"{m} {r[len(V1) :]}" for m, r in AUDITED]
)
def test_every_api_write_is_audited_with_the_token_user(
    method: str, route: str, world_a: DistrictWorld
) -> None:
    case = CASES.get((method, route))
    assert case is not None, f"{method} {route} is a write route with no audit case: add one"
    calls = case(world_a)
    assert calls
    clients: dict[str, Api] = {role: api_as(world_a.users[role]) for role in {c[0] for c in calls}}
    for role, params, body in calls:
        user = world_a.users[role]
        path = fill(route, {"slug": world_a.district.slug, **params})
        start = _last_audit_pk()
        resp = clients[role].call(method, path, body)
        assert 200 <= resp.status_code < 300, (method, path, resp.status_code, resp.content)
        new = list(AuditEntry.objects.filter(pk__gt=start))
        assert new, f"{method} {path} changed something but wrote no audit entry"
        wrong = [
            (e.action, e.actor_label, e.via) for e in new if e.actor_id != user.pk or e.via != "api"
        ]
        assert not wrong, f"{method} {path}: audit entries not by the token's user {user}: {wrong}"
        listed = clients[DA] if DA in clients else api_as(world_a.users[DA])
        ids = {
            row["id"]
            for row in listed.get(
                f"/districts/{world_a.district.slug}/audit", actor=user.get_username(), limit=200
            ).json()["items"]
        }
        assert {e.pk for e in new} <= ids, f"{method} {path}: not listed by GET /audit?actor="


def test_the_read_only_post_writes_nothing(world_a: DistrictWorld) -> None:
    plan = _overallocated_plan(world_a)
    api = api_as(world_a.users[DA])
    start = _last_audit_pk()
    resp = api.post(f"/districts/a/fix-plans/{plan.pk}/preview", {"steps": [0]})
    assert resp.status_code == 200, resp.content
    assert not AuditEntry.objects.filter(pk__gt=start).exists()
