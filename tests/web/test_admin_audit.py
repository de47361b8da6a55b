"""issue 17.11: a readable audit log: plain-language actions, before → after on the page, one
filter entry per action kind, per-object history, and undo from the log for seat moves, access
switches and un-enrolls (each undo audited, ledger-exact, refused once state changed)."""

from __future__ import annotations

import re

from seatkeeper.audit import actions
from seatkeeper.audit.models import AuditEntry
from seatkeeper.roster import services as roster
from seatkeeper.roster.models import Enrollment
from seatkeeper.seats import services as lic
from seatkeeper.seats.models import Allocation, TeacherAccess
from seatkeeper.seats.selectors import usage_for_school
from tests.factories import sys_scope
from tests.web.conftest import client_for


def _used(world, school) -> int:  # type: ignore[no-untyped-def]
    return usage_for_school(
        scope=sys_scope(world.district), school=school, product=world.product
    ).used


def _entry(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).order_by("-id").first()


def test_issue_17_11_log_reads_in_plain_language_with_one_filter_entry_per_kind(world_a) -> None:  # type: ignore[no-untyped-def]
    da = client_for(world_a.users["district_admin"])
    body = da.get("/district/audit/").content.decode()
    options = re.findall(r'<select id="a-action".*?</select>', body, re.S)[0]
    values = re.findall(r'<option value="([^"]*)"', options)[1:]
    assert len(values) == len(set(values))  # one per kind (was one per entry)
    assert set(values) == set(
        AuditEntry.objects.filter(district=world_a.district).values_list("action", flat=True)
    )
    assert ">Student added<" in options
    assert "Student added" in body
    assert "roster.student.created</code>" not in body


def test_issue_17_11_before_after_and_undo_a_seat_move(world_a) -> None:  # type: ignore[no-untyped-def]
    s1, s2 = world_a.schools
    da = client_for(world_a.users["district_admin"])
    da.post(
        "/district/move/",
        {"from_school": s1.pk, "to_school": s2.pk, "seats": "5", "product": "core"},
    )
    e = _entry(actions.ALLOCATION_MOVED)
    assert e is not None
    body = da.get("/district/audit/").content.decode()
    row = body[body.index(f'data-entry="{e.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Seats moved between schools" in row
    assert re.search(r'class="before">20</span>.*class="after">15</span>', row, re.S)
    r = da.post(f"/district/audit/{e.pk}/undo/", {"back": "/district/audit/"})
    assert r.status_code == 302
    seats = dict(
        Allocation.objects.filter(product=world_a.product).values_list("school_id", "seats")
    )
    assert (seats[s1.pk], seats[s2.pk]) == (20, 20)
    undo = _entry(actions.AUDIT_ENTRY_UNDONE)
    assert undo.target_id == e.pk
    assert undo.data["undoes"] == e.pk
    # An entry is undone once.
    da.post(f"/district/audit/{e.pk}/undo/")
    assert AuditEntry.objects.filter(action=actions.AUDIT_ENTRY_UNDONE).count() == 1


def test_issue_17_11_undo_refused_when_state_changed_since(world_a) -> None:  # type: ignore[no-untyped-def]
    s1, s2 = world_a.schools
    scope = sys_scope(world_a.district)
    lic.allocation_move(scope=scope, product=world_a.product, from_school=s1, to_school=s2, seats=5)
    e = _entry(actions.ALLOCATION_MOVED)
    lic.allocation_set(scope=scope, school=s2, product=world_a.product, seats=30)  # later change
    da = client_for(world_a.users["district_admin"])
    r = da.post(f"/district/audit/{e.pk}/undo/", follow=True, HTTP_REFERER="/district/audit/")
    assert "changed since this entry" in r.content.decode()
    seats = dict(
        Allocation.objects.filter(product=world_a.product).values_list("school_id", "seats")
    )
    assert (seats[s1.pk], seats[s2.pk]) == (15, 30)
    assert not AuditEntry.objects.filter(action=actions.AUDIT_ENTRY_UNDONE).exists()


def test_issue_17_11_undo_access_switch_and_unenroll_are_ledger_exact(world_a) -> None:  # type: ignore[no-untyped-def]
    school, teacher = world_a.schools[0], world_a.teachers[0]
    sa = client_for(world_a.users["school_admin"])
    used = _used(world_a, school)
    sa.post(f"/schools/{school.pk}/access/{teacher.pk}/", {"on": "0", "product": "core"})
    assert _used(world_a, school) == used - 3
    da = client_for(world_a.users["district_admin"])
    da.post(f"/district/audit/{_entry(actions.ACCESS_CHANGED).pk}/undo/")
    assert TeacherAccess.objects.get(teacher=teacher, product=world_a.product).on
    assert _used(world_a, school) == used
    student, classroom = world_a.students[0], world_a.classrooms[0]
    roster.student_unenroll(scope=sys_scope(world_a.district), student=student, classroom=classroom)
    assert _used(world_a, school) == used - 1
    e = _entry(actions.STUDENT_UNENROLLED)
    da.post(f"/district/audit/{e.pk}/undo/")
    assert Enrollment.objects.filter(student=student, classroom=classroom).exists()
    assert _used(world_a, school) == used
    assert AuditEntry.objects.filter(action=actions.AUDIT_ENTRY_UNDONE).count() == 2
    # School admins may not undo from the log.
    assert sa.post(f"/district/audit/{e.pk}/undo/").status_code == 403


def test_issue_17_11_per_object_history_scoped(world_a, world_b) -> None:  # type: ignore[no-untyped-def]
    student, teacher = world_a.students[0], world_a.teachers[0]
    roster.access_set(
        scope=sys_scope(world_a.district), teacher=teacher, product=world_a.product, on=False
    )
    sa = client_for(world_a.users["school_admin"])
    body = sa.get(f"/history/student/{student.pk}/").content.decode()
    assert "Student added" in body
    assert str(student) in body
    body = sa.get(f"/history/teacher/{teacher.pk}/").content.decode()
    assert "Teacher access switched" in body
    assert "Teacher added" in body
    assert sa.get(f"/history/classroom/{world_a.classrooms[0].pk}/").status_code == 200
    assert sa.get(f"/history/student/{world_a.students[-1].pk}/").status_code == 404  # school 2
    assert sa.get(f"/history/student/{world_b.students[0].pk}/").status_code == 404
    assert sa.get(f"/history/school/{world_a.schools[0].pk}/").status_code == 404
    detail = sa.get(f"/schools/{world_a.schools[0].pk}/students/{student.pk}/").content.decode()
    assert f"/history/student/{student.pk}/" in detail
