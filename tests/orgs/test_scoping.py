"""Roles and scoping: nothing leaks across districts or schools, and nothing changes.

Every role of district A (district admin, school admin of school A1, teacher at A1,
integration) tries every service, selector and `get_*_for` against objects of district B, and
the school-level ones against objects of school A2. Each attempt must fail with NotFound (or
Forbidden where the role may not do it at all) and leave the database exactly as it was; a
district admin, who may do everything in A, must get NotFound for B. Launch-into-school records
both identities.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from seatkeeper.audit import actions
from seatkeeper.errors import Forbidden, NotFound
from seatkeeper.orgs import scoping
from seatkeeper.orgs import services as orgs
from seatkeeper.orgs.models import District, Product, School
from seatkeeper.roster import scoping as rscoping
from seatkeeper.roster import services as roster
from seatkeeper.roster.models import Classroom, Enrollment, Student, Teacher, Term
from seatkeeper.roster.services import access_set
from seatkeeper.seats import selectors as sel
from seatkeeper.seats import services as lic
from seatkeeper.seats.models import Purchase
from seatkeeper.seats.services import product_create
from tests.audit.dbstate import audit_since, db_state, last_audit_id
from tests.factories import DistrictWorld, sys_scope, today


@dataclass
class Target:
    district: District
    product: Product
    school: School
    other_school: School
    teacher: Teacher
    classroom: Classroom
    student: Student
    term: Term
    enrollment: Enrollment
    purchase: Purchase
    own_classroom: Classroom  # a classroom of A1, where the acting roles live


def target_b(a: DistrictWorld, b: DistrictWorld) -> Target:
    return Target(
        district=b.district,
        product=b.product,
        school=b.schools[0],
        other_school=b.schools[1],
        teacher=b.teachers[0],
        classroom=b.classrooms[0],
        student=b.students[0],
        term=b.term,
        enrollment=Enrollment.objects.filter(student=b.students[0]).first(),
        purchase=Purchase.objects.get(district=b.district, school__isnull=True),
        own_classroom=a.classrooms[0],
    )


def target_a2(a: DistrictWorld) -> Target:
    a2 = a.schools[1]
    return Target(
        district=a.district,
        product=a.product,
        school=a2,
        other_school=a.schools[0],
        teacher=a.teachers[2],
        classroom=a.classrooms[2],
        student=a.students[6],
        term=roster.term_create(
            scope=sys_scope(a.district),
            district=a.district,
            school=a2,
            name="A2 term",
            starts_on=today(),
            ends_on=today(),
        ),
        enrollment=Enrollment.objects.filter(student=a.students[6]).first(),
        purchase=lic.purchase_create(
            scope=sys_scope(a.district),
            district=a.district,
            product=a.product,
            school=a2,
            seats=3,
            starts_on=today(),
            ends_on=today(),
        ),
        own_classroom=a.classrooms[0],
    )


T = today()
Attempt = Callable[[scoping.Scope, Target], Any]

# District-level: objects only a district admin handles (tried against district B).
DISTRICT_LEVEL: dict[str, Attempt] = {
    "get_district_for": lambda s, t: scoping.get_district_for(s, t.district.pk),
    "district_for": lambda s, t: scoping.district_for(s, t.district.slug),
    "get_product_for": lambda s, t: scoping.get_product_for(s, t.product.pk),
    "get_purchase_for": lambda s, t: sel.get_purchase_for(s, t.purchase.pk),
    "usage_for_district": lambda s, t: sel.usage_for_district(
        scope=s, district=t.district, product=t.product
    ),
    "purchase_create": lambda s, t: lic.purchase_create(
        scope=s, district=t.district, product=t.product, seats=5, starts_on=T, ends_on=T
    ),
    "purchase_update": lambda s, t: lic.purchase_update(scope=s, purchase=t.purchase, seats=999),
    "purchase_delete": lambda s, t: lic.purchase_delete(scope=s, purchase=t.purchase),
    "purchase_restore": lambda s, t: lic.purchase_restore(scope=s, purchase=t.purchase),
    "enforcement_set": lambda s, t: lic.enforcement_set(
        scope=s, district=t.district, product=t.product, mode="hard"
    ),
    "district_settings_update": lambda s, t: orgs.district_settings_update(
        scope=s, district=t.district, teachers_may_create_students=False
    ),
    "product_create": lambda s, t: product_create(
        scope=s, district=t.district, code="sneaky", name="Sneaky"
    ),
    "product_update": lambda s, t: orgs.product_update(scope=s, product=t.product, name="X"),
    "school_create": lambda s, t: orgs.school_create(scope=s, district=t.district, name="X"),
    "term_create": lambda s, t: roster.term_create(
        scope=s, district=t.district, name="X", starts_on=T, ends_on=T
    ),
    "teacher_create_no_school": lambda s, t: roster.teacher_create(
        scope=s, district=t.district, first_name="X", last_name="Y"
    ),
    "student_create_no_school": lambda s, t: roster.student_create(
        scope=s, district=t.district, first_name="X", last_name="Y"
    ),
    "activity_record": lambda s, t: roster.activity_record(
        scope=s,
        district=t.district,
        items=[roster.ActivityItem(student=t.student.pk, kind="sign_in", at=timezone.now())],
    ),
    "user_create": lambda s, t: orgs.user_create(
        scope=s, username="sneaky", password="x-long-password", role="teacher", district=t.district
    ),
}

# School-level: objects of one school (tried against B and against school A2).
SCHOOL_LEVEL: dict[str, Attempt] = {
    "get_school_for": lambda s, t: scoping.get_school_for(s, t.school.pk),
    "get_classroom_for": lambda s, t: rscoping.get_classroom_for(s, t.classroom.pk),
    "get_teacher_for": lambda s, t: rscoping.get_teacher_for(s, t.teacher.pk),
    "get_student_for": lambda s, t: rscoping.get_student_for(s, t.student.pk),
    "get_term_for": lambda s, t: rscoping.get_term_for(s, t.term.pk),
    "get_enrollment_for": lambda s, t: roster.get_enrollment_for(s, t.enrollment.pk),
    "usage_for_school": lambda s, t: sel.usage_for_school(
        scope=s, school=t.school, product=t.product
    ),
    "seat_holders": lambda s, t: sel.seat_holders(scope=s, school=t.school, product=t.product),
    "allocation_set": lambda s, t: lic.allocation_set(
        scope=s, school=t.school, product=t.product, seats=1
    ),
    "allocation_move": lambda s, t: lic.allocation_move(
        scope=s, product=t.product, from_school=t.school, to_school=t.other_school, seats=1
    ),
    "access_set": lambda s, t: access_set(scope=s, teacher=t.teacher, product=t.product, on=False),
    "school_update_name": lambda s, t: orgs.school_update(scope=s, school=t.school, name="X"),
    "school_update_setting": lambda s, t: orgs.school_update(
        scope=s, school=t.school, teachers_may_create_students=False
    ),
    "school_delete": lambda s, t: lic.school_delete(scope=s, school=t.school),
    "school_restore": lambda s, t: lic.school_restore(scope=s, school=t.school),
    "term_create_for_school": lambda s, t: roster.term_create(
        scope=s, district=t.district, school=t.school, name="X", starts_on=T, ends_on=T
    ),
    "term_update": lambda s, t: roster.term_update(scope=s, term=t.term, name="X"),
    "classroom_create": lambda s, t: roster.classroom_create(scope=s, school=t.school, name="X"),
    "classroom_update": lambda s, t: roster.classroom_update(
        scope=s, classroom=t.classroom, name="X"
    ),
    "classroom_archive": lambda s, t: roster.classroom_archive(scope=s, classroom=t.classroom),
    "classroom_delete": lambda s, t: roster.classroom_delete(scope=s, classroom=t.classroom),
    "classroom_restore": lambda s, t: roster.classroom_restore(scope=s, classroom=t.classroom),
    "classroom_unenroll_all": lambda s, t: roster.classroom_unenroll_all(
        scope=s, classroom=t.classroom
    ),
    "teacher_create": lambda s, t: roster.teacher_create(
        scope=s, district=t.district, school=t.school, first_name="X", last_name="Y"
    ),
    "teacher_update": lambda s, t: roster.teacher_update(scope=s, teacher=t.teacher, email=""),
    "teacher_delete": lambda s, t: roster.teacher_delete(scope=s, teacher=t.teacher),
    "teacher_restore": lambda s, t: roster.teacher_restore(scope=s, teacher=t.teacher),
    "student_create_at_school": lambda s, t: roster.student_create(
        scope=s, district=t.district, school=t.school, first_name="X", last_name="Y"
    ),
    "student_create_in_classroom": lambda s, t: roster.student_create(
        scope=s, district=t.district, first_name="X", last_name="Y", classroom=t.classroom
    ),
    "student_update": lambda s, t: roster.student_update(scope=s, student=t.student, grade="9"),
    "student_delete": lambda s, t: roster.student_delete(scope=s, student=t.student),
    "student_restore": lambda s, t: roster.student_restore(scope=s, student=t.student),
    "student_unenroll": lambda s, t: roster.student_unenroll(scope=s, student=t.student),
    "enrollment_create": lambda s, t: roster.enrollment_create(
        scope=s, student=t.student, classroom=t.classroom
    ),
    "enroll_their_student_in_own_classroom": lambda s, t: roster.enrollment_create(
        scope=s, student=t.student, classroom=t.own_classroom
    ),
    "enrollment_delete": lambda s, t: roster.enrollment_delete(scope=s, enrollment=t.enrollment),
    "enrollments_restore": lambda s, t: roster.enrollments_restore(
        scope=s,
        rows=[
            {
                "id": 10**9,
                "student_id": t.student.pk,
                "classroom_id": t.classroom.pk,
                "created_at": timezone.now().isoformat(),
            }
        ],
    ),
}

ROLES = ["district_admin", "school_admin", "teacher", "integration"]


def refusals(scope: scoping.Scope, attempts: dict[str, Attempt], t: Target, strict: bool) -> list:
    """Run every attempt; return what went wrong (empty when all were refused cleanly)."""
    wrong = []
    before = db_state()
    for name, fn in sorted(attempts.items()):
        try:
            fn(scope, t)
        except NotFound:
            pass
        except Forbidden as exc:
            if strict or name.startswith("get_"):
                wrong.append((name, f"Forbidden, expected NotFound: {exc.message}"))
        except Exception as exc:
            wrong.append((name, repr(exc)))
        else:
            wrong.append((name, "succeeded"))
        if db_state() != before:
            wrong.append((name, "changed the database"))
            before = db_state()
    return wrong


@pytest.mark.parametrize("role", ROLES)
def test_no_role_of_district_a_reaches_district_b(
    world_a: DistrictWorld, world_b: DistrictWorld, role: str
) -> None:
    t = target_b(world_a, world_b)
    attempts = {**DISTRICT_LEVEL, **SCHOOL_LEVEL}
    # A district admin may do all of this in A, so for B only "not found" is right.
    assert refusals(world_a.scope(role), attempts, t, strict=role == "district_admin") == []


@pytest.mark.parametrize("role", ["school_admin", "teacher", "integration"])
def test_no_school_role_of_a1_reaches_school_a2(world_a: DistrictWorld, role: str) -> None:
    t = target_a2(world_a)
    assert refusals(world_a.scope(role), SCHOOL_LEVEL, t, strict=False) == []


def test_operator_bound_to_b_does_not_reach_a(
    world_a: DistrictWorld, world_b: DistrictWorld, operator: Any
) -> None:
    op_b, _ = scoping.district_for(rscoping.scope_for_user(operator, via="test"), "b")
    t = target_b(world_b, world_a)  # "other" = A, seen from B
    t.own_classroom = world_b.classrooms[0]
    attempts = {**DISTRICT_LEVEL, **SCHOOL_LEVEL}
    del attempts["district_for"]  # an operator may switch to any district: that is the role
    assert refusals(op_b, attempts, t, strict=True) == []


def test_school_admin_still_works_in_own_school(world_a: DistrictWorld) -> None:
    """The same calls succeed in scope, so the refusals above are about scope, not breakage."""
    w = world_a
    sa = w.scope("school_admin")
    assert rscoping.get_classroom_for(sa, w.classrooms[0].pk) == w.classrooms[0]
    assert rscoping.get_student_for(sa, w.students[0].pk) == w.students[0]
    access_set(scope=sa, teacher=w.teachers[1], product=w.product, on=False)
    roster.classroom_archive(scope=sa, classroom=w.classrooms[0])
    assert sel.usage_for_school(scope=sa, school=w.schools[0], product=w.product).used == 0


def test_a_student_enrolled_in_a2_becomes_visible_to_a1_only_through_a1(
    world_a: DistrictWorld,
) -> None:
    w = world_a
    roster.enrollment_create(
        scope=sys_scope(w.district), student=w.students[6], classroom=w.classrooms[0]
    )
    sa = w.scope("school_admin")
    assert rscoping.get_student_for(sa, w.students[6].pk) == w.students[6]
    before = db_state()
    effect = roster.student_unenroll(scope=sa, student=w.students[6])
    # Un-enrolled from A1 only: the A2 enrollment is outside the school admin's scope.
    assert effect.seats_freed == {"core": 1}
    assert list(
        Enrollment.objects.filter(student=w.students[6]).values_list("classroom_id", flat=True)
    ) == [w.classrooms[2].pk]
    assert db_state() != before


def test_launch_into_school_records_both_identities(world_a: DistrictWorld) -> None:
    w = world_a
    da_user = w.users["district_admin"]
    launched = scoping.launch_into_school(w.scope("district_admin"), w.schools[1])
    assert (launched.role, launched.school_ids) == ("school_admin", frozenset([w.schools[1].pk]))
    since = last_audit_id()
    roster.classroom_archive(scope=launched, classroom=w.classrooms[2])
    [entry] = audit_since(since)
    assert entry.action == actions.CLASSROOM_ARCHIVED
    assert (entry.actor, entry.launched_by, entry.acting_role) == (
        da_user,
        da_user,
        "school_admin",
    )
    # Launched into A2, the district admin acts as A2's school admin only.
    before = db_state()
    with pytest.raises(NotFound):
        roster.classroom_archive(scope=launched, classroom=w.classrooms[0])
    with pytest.raises(Forbidden):
        lic.allocation_set(scope=launched, school=w.schools[1], product=w.product, seats=1)
    assert db_state() == before


@pytest.mark.parametrize("role", ["school_admin", "teacher", "integration"])
def test_only_district_admins_launch_into_a_school(world_a: DistrictWorld, role: str) -> None:
    with pytest.raises(NotFound):
        scoping.launch_into_school(world_a.scope(role), world_a.schools[1])


def test_district_admin_cannot_launch_into_another_districts_school(
    world_a: DistrictWorld, world_b: DistrictWorld
) -> None:
    with pytest.raises(NotFound):
        scoping.launch_into_school(world_a.scope("district_admin"), world_b.schools[0])


def test_unknown_and_foreign_ids_give_the_same_answer(
    world_a: DistrictWorld, world_b: DistrictWorld
) -> None:
    da = world_a.scope("district_admin")
    absent = Student.objects.order_by("-pk").first().pk + 1000
    for pk in (absent, world_b.students[0].pk, "nope", None):
        with pytest.raises(NotFound) as exc:
            rscoping.get_student_for(da, pk)
        assert exc.value.message.startswith("No student")


def test_operator_reaches_every_district(
    world_a: DistrictWorld, world_b: DistrictWorld, operator: Any
) -> None:
    op = rscoping.scope_for_user(operator, via="test")
    op_b, district = scoping.district_for(op, "b")
    assert district == world_b.district
    usage = sel.usage_for_district(scope=op_b, district=district)
    assert [s.name for s in usage.schools] == ["B School 1", "B School 2"]
    lic.allocation_set(scope=op_b, school=world_b.schools[0], product=world_b.product, seats=30)
