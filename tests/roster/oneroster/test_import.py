"""OneRoster import: mapping, idempotence, dry run, delta semantics, audit, invariants."""

from __future__ import annotations

import datetime as dt

from seatkeeper.audit.models import AuditEntry
from seatkeeper.orgs.models import District, Product, School
from seatkeeper.orgs.services import district_settings_update
from seatkeeper.roster.models import (
    Classroom,
    Enrollment,
    ImportRun,
    RosterInvite,
    Student,
    Teacher,
    Term,
)
from seatkeeper.roster.oneroster.importer import oneroster_import
from seatkeeper.seats.models import Allocation, TeacherAccess
from seatkeeper.seats.selectors import used_by_school
from tests.roster.oneroster.helpers import op, totals, write_set


def test_first_import_creates_district_and_maps_every_entity(db, tmp_path):
    summary = oneroster_import(scope=op(), path=write_set(tmp_path / "set"), district_slug="lake")
    district = District.objects.get(slug="lake")
    assert district.name == "Lakeside District"
    assert district.sourced_id == "d1"
    assert summary["district_created"] is True
    assert totals(summary) == {
        "schools": 2,
        "terms": 1,
        "courses": 3,
        "teachers": 2,
        "students": 3,
        "invites": 1,
        "classrooms": 3,
        "co_teachers": 0,
        "enrollments": 4,
    }
    assert set(
        School.objects.filter(district=district).values_list("roster_source", flat=True)
    ) == {"oneroster"}
    term = Term.objects.get(district=district)
    assert (term.starts_on, term.ends_on) == (dt.date(2026, 8, 1), dt.date(2027, 6, 30))
    c1 = Classroom.objects.get(district=district, sourced_id="c1")
    assert c1.primary_teacher.sourced_id == "u1"
    assert c1.term == term
    assert c1.school.sourced_id == "s1"
    invite = RosterInvite.objects.get(district=district)
    assert (invite.sourced_id, invite.role, invite.email) == (
        "u6",
        "school_admin",
        "pat@example.org",
    )
    assert not Teacher.objects.filter(sourced_id="u6").exists()
    core = Product.objects.get(district=district, code="core")
    # Invariants of the services: access per product for every teacher, allocation per school.
    assert TeacherAccess.objects.filter(district=district, product=core, on=True).count() == 2
    assert Allocation.objects.filter(district=district, product=core).count() == 2
    used = used_by_school(district_id=district.pk, product_id=core.pk)
    s1, s2 = (School.objects.get(district=district, sourced_id=s) for s in ("s1", "s2"))
    assert used == {s1.pk: 2, s2.pk: 1}
    seats = {(r["sourced_id"], r["product"]): r for r in summary["seats"]}
    assert seats[("s1", "core")]["used_before"] == 0
    assert seats[("s1", "core")]["used_after"] == 2
    assert seats[("s1", "core")]["overallocated_after"] is True
    run = ImportRun.objects.get(pk=summary["import_run"])
    assert run.status == "applied"
    assert run.district == district
    entries = AuditEntry.objects.filter(district=district, action="roster.import.applied")
    assert entries.count() == 1
    assert entries[0].data["new"]["entities"]["students"]["created"] == 3


def test_second_import_of_the_same_files_changes_nothing(db, tmp_path):
    folder = write_set(tmp_path / "set")
    oneroster_import(scope=op(), path=folder, district_slug="lake")
    again = oneroster_import(scope=op(), path=folder, district_slug="lake")
    assert set(totals(again, "created").values()) == {0}
    assert set(totals(again, "updated").values()) == {0}
    assert set(totals(again, "deleted").values()) == {0}
    assert totals(again, "unchanged")["enrollments"] == 4
    assert again["district_created"] is False


