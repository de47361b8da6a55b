"""Issue 17.10: undo of a whole import, exact, from the import's own journal.

Each test dumps every row an import can write (every concrete column, ids and timestamps
included) and the seat ledger, before an import, then undoes it and compares: the same rows,
the same values. The seats are then checked against a recount (`ledger.verify`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from bench.generate import generate_district
from seatkeeper.audit.models import AuditEntry
from seatkeeper.errors import Conflict
from seatkeeper.orgs.models import District, Product, School
from seatkeeper.orgs.scoping import district_for
from seatkeeper.roster.csv_upload import TEMPLATE, csv_import
from seatkeeper.roster.models import ImportJournal, ImportRun, Student
from seatkeeper.roster.oneroster import journal
from seatkeeper.roster.oneroster.exporter import export_oneroster
from seatkeeper.roster.oneroster.importer import oneroster_import
from seatkeeper.roster.oneroster.undo import import_undo
from seatkeeper.roster.services import student_update
from seatkeeper.seats.errors import CapacityExceeded
from seatkeeper.seats.models import (
    Enforcement,
    EnforcementMode,
    Purchase,
    Seat,
    SeatCount,
)
from seatkeeper.seats.selectors import used_by_school
from seatkeeper.seats.verify import verify as verify_ledger
from tests.roster.oneroster.helpers import FILES, SAMPLES, op, write_set

TODAY = dt.date(2026, 11, 28)


def dump(slug: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the district an import can write, and the ledger (without its ids)."""
    d = District.objects.get(slug=slug)
    out: dict[str, list[tuple[object, ...]]] = {}
    for model in journal.RESTORE_ORDER:
        cols = [f.attname for f in model._meta.concrete_fields]
        rows = (
            model.objects.filter(pk=d.pk)
            if model is District
            else model.objects.filter(district_id=d.pk)
        )
        out[model._meta.db_table] = sorted(rows.values_list(*cols))
    out["seats"] = sorted(
        Seat.objects.filter(district_id=d.pk).values_list(
            "school_id", "product_id", "student_id", "classrooms", "classroom_id"
        )
    )
    out["counts"] = sorted(
        SeatCount.objects.filter(district_id=d.pk)
        .exclude(used=0)
        .values_list("school_id", "product_id", "used")
    )
    return out


def assert_same(before: dict, after: dict) -> None:
    for table in before:
        assert after[table] == before[table], table


def verify(slug: str) -> None:
    report = verify_ledger(District.objects.get(slug=slug))
    assert report.ok, report.as_dict()


def run_of(summary) -> ImportRun:
    return ImportRun.objects.get(pk=summary["import_run"])


def undo(summary, **kw):
    return import_undo(scope=op(), run=run_of(summary), **kw)


def read_zip(path: Path) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(path) as zf:
        return {
            n: list(csv.DictReader(io.TextIOWrapper(zf.open(n), encoding="utf-8")))
            for n in zf.namelist()
            if n.endswith(".csv") and n != "manifest.csv"
        }


