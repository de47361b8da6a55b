"""Hard enforcement on import: roster changes apply, seats beyond capacity are held back and
listed for an admin; an import never silently pushes a hard-mode school over capacity."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from seatkeeper.orgs.models import District, Product, School
from seatkeeper.orgs.scoping import system_scope
from seatkeeper.roster.models import Enrollment, ImportRun, Student
from seatkeeper.roster.oneroster.importer import oneroster_import
from seatkeeper.seats import services as lic
from seatkeeper.seats.selectors import used_by_school
from tests.roster.oneroster.helpers import FILES, op, write_set

MORE_USERS = (
    "u7,active,,true,s1,student,s7,,Di,Ma,,1007,,,,,09,\n"
    "u8,active,,true,s1,student,s8,,Ed,Ko,,1008,,,,,09,\n"
    "u9,active,,true,s1,student,s9,,Fa,Lu,,1009,,,,,09,\n"
    "u10,active,,true,s2,student,s10,,Gi,Ro,,1010,,,,,07,\n"
)
MORE_ENROLLMENTS = (
    "e11,active,,c1,s1,u7,student,false,,\n"
    "e12,active,,c1,s1,u8,student,false,,\n"
    "e13,active,,c2,s1,u9,student,false,,\n"
    "e14,active,,c3,s2,u10,student,false,,\n"
)


def hard_district(tmp_path, mode: str = "hard", s1_seats: int = 3, s2_seats: int = 1) -> District:
    oneroster_import(scope=op(), path=write_set(tmp_path / "base"), district_slug="lake")
    district = District.objects.get(slug="lake")
    scope = system_scope(district)
    core = Product.objects.get(district=district, code="core")
    today = timezone.localdate()
    lic.purchase_create(
        scope=scope,
        district=district,
        product=core,
        seats=10,
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=300),
    )
    for sid, seats in (("s1", s1_seats), ("s2", s2_seats)):
        school = School.objects.get(district=district, sourced_id=sid)
        lic.allocation_set(scope=scope, school=school, product=core, seats=seats)
    lic.enforcement_set(
        scope=scope,
        district=district,
        product=core,
        mode=mode,
        grace_until=today - dt.timedelta(days=1) if mode == "grace" else None,
    )
    return district


def grown(tmp_path):
    return write_set(
        tmp_path / "grown",
        **{
            "users.csv": FILES["users.csv"] + MORE_USERS,
            "enrollments.csv": FILES["enrollments.csv"] + MORE_ENROLLMENTS,
        },
    )


def used(district: District) -> dict[str, int]:
    core = Product.objects.get(district=district, code="core")
    names = dict(School.objects.filter(district=district).values_list("id", "sourced_id"))
    return {
        names[s]: n for s, n in used_by_school(district_id=district.pk, product_id=core.pk).items()
    }


def test_hard_mode_holds_back_seats_beyond_capacity_and_lists_them(db, tmp_path):
    district = hard_district(tmp_path)
    summary = oneroster_import(scope=op(), path=grown(tmp_path), district_slug="lake")
    assert used(district) == {"s1": 3, "s2": 1}
    held = {(h["student_sourced_id"], h["school"], h["product"]) for h in summary["held_back"]}
    assert held == {
        ("u9", "Lakeside High", "core"),
        ("u8", "Lakeside High", "core"),
        ("u10", "Lakeside Middle", "core"),
    }
    # The roster changes apply: the accounts exist (R2), only their seats were held back.
    assert (
        Student.objects.filter(district=district, sourced_id__in=["u8", "u9", "u10"]).count() == 3
    )
    assert not Enrollment.objects.filter(student__sourced_id__in=["u8", "u9", "u10"]).exists()
    assert Enrollment.objects.filter(student__sourced_id="u7").count() == 1
    assert summary["entities"]["enrollments"]["created"] == 1
    seats = {r["sourced_id"]: r for r in summary["seats"]}
    assert (seats["s1"]["used_after"], seats["s1"]["overallocated_after"]) == (3, False)
    run = ImportRun.objects.get(pk=summary["import_run"])
    assert len(run.held_back) == 3


def test_grace_after_its_date_is_hard(db, tmp_path):
    district = hard_district(tmp_path, mode="grace")
    summary = oneroster_import(scope=op(), path=grown(tmp_path), district_slug="lake")
    assert len(summary["held_back"]) == 3
    assert used(district) == {"s1": 3, "s2": 1}


def test_soft_mode_lets_the_import_overallocate_and_flags_it(db, tmp_path):
    district = hard_district(tmp_path, mode="soft")
    summary = oneroster_import(scope=op(), path=grown(tmp_path), district_slug="lake")
    assert summary["held_back"] == []
    assert used(district) == {"s1": 5, "s2": 2}
    seats = {r["sourced_id"]: r for r in summary["seats"]}
    assert seats["s1"]["overallocated_after"] is True


def test_school_already_over_may_stay_over_by_what_it_was_never_more(db, tmp_path):
    district = hard_district(tmp_path, s1_seats=1)  # s1 uses 2 of 1 before the import
    summary = oneroster_import(scope=op(), path=grown(tmp_path), district_slug="lake")
    assert used(district)["s1"] == 2
    assert {
        h["student_sourced_id"] for h in summary["held_back"] if h["school"] == "Lakeside High"
    } == {
        "u7",
        "u8",
        "u9",
    }


def test_changes_that_lower_usage_always_apply(db, tmp_path):
    district = hard_district(tmp_path, s1_seats=1)
    fewer = "\n".join(
        line for line in FILES["enrollments.csv"].splitlines() if not line.startswith("e6")
    )
    summary = oneroster_import(
        scope=op(),
        path=write_set(tmp_path / "fewer", **{"enrollments.csv": fewer + "\n"}),
        district_slug="lake",
    )
    assert summary["entities"]["enrollments"]["deleted"] == 1
    assert used(district)["s1"] == 1


def test_dry_run_predicts_the_hold_back_exactly(db, tmp_path):
    district = hard_district(tmp_path)
    preview = oneroster_import(scope=op(), path=grown(tmp_path), district_slug="lake", dry_run=True)
    assert used(district) == {"s1": 2, "s2": 1}
    applied = oneroster_import(scope=op(), path=grown(tmp_path), district_slug="lake")
    strip = [{k: v for k, v in h.items() if k != "student_id"} for h in applied["held_back"]]
    assert [
        {k: v for k, v in h.items() if k != "student_id"} for h in preview["held_back"]
    ] == strip