def test_dry_run_writes_nothing_but_predicts_the_apply(db, tmp_path):
    folder = write_set(tmp_path / "set")
    audit_before = AuditEntry.objects.count()
    preview = oneroster_import(scope=op(), path=folder, district_slug="lake", dry_run=True)
    assert not District.objects.filter(slug="lake").exists()
    assert AuditEntry.objects.count() == audit_before
    assert ImportRun.objects.count() == 0
    applied = oneroster_import(scope=op(), path=folder, district_slug="lake")
    assert preview["entities"] == applied["entities"]
    assert [(r["used_before"], r["used_after"]) for r in preview["seats"]] == [
        (r["used_before"], r["used_after"]) for r in applied["seats"]
    ]


def test_update_is_counted_and_written(db, tmp_path):
    oneroster_import(scope=op(), path=write_set(tmp_path / "a"), district_slug="lake")
    from tests.roster.oneroster.helpers import FILES

    users = FILES["users.csv"].replace("Ana,Diaz", "Anna,Diaz")
    summary = oneroster_import(
        scope=op(), path=write_set(tmp_path / "b", **{"users.csv": users}), district_slug="lake"
    )
    assert summary["entities"]["students"] == {
        "created": 0,
        "updated": 1,
        "deleted": 0,
        "unchanged": 2,
    }
    assert Student.objects.get(sourced_id="u3").first_name == "Anna"


def test_r2_bulk_file_without_an_enrollment_unenrolls_it(db, tmp_path):
    from tests.roster.oneroster.helpers import FILES

    oneroster_import(scope=op(), path=write_set(tmp_path / "a"), district_slug="lake")
    fewer = "\n".join(
        line for line in FILES["enrollments.csv"].splitlines() if not line.startswith("e6")
    )
    summary = oneroster_import(
        scope=op(),
        path=write_set(tmp_path / "b", **{"enrollments.csv": fewer + "\n"}),
        district_slug="lake",
    )
    assert summary["entities"]["enrollments"]["deleted"] == 1
    bo = Student.objects.get(sourced_id="u4")
    assert bo.deleted_at is None  # the account stays (R2)
    assert not Enrollment.objects.filter(student=bo).exists()
    entry = AuditEntry.objects.filter(action="roster.import.applied").latest("id")
    assert [r["student_id"] for r in entry.data["undo"]["removed_enrollments"]] == [bo.pk]


def test_accounts_missing_from_a_bulk_file_are_counted_not_deleted(db, tmp_path):
    """A bulk users.csv without a student or teacher of an earlier import deletes no account
    (that is an admin's call); the summary counts them so the admin sees it."""
    from tests.roster.oneroster.helpers import FILES

    oneroster_import(scope=op(), path=write_set(tmp_path / "a"), district_slug="lake")
    users = "\n".join(
        line for line in FILES["users.csv"].splitlines() if not line.startswith(("u5", "u2"))
    )
    enrollments = "\n".join(
        line for line in FILES["enrollments.csv"].splitlines() if not line.startswith(("e7", "e3"))
    )
    summary = oneroster_import(
        scope=op(),
        path=write_set(
            tmp_path / "b", **{"users.csv": users + "\n", "enrollments.csv": enrollments + "\n"}
        ),
        district_slug="lake",
    )
    left = "from an earlier import, not in these bulk files; left as they are"
    assert summary["ignored"][f"students: {left}"] == 1
    assert summary["ignored"][f"teachers: {left}"] == 1
    assert f"classrooms: {left}" not in summary["ignored"]
    assert Student.objects.get(sourced_id="u5").deleted_at is None
    assert Teacher.objects.get(sourced_id="u2").deleted_at is None