def write_zip(path: Path, files: dict[str, list[dict[str, str]]], manifest: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.csv", manifest)
        for name, rows in files.items():
            buf = io.StringIO()
            if rows:
                w = csv.DictWriter(buf, fieldnames=list(rows[0]))
                w.writeheader()
                w.writerows(rows)
            zf.writestr(name, buf.getvalue())
    return path


# --- exactness --------------------------------------------------------------------------------


def test_undo_of_the_import_that_filled_a_new_district_leaves_it_empty(db, tmp_path):
    summary = oneroster_import(scope=op(), path=write_set(tmp_path / "set"), district_slug="lake")
    assert Student.objects.filter(district__slug="lake").count() == 3
    out = undo(summary)
    assert out["undone"] is True
    created = {c["what"]: c.get("created", 0) for c in out["changes"]}
    assert created["students"] == 3
    assert created["enrollments"] == 4
    assert created["schools"] == 2
    d = District.objects.get(slug="lake")
    for table, rows in dump("lake").items():
        if table != "orgs_district":
            assert rows == [], table
    assert d.sourced_id == "d1"  # the district the import created stays (an operator's call)
    assert run_of(summary).status == "undone"
    assert not ImportJournal.objects.filter(district=d).exists()
    entry = AuditEntry.objects.get(district=d, action="roster.import.undone")
    assert entry.target_id == summary["import_run"]
    verify("lake")


def test_undo_of_a_second_bulk_import_puts_every_row_back_exactly(db, tmp_path):
    """Renames, grade and school moves, a student gone from the files (un-enrolled), a new
    school, class, student and co-teacher, a primary teacher changed, a tobedeleted user."""
    oneroster_import(scope=op(), path=write_set(tmp_path / "a"), district_slug="lake")
    before = dump("lake")
    changed = write_set(
        tmp_path / "b",
        **{
            "orgs.csv": FILES["orgs.csv"] + "s3,active,,Lakeside Elementary,school,,d1\n",
            "classes.csv": FILES["classes.csv"].replace("Biology", "Biology I")
            + "c4,active,,Art,03,co4,ART,scheduled,,s3,t1,,,\n",
            "users.csv": FILES["users.csv"]
            .replace(
                "u3,active,,true,s1,student,s3,,Ana,Diaz,,1003,,,,,09,",
                "u3,active,,true,s2,student,s3,,Ana,Díaz,,1003,,,,,10,",
            )
            .replace("u5,active,,true,s2,student", "u5,tobedeleted,,true,s2,student")
            + "u7,active,,true,s3,student,s7,,Eli,Park,,1007,,,,,03,\n"
            + "u8,active,,true,s3,teacher,tpark,,Tom,Park,,T8,tom.park@example.org,,,,,\n",
            "enrollments.csv": FILES["enrollments.csv"]
            .replace("e6,active,,c1,s1,u4,student,false,,\n", "")
            .replace("e2,active,,c2,s1,u1,teacher,true,,", "e2,active,,c2,s1,u2,teacher,true,,")
            + "e8,active,,c4,s3,u8,teacher,true,,\n"
            + "e9,active,,c4,s3,u7,student,false,,\n"
            + "e10,active,,c1,s1,u2,teacher,false,,\n",
        },
    )
    second = oneroster_import(scope=op(), path=changed, district_slug="lake")
    ents = second["entities"]
    assert ents["students"]["updated"] >= 1
    assert ents["students"]["deleted"] == 1
    assert ents["enrollments"]["deleted"] >= 1
    assert ents["schools"]["created"] == 1
    assert dump("lake") != before
    dry = undo(second, dry_run=True)
    assert dry["undone"] is False
    assert dump("lake") != before
    out = undo(second)
    assert_same(before, dump("lake"))
    assert [s["used_after"] for s in out["seats"]] == [s["used_after"] for s in dry["seats"]]
    verify("lake")


def test_undo_of_a_delta_import(db, tmp_path):
    oneroster_import(scope=op(), path=write_set(tmp_path / "a"), district_slug="lake")
    before = dump("lake")
    delta = write_set(
        tmp_path / "d",
        **{
            "manifest.csv": FILES_MANIFEST_DELTA,
            "orgs.csv": None,
            "academicSessions.csv": None,
            "classes.csv": None,
            "users.csv": None,
            "enrollments.csv": "sourcedId,status,dateLastModified,classSourcedId,"
            "schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n"
            "e4,tobedeleted,,c1,s1,u3,student,false,,\n"
            "e1,tobedeleted,,c1,s1,u1,teacher,true,,\n"
            "e11,active,,c3,s2,u4,student,false,,\n",
        },
    )
    summary = oneroster_import(scope=op(), path=delta, district_slug="lake")
    assert summary["mode"] == "delta"
    undo(summary)
    assert_same(before, dump("lake"))
    verify("lake")


FILES_MANIFEST_DELTA = """propertyName,value
manifest.version,1.0
oneroster.version,1.1
file.academicSessions,absent
file.classes,absent
file.enrollments,delta
file.orgs,absent
file.users,absent
"""


def test_undo_of_a_changed_export_of_a_generated_district(db, tmp_path):
    """A district's own export (made-up ids included), changed the way a SIS changes over a
    summer, imported as bulk, then undone: every row as it was."""
    generate_district("gen", students=600, seed=5, schools=3, today=TODAY)
    scope, district = district_for(op(), "gen")
    out = tmp_path / "gen.zip"
    export_oneroster(scope=scope, district=district, out=out)
    with zipfile.ZipFile(out) as zf:
        manifest = zf.read("manifest.csv")
    files = read_zip(out)
    users = files["users.csv"]
    students = [u for u in users if u["role"] == "student"]
    for u in students[::7]:
        u["grades"] = str(int(u["grades"] or "0") + 1).zfill(2) if u["grades"].isdigit() else "05"
    for u in students[1::11]:
        u["familyName"] = u["familyName"] + "-Smith"
    gone = {u["sourcedId"] for u in students[2::13]}
    files["users.csv"] = [u for u in users if u["sourcedId"] not in gone]
    files["enrollments.csv"] = [
        e for e in files["enrollments.csv"] if e["userSourcedId"] not in gone
    ][::-1]
    for e in [e for e in files["enrollments.csv"] if e["role"] == "student"][:45]:
        e["status"] = "tobedeleted"
    new = dict(students[0], sourcedId="new-1", givenName="Nia", familyName="Okafor")
    files["users.csv"].append(new)
    klass = files["classes.csv"][0]["sourcedId"]
    school = files["classes.csv"][0]["schoolSourcedId"]
    files["enrollments.csv"].append(
        dict(
            files["enrollments.csv"][0],
            sourcedId="new-e1",
            classSourcedId=klass,
            schoolSourcedId=school,
            userSourcedId="new-1",
            role="student",
            primary="false",
        )
    )
    files["classes.csv"] = files["classes.csv"][1:] + [
        dict(files["classes.csv"][0], title=files["classes.csv"][0]["title"] + " (moved)")
    ]
    changed = write_zip(tmp_path / "changed.zip", files, manifest)
    before = dump("gen")
    summary = oneroster_import(scope=op(), path=changed, district_slug="gen")
    ents = summary["entities"]
    assert ents["students"]["updated"] > 20
    assert ents["enrollments"]["deleted"] > 40
    undo(summary)
    assert_same(before, dump("gen"))
    verify("gen")


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"the shared samples are not at {SAMPLES}")
@pytest.mark.parametrize(
    "sample",
    [
        "roster-hub-en",
        "catalyst/Test_full_data_set.zip",
        "catalyst/v1p2_full_dataset.zip",
        "catalyst/oneroster_test_data.zip",
    ],
)
def test_undo_of_real_samples_imported_over_the_demo_like_district(db, sample):
    path = SAMPLES / sample
    if not path.exists():
        pytest.skip(f"{path} is not there")
    generate_district("gen", students=200, seed=2, schools=2, today=TODAY)
    before = dump("gen")
    summary = oneroster_import(scope=op(), path=path, district_slug="gen")
    undo(summary)
    assert_same(before, dump("gen"))
    verify("gen")


