"""issue 17.9 (big tables) and 17.10 (confirm pages say what a change will do), through the
Django test client on the real database: Students filters, seat sort, bulk un-enroll / delete /
restore with a confirm page whose seats-freed figure equals what applying yields (the ledger);
Classrooms search, sort and paging."""

from __future__ import annotations

import re

from seatkeeper.roster import services as roster
from seatkeeper.roster.models import Enrollment, Student
from seatkeeper.seats.selectors import usage_for_school
from tests.factories import PASSWORD, sys_scope
from tests.web.conftest import client_for


def _used(world, school) -> int:  # type: ignore[no-untyped-def]
    return usage_for_school(
        scope=sys_scope(world.district), school=school, product=world.product
    ).used


def _freed(body: str) -> int:
    m = re.search(r'data-figure="freed">(\d+)<', body)
    assert m, "no seats-freed figure on the confirm page"
    return int(m.group(1))


def _names(body: str) -> list[str]:
    return re.findall(r'<tr data-student="([^"]+)"', body)


def test_issue_17_9_student_filters_by_seat_grade_inactive_and_sorts_by_seat(world_a) -> None:  # type: ignore[no-untyped-def]
    scope = sys_scope(world_a.district)
    school = world_a.schools[0]
    loner = roster.student_create(
        scope=scope, district=world_a.district, school=school, first_name="Zed", last_name="AAA"
    )
    roster.student_update(scope=scope, student=world_a.students[0], grade="5")
    sa = client_for(world_a.users["school_admin"])
    url = f"/schools/{school.pk}/students/"
    held = _names(sa.get(url, {"seat": "held"}).content.decode())
    assert str(loner) not in held
    assert len(held) == 6  # the 6 enrolled students of A School 1 hold seats (ledger)
    assert _names(sa.get(url, {"seat": "none"}).content.decode()) == [str(loner)]
    assert _names(sa.get(url, {"grade": "5"}).content.decode()) == [str(world_a.students[0])]
    assert len(_names(sa.get(url, {"inactive": "30"}).content.decode())) == 7  # never signed in
    by_seat = _names(sa.get(url, {"sort": "seat"}).content.decode())
    assert by_seat[-1] == str(loner)
    assert _names(sa.get(url, {"sort": "-seat"}).content.decode())[0] == str(loner)


def test_issue_17_10_bulk_unenroll_confirm_says_seats_freed_and_equals_the_ledger(world_a) -> None:  # type: ignore[no-untyped-def]
    scope = sys_scope(world_a.district)
    school = world_a.schools[0]
    s0, s1, s3 = world_a.students[0], world_a.students[1], world_a.students[3]
    # s0 is in both licensed classrooms of school 1: un-enrolling frees one seat for them.
    roster.enrollment_create(scope=scope, student=s0, classroom=world_a.classrooms[1])
    sa = client_for(world_a.users["school_admin"])
    ids = [s0.pk, s1.pk, s3.pk]
    page = sa.get(
        f"/schools/{school.pk}/students/bulk/", {"action": "unenroll", "ids": ids}
    ).content.decode()
    predicted = _freed(page)
    assert predicted == 3
    before = _used(world_a, school)
    r = sa.post(
        f"/schools/{school.pk}/students/bulk/",
        {"action": "unenroll", "ids": ids, "back": f"/schools/{school.pk}/students/"},
    )
    assert r.status_code == 302  # POST/redirect/GET
    assert before - _used(world_a, school) == predicted
    assert not Enrollment.objects.filter(student_id__in=ids).exists()


def test_issue_17_10_bulk_delete_needs_password_shows_freed_and_restore_undoes(world_a) -> None:  # type: ignore[no-untyped-def]
    scope = sys_scope(world_a.district)
    school = world_a.schools[0]
    s0 = world_a.students[0]
    roster.enrollment_create(scope=scope, student=s0, classroom=world_a.classrooms[2])  # R6
    da = client_for(world_a.users["district_admin"])
    url = f"/schools/{school.pk}/students/bulk/"
    page = da.get(url, {"action": "delete", "ids": [s0.pk, world_a.students[1].pk]}).content
    assert _freed(page.decode()) == 3  # s0 at both schools, students[1] at school 1
    both = [s0.pk, world_a.students[1].pk]
    r = da.post(url, {"action": "delete", "ids": both, "password": "wrong"})
    assert r.status_code == 200
    assert "password is not right" in r.content.decode()
    assert Student.objects.filter(pk__in=both, deleted_at__isnull=True).count() == 2
    used = _used(world_a, school) + _used(world_a, world_a.schools[1])
    da.post(url, {"action": "delete", "ids": both, "password": PASSWORD})
    assert Student.objects.filter(pk__in=both, deleted_at__isnull=False).count() == 2
    after = _used(world_a, school) + _used(world_a, world_a.schools[1])
    assert used - after == 3
    da.post(url, {"action": "restore", "ids": both})
    assert Student.objects.filter(pk__in=both, deleted_at__isnull=True).count() == 2
    assert _used(world_a, school) + _used(world_a, world_a.schools[1]) == used


def test_issue_17_10_single_delete_confirm_shows_seats_freed(world_a) -> None:  # type: ignore[no-untyped-def]
    sa = client_for(world_a.users["school_admin"])
    school = world_a.schools[0]
    body = sa.get(f"/schools/{school.pk}/students/{world_a.students[0].pk}/delete/").content
    assert _freed(body.decode()) == 1


def test_issue_17_9_school_admin_cannot_bulk_delete_elsewhere(world_a) -> None:  # type: ignore[no-untyped-def]
    sa = client_for(world_a.users["school_admin"])
    other = world_a.students[-1]  # home school 2
    r = sa.post(
        f"/schools/{world_a.schools[0].pk}/students/bulk/",
        {"action": "delete", "ids": [other.pk], "password": PASSWORD},
    )
    assert r.status_code == 302
    assert Student.objects.get(pk=other.pk).deleted_at is None


def test_issue_17_9_classrooms_search_sort_and_paging(world_a) -> None:  # type: ignore[no-untyped-def]
    scope = sys_scope(world_a.district)
    school = world_a.schools[0]
    for i in range(55):
        roster.classroom_create(scope=scope, school=school, name=f"Elective {i:02d}")
    sa = client_for(world_a.users["school_admin"])
    url = f"/schools/{school.pk}/classrooms/"

    def names(**params: str) -> list[str]:
        return re.findall(r'<tr data-classroom="([^"]+)"', sa.get(url, params).content.decode())

    first = names()
    assert len(first) == 50
    assert "of 57 classrooms" in sa.get(url).content.decode()
    assert len(names(page="2")) == 7
    assert names(q="elective 42") == ["Elective 42"]
    assert names(q="Teacher a T00") == ["Class 00"]  # the teacher's name
    assert set(names(sort="-students")[:2]) == {"Class 00", "Class 01"}
    assert names(sort="-name")[0] == "Elective 54"
