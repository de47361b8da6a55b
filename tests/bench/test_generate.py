"""The benchmark generator keeps its shape, and the selectors agree with a plain recount on it.

Guards bench/generate.py (used by every benchmark) against silent rot: R1-R8 recounted from the
raw rows, in Python, must equal `usage_for_district` on a generated district.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from bench.generate import generate_district
from seatkeeper.orgs.models import Product, School
from seatkeeper.orgs.scoping import system_scope
from seatkeeper.roster.models import Classroom, ClassroomTeacher, Enrollment, Student, Teacher
from seatkeeper.seats.models import Allocation, Purchase, TeacherAccess
from seatkeeper.seats.selectors import usage_for_district, usage_for_school

TODAY = dt.date(2026, 11, 28)


@pytest.fixture
def generated(db: None):  # type: ignore[no-untyped-def]
    return generate_district("gen-test", students=300, seed=7, schools=3, today=TODAY)


def recount_used(district_id: int, product_id: int) -> dict[int, int]:
    """R1-R8 written plainly: distinct live students in licensed classrooms, per school."""
    access_on = set(
        TeacherAccess.objects.filter(product_id=product_id, on=True).values_list(
            "teacher_id", flat=True
        )
    )
    live_teachers = set(
        Teacher.objects.filter(district_id=district_id, deleted_at=None).values_list(
            "id", flat=True
        )
    )
    licensed = {}
    for c in Classroom.objects.filter(district_id=district_id):
        if (
            c.status == "active"
            and c.deleted_at is None
            and c.primary_teacher_id in access_on
            and c.primary_teacher_id in live_teachers
        ):
            licensed[c.pk] = c.school_id
    live_students = set(
        Student.objects.filter(district_id=district_id, deleted_at=None).values_list(
            "id", flat=True
        )
    )
    seats: dict[int, set[int]] = defaultdict(set)
    for sid, cid in Enrollment.objects.filter(district_id=district_id).values_list(
        "student_id", "classroom_id"
    ):
        if cid in licensed and sid in live_students:
            seats[licensed[cid]].add(sid)
    return {school: len(s) for school, s in seats.items()}


def test_generated_district_has_the_realistic_shape(generated) -> None:  # type: ignore[no-untyped-def]
    d = generated
    students = Student.objects.filter(district=d)
    classrooms = Classroom.objects.filter(district=d)
    assert d.bench_stats["schools"] == 3
    assert students.count() == d.bench_stats["students"] > 300  # 300 + duplicate accounts
    assert classrooms.filter(status="archived").exists()
    archived_share = classrooms.filter(status="archived").count() / classrooms.count()
    assert 0.03 < archived_share < 0.2
    core = Product.objects.get(district=d, code="core")
    off = TeacherAccess.objects.filter(district=d, product=core, on=False).count()
    assert 0 < off < TeacherAccess.objects.filter(district=d, product=core).count()
    assert d.bench_stats["duplicates"] > 0
    # duplicates: a second account with the same date of birth and no sourcedId
    assert students.filter(sourced_id="").exclude(roster_source="demo").exists()
    per_student = defaultdict(set)
    for sid, school in Enrollment.objects.filter(district=d).values_list(
        "student_id", "classroom__school_id"
    ):
        per_student[sid].add(school)
    assert any(len(s) > 1 for s in per_student.values())  # R6: multi-school students
    counts = defaultdict(int)
    for sid in Enrollment.objects.filter(district=d).values_list("student_id", flat=True):
        counts[sid] += 1
    real = students.exclude(sourced_id="").values_list("id", flat=True)
    assert all(3 <= counts[s] <= 10 for s in real)
    assert students.filter(last_sign_in_at__isnull=False).count() > 200
    assert ClassroomTeacher.objects.filter(district=d).exists()
    assert Allocation.objects.filter(district=d).count() == 2 * 3
    assert Purchase.objects.filter(district=d, school__isnull=True).count() == 3


def test_r1_to_r8_selectors_agree_with_a_plain_recount_on_generated_data(generated) -> None:  # type: ignore[no-untyped-def]
    d = generated
    scope = system_scope(d)
    for product in Product.objects.filter(district=d):
        usage = usage_for_district(scope=scope, district=d, product=product, on=TODAY)
        expected = recount_used(d.pk, product.pk)
        assert {s.id: s.used for s in usage.schools} == {
            s: expected.get(s, 0)
            for s in School.objects.filter(district=d).values_list("id", flat=True)
        }
        assert usage.used == sum(expected.values()) > 0
        for school in School.objects.filter(district=d):
            one = usage_for_school(scope=scope, school=school, product=product, on=TODAY)
            assert one.used == expected.get(school.pk, 0)


def test_generation_is_deterministic(db: None) -> None:
    a = generate_district("gen-a", students=120, seed=3, schools=2, today=TODAY)
    b = generate_district("gen-b", students=120, seed=3, schools=2, today=TODAY)

    def shape(d):  # type: ignore[no-untyped-def]
        return (
            sorted(
                Student.objects.filter(district=d).values_list(
                    "first_name", "last_name", "date_of_birth"
                )
            ),
            Enrollment.objects.filter(district=d).count(),
            sorted(Allocation.objects.filter(district=d).values_list("seats", flat=True)),
        )

    assert shape(a) == shape(b)
