"""issue 17.14: search ignores accents and case ("Nunez" finds "Núñez") in the UI and the API,
for students and teachers, on both backends; and the seat-ledger triggers are all still there."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from seatkeeper.roster import services as roster
from seatkeeper.roster.models import Student, Teacher
from seatkeeper.roster.search import fold, folded_contains
from tests.factories import sys_scope
from tests.web.conftest import client_for


def test_issue_17_14_fold_reads_accented_letters_as_their_base() -> None:
    assert fold("Núñez") == fold("NUNEZ") == "nunez"
    assert fold("Ørsted Straße Æsir Łódź") == "orsted strasse aesir lodz"


@pytest.mark.django_db
def test_issue_17_14_database_fold_matches_python_fold(world_a) -> None:  # type: ignore[no-untyped-def]
    s = roster.student_create(
        scope=sys_scope(world_a.district),
        district=world_a.district,
        school=world_a.schools[0],
        first_name="Zoë",
        last_name="Núñez-Ørsted Straße",
    )
    for term in ("nunez", "NUNEZ", "Núñez", "orsted", "strasse", "zoe", "ZOË"):
        found = Student.objects.filter(folded_contains(("first_name", "last_name"), term))
        assert list(found) == [s], term
    assert not Student.objects.filter(folded_contains(("last_name",), "%")).exists()


@pytest.fixture
def nunez(world_a):  # type: ignore[no-untyped-def]
    scope = sys_scope(world_a.district)
    student = roster.student_create(
        scope=scope,
        district=world_a.district,
        classroom=world_a.classrooms[0],
        first_name="José",
        last_name="Núñez",
    )
    teacher = roster.teacher_create(
        scope=scope,
        district=world_a.district,
        school=world_a.schools[0],
        first_name="Renée",
        last_name="Muñoz",
    )
    return student, teacher


@pytest.mark.django_db
def test_issue_17_14_ui_student_search_ignores_accents(world_a, nunez) -> None:  # type: ignore[no-untyped-def]
    school = world_a.schools[0]
    sa = client_for(world_a.users["school_admin"])
    html = sa.get(f"/schools/{school.pk}/students/", {"q": "nunez"}).content.decode()
    assert "Núñez" in html
    html = sa.get(f"/schools/{school.pk}/students/", {"q": "jose NUNEZ"}).content.decode()
    assert "Núñez" in html


@pytest.mark.django_db
def test_issue_17_14_api_student_and_teacher_search_ignores_accents(world_a, nunez) -> None:  # type: ignore[no-untyped-def]
    from tests.api.conftest import api_as

    student, teacher = nunez
    api = api_as(world_a.users["district_admin"])
    body = api.get("/districts/a/students", q="Nunez").json()
    items = body["items"] if isinstance(body, dict) else body
    assert [i["id"] for i in items] == [student.pk]
    body = api.get("/districts/a/teachers", q="munoz").json()
    items = body["items"] if isinstance(body, dict) else body
    assert [i["id"] for i in items] == [teacher.pk]


@pytest.mark.django_db
def test_issue_17_14_every_seat_ledger_trigger_still_exists_after_migrating() -> None:
    m = importlib.import_module("seatkeeper.seats.migrations.0004_journal_triggers_and_first_build")
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            expected = {s.split()[-1].rstrip(";") for s in m.SQLITE_DROP}
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            present = {r[0] for r in cur.fetchall()}
            assert expected <= present, expected - present
        else:
            cur.execute(
                "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal OR t.tgname LIKE 'seats_%%'"
            )
            tables = {r[0] for r in cur.fetchall()}
            assert set(m.KEY_CHANGES) <= tables, set(m.KEY_CHANGES) - tables
    assert Teacher._meta.db_table in m.KEY_CHANGES
    assert Student._meta.db_table in m.KEY_CHANGES