def test_delta_tobedeleted_soft_deletes_and_unenrolls(db, tmp_path):
    oneroster_import(scope=op(), path=write_set(tmp_path / "a"), district_slug="lake")
    delta = tmp_path / "delta"
    delta.mkdir()
    (delta / "manifest.csv").write_text(
        "propertyName,value\noneroster.version,1.1\nfile.users,delta\nfile.enrollments,delta\n"
    )
    (delta / "users.csv").write_text(
        "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
        "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n"
        "u5,tobedeleted,2026-09-01,,,,,,,,,,,,,,,\n"
    )
    (delta / "enrollments.csv").write_text(
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,"
        "primary,beginDate,endDate\n"
        "e6,tobedeleted,2026-09-01,c1,s1,u4,student,false,,\n"
        "e8,active,2026-09-01,c2,s1,u4,student,false,,\n"
    )
    summary = oneroster_import(scope=op(), path=delta, district_slug="lake")
    assert summary["mode"] == "delta"
    assert summary["entities"]["students"]["deleted"] == 1
    assert summary["entities"]["enrollments"]["created"] == 1
    assert summary["entities"]["enrollments"]["deleted"] == 1
    assert Student.objects.get(sourced_id="u5").deleted_at is not None
    bo = Student.objects.get(sourced_id="u4")
    assert list(
        Enrollment.objects.filter(student=bo).values_list("classroom__sourced_id", flat=True)
    ) == ["c2"]
    # Nothing else was touched: a delta file is not a complete roster.
    assert Enrollment.objects.filter(student__sourced_id="u3").count() == 2


def test_new_teachers_start_with_access_off_when_the_district_says_so(db, tmp_path):
    from seatkeeper.orgs.scoping import system_scope
    from seatkeeper.orgs.services import district_create

    district = district_create(scope=op(), slug="lake", name="Lake")
    district_settings_update(
        scope=system_scope(district), district=district, new_teacher_access=False
    )
    summary = oneroster_import(scope=op(), path=write_set(tmp_path / "a"), district_slug="lake")
    assert summary["district_created"] is False
    assert set(TeacherAccess.objects.filter(district=district).values_list("on", flat=True)) == {
        False
    }
    assert all(r["used_after"] == 0 for r in summary["seats"])


def test_district_admin_of_another_district_gets_not_found(world_a, tmp_path):
    from seatkeeper.errors import NotFound

    scope = world_a.scope("district_admin")
    try:
        oneroster_import(scope=scope, path=write_set(tmp_path / "a"), district_slug="lake")
    except NotFound:
        pass
    else:
        raise AssertionError("expected NotFound")
    assert not District.objects.filter(slug="lake").exists()


def test_merged_student_is_not_brought_back(db, tmp_path):
    from django.utils import timezone

    folder = write_set(tmp_path / "a")
    oneroster_import(scope=op(), path=folder, district_slug="lake")
    keeper = Student.objects.get(sourced_id="u3")
    Student.objects.filter(sourced_id="u4").update(merged_into=keeper, deleted_at=timezone.now())
    summary = oneroster_import(scope=op(), path=folder, district_slug="lake")
    assert Student.objects.get(sourced_id="u4").deleted_at is not None
    assert summary["entities"]["students"]["created"] == 0
    assert any("merged" in k for k in summary["ignored"])


def test_r1_same_student_listed_twice_in_a_class_is_one_enrollment(db, tmp_path):
    from tests.roster.oneroster.helpers import FILES

    twice = FILES["enrollments.csv"] + "e4b,active,,c1,s1,u3,student,false,2026-09-01,\n"
    summary = oneroster_import(
        scope=op(),
        path=write_set(tmp_path / "a", **{"enrollments.csv": twice}),
        district_slug="lake",
    )
    assert summary["entities"]["enrollments"]["created"] == 4
    assert (
        Enrollment.objects.filter(student__sourced_id="u3", classroom__sourced_id="c1").count() == 1
    )


def test_progress_reports_reading_checking_and_writing(db, tmp_path):
    """What the web progress bar and the CLI bar show: kB of the files staged, the groups of
    checks, then rows written; each stage ends complete."""
    seen: list[tuple[str, int, int]] = []
    oneroster_import(
        scope=op(),
        path=write_set(tmp_path / "a"),
        district_slug="lake",
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    stages = [s for s, _, _ in seen]
    assert (
        stages.index("reading files (kB)") < stages.index("checking") < stages.index("writing rows")
    )
    for stage in ("reading files (kB)", "checking"):
        last = [(d, t) for s, d, t in seen if s == stage][-1]
        assert last[0] == last[1]
    assert all(d <= t for s, d, t in seen if t)