def test_undo_of_a_csv_upload(world_a, tmp_path):
    header = TEMPLATE.splitlines()[0]
    school, teacher = world_a.schools[0], world_a.teachers[0]
    text = (
        f"{header}\n"
        f"S-1,Maya,Lopez,,2014-03-09,5,1001,,,{school.name},{world_a.classrooms[0].name},\n"
        f"S-2,Noah,Kim,,,5,1002,,,{school.sourced_id},Reading Club,{teacher.email}\n"
    )
    path = tmp_path / "students.csv"
    path.write_text(text, encoding="utf-8")
    slug = world_a.district.slug
    before = dump(slug)
    scope = world_a.scope("district_admin")
    summary = csv_import(scope=scope, path=path, district_slug=slug)
    assert summary["entities"]["students"]["created"] == 2
    import_undo(scope=scope, run=run_of(summary))
    assert_same(before, dump(slug))
    verify(slug)


# --- refusals ---------------------------------------------------------------------------------


def test_undo_is_refused_when_the_district_changed_since_and_changes_nothing(db, tmp_path):
    oneroster_import(scope=op(), path=write_set(tmp_path / "a"), district_slug="lake")
    second = oneroster_import(
        scope=op(),
        path=write_set(tmp_path / "b", **{"users.csv": FILES["users.csv"].replace("Bo,", "Bob,")}),
        district_slug="lake",
    )
    ana = Student.objects.get(district__slug="lake", sourced_id="u3")
    scope, _ = district_for(op(), "lake")
    student_update(scope=scope, student=ana, first_name="Anna")
    after = dump("lake")
    run = run_of(second)
    with pytest.raises(Conflict, match="Student changed"):
        import_undo(scope=op(), run=run, dry_run=True)  # the confirmation says so too
    with pytest.raises(Conflict, match="changed since import") as exc:
        import_undo(scope=op(), run=run)
    assert "Undo those changes first" in exc.value.message
    assert_same(after, dump("lake"))
    assert run_of(second).status == "applied"


