"""The maple-valley demo: deterministic, two schools overallocated, and every cause on show.

(`seatkeeper demo --no-serve` run twice by the real console script, loading once, is in
tests/test_cli.py, which also checks that an independent load gives the same figures.)
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone

from seatkeeper.demo import maple_valley
from seatkeeper.orgs.models import District, Product, School
from seatkeeper.orgs.scoping import system_scope
from seatkeeper.roster.models import (
    Classroom,
    ClassroomStatus,
    Enrollment,
    Student,
    StudentActivity,
    Teacher,
)
from seatkeeper.roster.scoping import scope_for_user
from seatkeeper.seats.models import TeacherAccess
from seatkeeper.seats.selectors import seat_holders, usage_for_district, used_by_school
from tests.conftest import FAST_HASHERS


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[District]:
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        district = maple_valley.load()
    yield district
    with django_db_blocker.unblock():
        maple_valley.unload()


def core(d: District) -> Product:
    return Product.objects.get(district=d, code="core")


def usage(d: District, code: str = "core") -> Any:
    product = Product.objects.get(district=d, code=code)
    return usage_for_district(scope=system_scope(d), district=d, product=product)


def figures(d: District) -> dict[str, Any]:
    """Everything that must not vary between two loads (ids aside)."""

    def strip(u: Any) -> dict[str, Any]:
        data = u.as_dict()
        return {**data, "schools": [{**s, "id": None} for s in data["schools"]]}

    return {
        "rows": {
            m.__name__: m.objects.filter(district=d).count()
            for m in (Teacher, Classroom, Student, Enrollment, StudentActivity, TeacherAccess)
        },
        "core": strip(usage(d)),
        "ela": strip(usage(d, "ela")),
        "students": sorted(
            Student.objects.filter(district=d).values_list(
                "first_name", "last_name", "student_number", "grade", "school__name"
            )
        ),
    }


@pytest.mark.django_db
def test_demo_is_deterministic(demo: District) -> None:
    first = figures(demo)
    again = maple_valley.load(force=True)  # also the `--reset` path
    assert again.pk != demo.pk
    assert District.objects.filter(slug="maple-valley").count() == 1
    assert figures(again) == first
    assert 2500 <= first["rows"]["Student"] <= 5000


@pytest.mark.django_db
def test_demo_command_when_loaded_does_not_load_again(demo: District) -> None:
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    text = out.getvalue()
    assert "already loaded" in text
    assert "Overallocated for core: Birchwood Elementary (37 over), Cedar Ridge Middle" in text
    for username, _, _ in maple_valley.LOGINS:
        assert username in text
    assert District.objects.filter(slug="maple-valley").count() == 1


@pytest.mark.django_db
def test_at_least_two_schools_overallocated(demo: District) -> None:
    over = usage(demo).overallocated_schools
    assert len(over) >= 2
    assert {s.name for s in over} == {"Cedar Ridge Middle", "Birchwood Elementary"}


@pytest.mark.django_db
def test_cause_allocation_imbalance_spare_seats_and_unallocated_pool(demo: District) -> None:
    u = usage(demo)
    spare = [s for s in u.schools if s.allocated > 0 and s.remaining > 0]
    assert "Oak Hollow Elementary" in {s.name for s in spare}
    assert max(s.remaining for s in spare) >= 100
    assert u.unallocated == 40
    assert not u.overallocated  # the district as a whole has the seats: a planning problem


@pytest.mark.django_db
def test_cause_teachers_holding_access_without_need(demo: District) -> None:
    c = core(demo)
    on = TeacherAccess.objects.filter(district=demo, product=c, on=True).values("teacher_id")
    # Access ON and no classroom at all.
    idle = (
        Teacher.objects.filter(district=demo, pk__in=on)
        .annotate(n=Count("primary_classrooms"))
        .filter(n=0)
    )
    assert idle.count() >= 2
    # Access ON, and switching it off frees seats: students in no other licensed classroom.
    cedar = School.objects.get(district=demo, name="Cedar Ridge Middle")
    librarian = Teacher.objects.get(district=demo, last_name="Lindqvist-Cedar")
    rooms = set(Classroom.objects.filter(primary_teacher=librarian).values_list("id", flat=True))
    holders = seat_holders(scope=system_scope(demo), school=cedar, product=c)
    freed = [h for h in holders if set(h.classroom_ids) <= rooms]
    assert len(freed) >= 10


@pytest.mark.django_db
def test_cause_stale_classrooms_of_an_ended_term_still_count(demo: District) -> None:
    today = timezone.localdate()
    stale = Classroom.objects.filter(
        district=demo,
        term__ends_on__lt=today,
        status=ClassroomStatus.ACTIVE,
        deleted_at__isnull=True,
    )
    assert stale.count() >= 6
    c = core(demo)
    only_stale = 0
    for school in School.objects.filter(district=demo):
        stale_ids = set(stale.filter(school=school).values_list("id", flat=True))
        for h in seat_holders(scope=system_scope(demo), school=school, product=c):
            only_stale += set(h.classroom_ids) <= stale_ids
    assert only_stale >= 30  # seats held only through last year's classrooms
    # Archived ones exist too, and count nothing (R5).
    assert Classroom.objects.filter(district=demo, status=ClassroomStatus.ARCHIVED).exists()


@pytest.mark.django_db
def test_cause_duplicate_looking_accounts_each_take_a_seat(demo: District) -> None:
    c = core(demo)
    seated = set()
    for school in School.objects.filter(district=demo):
        seated |= {
            h.student_id for h in seat_holders(scope=system_scope(demo), school=school, product=c)
        }
    students = list(
        Student.objects.filter(district=demo).values(
            "id", "first_name", "last_name", "date_of_birth", "student_number", "school_id"
        )
    )
    # Nicknames: same last name and birthday, first names Katherine/Kate etc.
    nick = {(full, short) for full, short in maple_valley.NICKNAMES}
    by_key: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for s in students:
        by_key.setdefault((s["last_name"], s["date_of_birth"], s["school_id"]), []).append(s)
    nickname_pairs = [
        (a, b)
        for group in by_key.values()
        for a in group
        for b in group
        if (a["first_name"], b["first_name"]) in nick
    ]
    assert len(nickname_pairs) >= 4
    assert all(a["id"] in seated and b["id"] in seated for a, b in nickname_pairs)  # R3
    # Typos: one student number, two spellings of the last name.
    by_number = Counter(s["student_number"] for s in students if s["student_number"])
    typo_numbers = [n for n, k in by_number.items() if k == 2]
    assert len(typo_numbers) >= 4
    # Second accounts: identical name and birthday, different accounts.
    same = Counter(
        (s["first_name"], s["last_name"], s["date_of_birth"], s["school_id"])
        for s in students
        if s["date_of_birth"]
    )
    assert sum(1 for k in same.values() if k >= 2) >= 4


@pytest.mark.django_db
def test_cause_a_student_counted_at_two_schools(demo: District) -> None:
    c = core(demo)
    seen: Counter[int] = Counter()
    for school in School.objects.filter(district=demo):
        seen.update(
            h.student_id for h in seat_holders(scope=system_scope(demo), school=school, product=c)
        )
    movers = [s for s, n in seen.items() if n >= 2]
    assert len(movers) >= 1
    schools = set(
        Enrollment.objects.filter(student_id=movers[0]).values_list(
            "classroom__school__name", flat=True
        )
    )
    assert schools == {"Cedar Ridge Middle", "Willow Creek Middle"}
    # R6: both schools' used include the student; the district total counts them twice.
    per_school = used_by_school(district_id=demo.pk, product_id=c.pk)
    assert usage(demo).used == sum(per_school.values())


@pytest.mark.django_db
def test_cause_students_not_signed_in_for_over_120_days_hold_seats(demo: District) -> None:
    c = core(demo)
    cutoff = timezone.now() - dt.timedelta(days=120)
    inactive = set(
        Student.objects.filter(district=demo, last_sign_in_at__lt=cutoff).values_list(
            "id", flat=True
        )
    )
    seated = set()
    for school in School.objects.filter(district=demo):
        seated |= {
            h.student_id for h in seat_holders(scope=system_scope(demo), school=school, product=c)
        }
    assert len(inactive & seated) >= 40
    assert demo.inactive_student_days == 120


@pytest.mark.django_db
def test_demo_logins_for_each_role(demo: District) -> None:
    User = get_user_model()
    for username, role, _ in maple_valley.LOGINS:
        user = User.objects.get(username=username)
        assert user.check_password(maple_valley.PASSWORD)
        assert scope_for_user(user).role == role
    sa = scope_for_user(User.objects.get(username="school-admin"))
    [school_id] = sa.school_ids
    over = {s.id for s in usage(demo).overallocated_schools}
    assert school_id in over
    teacher = scope_for_user(User.objects.get(username="teacher"))
    assert Teacher.objects.get(pk=teacher.teacher_id).last_name == "Rivera"
