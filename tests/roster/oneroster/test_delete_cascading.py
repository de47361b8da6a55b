"""Undo's set-based delete (`journal.delete_cascading`) does exactly what the ORM's delete does.

Undo of an import deletes the rows the import created (issue 17.10). It used to go through the
ORM's collector, which loads every instance into Python (17 s for a 100k-student import on
PostgreSQL); it now runs one statement per table and key. These tests hold it to the ORM: on a
generated district (co-teachers, access rows, sign-in activity, merged duplicates), the same
rows deleted both ways leave every table of the project in the same state.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import CASCADE, DO_NOTHING, PROTECT, SET_NULL, ProtectedError
from django.db.models.deletion import get_candidate_relations_to_delete
from django.utils import timezone

from bench.generate import generate_district
from seatkeeper.orgs.models import Membership, MembershipSchool, Role, School
from seatkeeper.roster.models import Classroom, Course, Student, StudentActivity, Teacher, Term
from seatkeeper.roster.oneroster import journal
from seatkeeper.seats import ledger
from seatkeeper.seats.models import Seat, SeatCount


def everything() -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of the project, every concrete column (the ledger's seats
    without their ids: sync re-inserts them, and PostgreSQL's sequences never roll back)."""
    out = {}
    for model in apps.get_models():
        cols = [
            f.attname for f in model._meta.concrete_fields if not (model is Seat and f.primary_key)
        ]
        out[model._meta.label] = sorted(model._base_manager.values_list(*cols), key=repr)
    return out


class _Rollback(Exception):
    pass


def state_after(delete) -> dict[str, list[tuple[object, ...]]]:
    """The whole database after `delete()`, which is then rolled back."""
    try:
        with transaction.atomic():
            delete()
            seen = everything()
            raise _Rollback
    except _Rollback:
        return seen


@pytest.fixture
def district(db):
    d = generate_district("cascade", students=240, seed=3, schools=2)
    # Merged duplicates, inside and outside the rows deleted (SET_NULL on a key to itself).
    students = list(Student.objects.filter(district=d).order_by("pk").values_list("pk", flat=True))
    Student.objects.filter(pk__in=students[:20]).update(merged_into_id=students[1])
    Student.objects.filter(pk__in=students[-20:]).update(merged_into_id=students[0])
    teachers = list(Teacher.objects.filter(district=d).order_by("pk").values_list("pk", flat=True))
    Teacher.objects.filter(pk=teachers[-1]).update(merged_into_id=teachers[0])
    # Courses (the generator makes none), each taught by some classrooms (SET_NULL).
    term = Term.objects.filter(district=d).order_by("pk").first()
    for k, classroom in enumerate(Classroom.objects.filter(district=d).order_by("pk")[:40]):
        if k % 4 == 0:
            course = Course.objects.create(
                district=d, title=f"Course {k}", school_id=classroom.school_id, school_year=term
            )
        Classroom.objects.filter(pk=classroom.pk).update(course=course)
    return d


