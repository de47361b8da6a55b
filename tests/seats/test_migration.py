"""The move of `licensing` into `seats` keeps the data (issue 13), and the ledger's first build
counts what was there: a database made before the move migrates forward with its rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("licensing", "0001_purchases_allocations_access_enforcement"), ("seats", None)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.ledger_unchecked  # rows are written with historical models, below the ledger
def test_licensing_rows_survive_the_move_and_the_ledger_counts_them() -> None:
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old = executor.loader.project_state([BEFORE[0]]).apps
    District = old.get_model("orgs", "District")
    School = old.get_model("orgs", "School")
    Product = old.get_model("orgs", "Product")
    Teacher = old.get_model("roster", "Teacher")
    Classroom = old.get_model("roster", "Classroom")
    Student = old.get_model("roster", "Student")
    Enrollment = old.get_model("roster", "Enrollment")
    d = District.objects.create(slug="old", name="Old")
    school = School.objects.create(district=d, name="Old School")
    core = Product.objects.create(district=d, code="core", name="Core")
    t = Teacher.objects.create(district=d, first_name="T", last_name="One")
    room = Classroom.objects.create(district=d, school=school, name="Room", primary_teacher=t)
    students = [
        Student.objects.create(district=d, first_name="S", last_name=str(i)) for i in range(3)
    ]
    for s in students:
        Enrollment.objects.create(district=d, student=s, classroom=room)
    old.get_model("licensing", "TeacherAccess").objects.create(
        district=d, teacher=t, product=core, on=True
    )
    old.get_model("licensing", "Allocation").objects.create(
        district=d, school=school, product=core, seats=2
    )
    old.get_model("licensing", "Purchase").objects.create(
        district=d,
        product=core,
        seats=5,
        starts_on=dt.date(2020, 1, 1),
        ends_on=dt.date(2099, 1, 1),
    )

    executor = MigrationExecutor(connection)
    executor.migrate(leaves)

    from seatkeeper.orgs.models import District as D
    from seatkeeper.seats.models import Allocation, Purchase, Seat, SeatCount, TeacherAccess
    from seatkeeper.seats.verify import verify

    district = D.objects.get(slug="old")
    assert Allocation.objects.get(district=district).seats == 2
    assert Purchase.objects.get(district=district).seats == 5
    assert TeacherAccess.objects.get(district=district).on is True
    assert Seat.objects.filter(district=district).count() == 3  # R1: the first build counted them
    assert SeatCount.objects.get(district=district).used == 3
    assert verify(district).ok
    with connection.cursor() as cur:
        tables = set(connection.introspection.table_names(cur))
    assert {"seats_purchase", "seats_allocation", "seats_teacheraccess"} <= tables
    assert not {t for t in tables if t.startswith("licensing_")}
