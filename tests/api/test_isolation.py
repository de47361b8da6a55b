"""Tenant isolation proof: every API route (walked from the URL resolver, so a new route is
covered automatically), called as each role of district A against objects of district B, and as
school admin of A1 / teacher of A1 against objects of school A2: nothing readable (no 2xx body
names them), nothing changed (the rows of B / A2 and their audit entries are compared), no 5xx.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from seatkeeper.audit.models import AuditEntry
from seatkeeper.orgs.models import District, School
from seatkeeper.roster.models import Classroom, Enrollment, Student, StudentActivity, Teacher
from seatkeeper.seats.models import Allocation, Purchase, TeacherAccess
from tests.api.conftest import api_as
from tests.api.routes import api_routes, fill
from tests.factories import DistrictWorld

ROUTES = api_routes()


def test_the_resolver_walk_finds_the_api() -> None:
    assert ("GET", "/api/v1/districts/<slug>/usage") in ROUTES
    assert ("POST", "/api/v1/districts/<slug>/enrollments") in ROUTES
    assert len(ROUTES) > 40


def _targets(world: DistrictWorld, school: School | None) -> dict[str, Any]:
    """Ids of objects to aim at: of one school (A2), or of the whole other district (B)."""
    d = world.district
    s = school or world.schools[0]
    classroom = Classroom.objects.filter(district=d, school=s).first()
    student = Student.objects.filter(district=d, school=s).first()
    teacher = Teacher.objects.filter(district=d, school=s).first()
    enrollment = Enrollment.objects.filter(district=d, classroom__school=s).first()
    purchase = Purchase.objects.filter(district=d).first()
    return {
        "school_id": s.pk,
        "classroom_id": classroom.pk,
        "student_id": student.pk,
        "teacher_id": teacher.pk,
        "enrollment_id": enrollment.pk,
        "purchase_id": purchase.pk,
        "term_id": world.term.pk,
        "product_id": world.product.pk,
        "product": world.product.code,
        "kind": "students",
        "plan_id": 1,
        "merge_id": 1,
    }


def _body(t: dict[str, Any], other_school: int) -> dict[str, Any]:
    """One body naming the target objects in every field a route might read."""
    today = dt.date.today()
    return {
        "name": "Changed",
        "first_name": "X",
        "last_name": "Y",
        "code": "newprod",
        "product": t["product"],
        "school": t["school_id"],
        "student": t["student_id"],
        "classroom": t["classroom_id"],
        "term": t["term_id"],
        "primary_teacher": t["teacher_id"],
        "seats": 1,
        "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=30)).isoformat(),
        "from_school": t["school_id"],
        "to_school": other_school,
        "on": False,
        "mode": "hard",
        "grace_until": None,
        "teachers_may_create_students": False,
        "items": [{"student": t["student_id"], "kind": "sign_in", "at": "2026-01-05T08:00:00Z"}],
        "keeper": t["student_id"],
        "others": [t["student_id"]],
        "ids": [t["student_id"]],
    }


def _state_of_district(district: District) -> dict[str, list[Any]]:
    models = [
        School,
        Allocation,
        Purchase,
        TeacherAccess,
        Teacher,
        Classroom,
        Student,
        Enrollment,
        StudentActivity,
    ]
    out = {
        m.__name__: list(m.objects.filter(district=district).order_by("pk").values())
        for m in models
    }
    out["District"] = list(District.objects.filter(pk=district.pk).values())
    out["Audit"] = list(AuditEntry.objects.filter(district=district).values_list("pk", flat=True))
    return out


def _state_of_school(school: School) -> dict[str, list[Any]]:
    s = school
    return {
        "School": list(School.objects.filter(pk=s.pk).values()),
        "Allocation": list(Allocation.objects.filter(school=s).values()),
        "Purchase": list(Purchase.objects.filter(school=s).values()),
        "Teacher": list(Teacher.objects.filter(school=s).order_by("pk").values()),
        "Access": list(TeacherAccess.objects.filter(teacher__school=s).order_by("pk").values()),
        "Classroom": list(Classroom.objects.filter(school=s).order_by("pk").values()),
        "Student": list(Student.objects.filter(school=s).order_by("pk").values()),
        "Enrollment": list(Enrollment.objects.filter(classroom__school=s).order_by("pk").values()),
        "Activity": list(StudentActivity.objects.filter(student__school=s).values()),
    }


def _leaks(text: str, names: list[str]) -> list[str]:
    return [n for n in names if n in text]


SEEN: list[int] = []


def _sweep(
    api: Any,
    slug: str,
    t: dict[str, Any],
    other_school: int,
    state: Any,
    names: list[str],
    skip: set[tuple[str, str]] = frozenset(),
) -> list[str]:  # type: ignore[assignment]
    failures: list[str] = []
    body = _body(t, other_school)
    for method, route in ROUTES:
        if (method, route) in skip:
            continue
        params = dict(t, slug=slug)
        path = fill(route, params)
        before = state()
        resp = api.call(method, path, body if method != "GET" else None)
        SEEN.append(resp.status_code)
        text = resp.content.decode()
        if resp.status_code >= 500:
            failures.append(f"{method} {path}: {resp.status_code}")
        if 200 <= resp.status_code < 300 and _leaks(text, names):
            failures.append(f"{method} {path}: leaks {_leaks(text, names)}")
        if state() != before:
            failures.append(f"{method} {path}: changed the target's data ({resp.status_code})")
    return failures


@pytest.mark.parametrize("role", ["district_admin", "school_admin", "teacher", "integration"])
def test_no_role_of_district_a_reads_or_changes_district_b(
    world_a: DistrictWorld, world_b: DistrictWorld, role: str
) -> None:
    api = api_as(world_a.users[role])
    t = _targets(world_b, None)
    names = ["District b", "B School", "Teacher b", '"B"', "b-s1", "b-s2"]
    other = world_b.schools[1].pk
    failures = []
    SEEN.clear()
    for slug in ("b", "a"):
        failures += _sweep(api, slug, t, other, lambda: _state_of_district(world_b.district), names)
    assert failures == []
    assert len(SEEN) == 2 * len(ROUTES)
    if role != "integration":  # the sweep is not vacuous: slug "a" lists answer 200 (own data)
        assert SEEN.count(200) >= 8


@pytest.mark.parametrize("role", ["school_admin", "teacher", "integration"])
def test_no_one_scoped_to_school_a1_reads_or_changes_school_a2(
    world_a: DistrictWorld, role: str
) -> None:
    api = api_as(world_a.users[role])
    a2 = world_a.schools[1]
    t = _targets(world_a, a2)
    a2_students = [f'"{s.first_name}"' for s in Student.objects.filter(school=a2)]
    a2_teachers = [f'"{x.first_name}"' for x in Teacher.objects.filter(school=a2)]
    names = ["A School 2", "a-s2", *a2_students, *a2_teachers]
    # The learning platform reports activity for any student of its district (by design).
    skip = {("POST", "/api/v1/districts/<slug>/activity")} if role == "integration" else set()
    failures = _sweep(api, "a", t, world_a.schools[0].pk, lambda: _state_of_school(a2), names, skip)
    assert failures == []