@pytest.mark.parametrize("model", [Student, Classroom, Teacher, Term, Course])
def test_set_based_delete_leaves_the_database_as_the_orm_delete_does(district, model):
    rows = model.objects.filter(district=district).order_by("pk")
    pks = list(rows.values_list("pk", flat=True))
    assert pks, f"the generated district has no {model.__name__}"
    lo, hi = pks[0], pks[len(pks) // 2]
    if model is Teacher:  # the other half is pointed to by the first teacher's merge
        lo = pks[1]
    where = "district_id = %s AND id BETWEEN %s AND %s"

    def orm():
        model.objects.filter(district=district, pk__gte=lo, pk__lte=hi).delete()
        ledger.sync(district.pk)  # the seat journal's rows depend on the order of the deletes

    deleted = []

    def sql():
        deleted.append(journal.delete_cascading(model, district.pk, where, [district.pk, lo, hi]))
        ledger.sync(district.pk)

    by_orm, by_sql = state_after(orm), state_after(sql)
    assert deleted == [len([p for p in pks if lo <= p <= hi])]
    assert by_sql == by_orm
    assert by_sql != everything(), "nothing was deleted"
    assert by_sql["seats.SeatJournal"] == [], "the ledger took every change in"


def test_protect_refuses_naming_the_rows_and_deletes_nothing(district):
    school = School.objects.filter(district=district).order_by("pk").first()
    # A principal's school: the membership row cascades, and is checked before the PROTECT.
    user = get_user_model().objects.create_user("principal@example.org", password="x")
    member = Membership.objects.create(user=user, role=Role.SCHOOL_ADMIN, district=district)
    MembershipSchool.objects.create(district=district, membership=member, school=school)
    before = everything()
    with pytest.raises(ProtectedError) as exc:  # after deleting its memberships (CASCADE)
        journal.delete_cascading(School, district.pk, "id = %s", [school.pk])
    assert exc.value.protected_objects, "the error names the rows that point to the school"
    assert all(o.school_id == school.pk for o in exc.value.protected_objects)
    assert everything() == before


def test_every_key_to_a_row_undo_deletes_has_an_on_delete_it_knows():
    """A new model pointing to a roster row with RESTRICT or SET(...), or a key cascading to
    its own table, must teach undo first."""
    known = {CASCADE, SET_NULL, PROTECT, DO_NOTHING}

    def walk(model, seen=()):
        for rel in get_candidate_relations_to_delete(model._meta):
            assert rel.on_delete in known, (
                f"{rel.related_model.__name__}.{rel.field.name} -> {model.__name__}: "
                f"on_delete {rel.on_delete.__name__} is not handled by journal.delete_cascading"
            )
            if rel.on_delete is CASCADE:
                assert rel.related_model is not model, f"{model.__name__} cascades to itself"
            if rel.on_delete is CASCADE and rel.related_model not in seen:
                walk(rel.related_model, (*seen, model))

    for model in journal.DELETE_ORDER:
        walk(model)


def test_undo_reads_the_tables_of_everything_that_goes_with_the_created_rows():
    tables = journal.tables_undo_reads()
    for model in (*journal.DELETE_ORDER, StudentActivity, MembershipSchool, SeatCount):
        assert model._meta.db_table in tables
    assert Seat._meta.db_table not in tables  # DO_NOTHING: the ledger follows by sync


@pytest.mark.django_db(transaction=True)
def test_statistics_are_refreshed_for_tables_a_big_write_left_stale():
    """Undo's deletes plan on real row counts (PostgreSQL): a table with most of its rows
    written since its last ANALYZE is analyzed first, and only such a table."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL plans on statistics; SQLite has none to refresh")
    d = generate_district("stats", students=600, seed=5, schools=2)  # analyzed after its COPY
    students = list(Student.objects.filter(district=d))
    at = timezone.now()
    StudentActivity.objects.bulk_create(
        StudentActivity(district=d, student=s, kind="work", at=at)
        for _ in range(5)
        for s in students
    )
    with connection.cursor() as cur:
        cur.execute("SELECT pg_stat_force_next_flush()")
    with connection.cursor() as cur:  # the counters are flushed when that transaction ends
        cur.execute("SELECT 1")

    def last_analyze() -> dict[str, object]:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT relname, last_analyze FROM pg_stat_user_tables WHERE relname = ANY (%s)",
                [["roster_student", "roster_studentactivity"]],
            )
            return dict(cur.fetchall())

    before = last_analyze()
    done = journal.refresh_statistics(journal.tables_undo_reads())
    assert "roster_studentactivity" in done  # 3,000 rows written since its last ANALYZE
    assert "roster_student" not in done  # none since
    after = last_analyze()
    assert after["roster_studentactivity"] != before["roster_studentactivity"]
    assert after["roster_student"] == before["roster_student"]
    assert journal.refresh_statistics(journal.tables_undo_reads()) == []