def test_a_later_import_must_be_undone_first_then_the_earlier_one_can_be(db, tmp_path):
    first = oneroster_import(scope=op(), path=write_set(tmp_path / "a"), district_slug="lake")
    mid = dump("lake")
    second = oneroster_import(
        scope=op(),
        path=write_set(tmp_path / "b", **{"users.csv": FILES["users.csv"].replace("Bo,", "Bob,")}),
        district_slug="lake",
    )
    with pytest.raises(Conflict, match=r"later import .* undo that one first"):
        undo(first)
    undo(second)
    assert_same(mid, dump("lake"))
    undo(first)  # the later import and its undo cancel out
    assert Student.objects.filter(district__slug="lake").count() == 0
    with pytest.raises(Conflict, match="already undone"):
        undo(first)


def test_a_dry_run_and_a_refused_import_cannot_be_undone(db, tmp_path):
    oneroster_import(scope=op(), path=write_set(tmp_path / "a"), district_slug="lake")
    dry = oneroster_import(
        scope=op(), path=write_set(tmp_path / "a"), district_slug="lake", dry_run=True
    )
    assert "import_run" not in dry
    run = ImportRun.objects.create(
        district=District.objects.get(slug="lake"),
        district_slug="lake",
        kind="oneroster",
        status="previewed",
    )
    with pytest.raises(Conflict, match="was not applied"):
        import_undo(scope=op(), run=run)
    run.status, run.journal = "applied", ""
    run.save()
    with pytest.raises(Conflict, match="before Seatkeeper kept what undo needs"):
        import_undo(scope=op(), run=run)


def test_hard_mode_refuses_an_undo_that_would_push_a_school_over_capacity(db, tmp_path):
    """R7 capacity from purchases: a purchase ended since the import (that is not a roster
    change) leaves too few seats for the enrollments undo would put back."""
    oneroster_import(scope=op(), path=write_set(tmp_path / "a"), district_slug="lake")
    d = District.objects.get(slug="lake")
    core = Product.objects.get(district=d, code="core")
    s1 = School.objects.get(district=d, sourced_id="s1")
    purchase = Purchase.objects.create(
        district=d, product=core, school=s1, seats=2, starts_on=TODAY, ends_on=TODAY.replace(2027)
    )
    Enforcement.objects.update_or_create(
        district=d, product=core, defaults={"mode": EnforcementMode.HARD}
    )
    second = oneroster_import(
        scope=op(),
        path=write_set(
            tmp_path / "b",
            **{
                "enrollments.csv": FILES["enrollments.csv"].replace(
                    "e6,active,,c1,s1,u4,student,false,,\n", ""
                )
            },
        ),
        district_slug="lake",
    )
    assert used_by_school(district_id=d.pk, product_id=core.pk)[s1.pk] == 1
    Purchase.objects.filter(pk=purchase.pk).update(seats=1)
    before = dump("lake")
    with pytest.raises(CapacityExceeded):
        undo(second)
    assert_same(before, dump("lake"))


def test_undo_is_refused_when_a_school_the_import_created_has_a_purchase_since(db, tmp_path):
    """A purchase is no roster change, but it holds on to the school (PROTECT): a clear 409."""
    oneroster_import(scope=op(), path=write_set(tmp_path / "a"), district_slug="lake")
    second = oneroster_import(
        scope=op(),
        path=write_set(
            tmp_path / "b",
            **{"orgs.csv": FILES["orgs.csv"] + "s3,active,,Lakeside Elementary,school,,d1\n"},
        ),
        district_slug="lake",
    )
    d = District.objects.get(slug="lake")
    s3 = School.objects.get(district=d, sourced_id="s3")
    core = Product.objects.get(district=d, code="core")
    Purchase.objects.create(
        district=d, product=core, school=s3, seats=5, starts_on=TODAY, ends_on=TODAY.replace(2027)
    )
    before = dump("lake")
    with pytest.raises(Conflict, match="used since"):
        undo(second)
    assert_same(before, dump("lake"))
    assert run_of(second).status == "applied"
