"""issue 17.10: applying an import goes through a confirmation page that says what applying
will do (rows created/updated/removed and the seats per school, from the dry run), then
POST/redirect/GET."""

from __future__ import annotations

import pytest
from django.urls import reverse

from seatkeeper.roster.models import ImportRun, Student
from tests.roster.oneroster.test_web import client_for, upload_zip


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return settings


def test_issue_17_10_import_apply_confirmation_says_what_it_will_do(
    world_a, media, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world_a.users["district_admin"])
    upload_zip(c, tmp_path)
    run = ImportRun.objects.get()
    run_page = c.get(reverse("web:import_run", args=[run.pk])).content.decode()
    assert reverse("web:import_apply", args=[run.pk]) in run_page
    page = c.get(reverse("web:import_apply", args=[run.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    created = sum(e["created"] for e in run.summary["entities"].values())
    assert f'data-figure="created">{created}<' in body
    assert "Lakeside High" in body  # the seats a school will use
    assert "will be over capacity after this import: Lakeside High (core)" in body  # R7: 0 bought
    assert not Student.objects.filter(sourced_id="u3").exists()  # GET changed nothing
    r = c.post(reverse("web:import_apply", args=[run.pk]))
    assert r.status_code == 302
    assert Student.objects.filter(sourced_id="u3").exists()
    # The confirm page of an applied run just leads back to the run.
    done = ImportRun.objects.exclude(pk=run.pk).get()
    assert c.get(reverse("web:import_apply", args=[done.pk])).status_code == 302


def _applied(c, tmp_path, **changes) -> ImportRun:  # type: ignore[no-untyped-def]
    upload_zip(c, tmp_path, **changes)
    preview = ImportRun.objects.filter(status="previewed").latest("pk")
    c.post(reverse("web:import_apply", args=[preview.pk]))
    return ImportRun.objects.filter(status="applied").latest("pk")


def test_issue_17_10_undo_of_a_whole_import_confirms_then_puts_everything_back(
    world_a, media, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world_a.users["district_admin"])
    before = Student.objects.filter(district=world_a.district).count()
    run = _applied(c, tmp_path)
    assert Student.objects.filter(district=world_a.district).count() == before + 3
    page = c.get(reverse("web:import_run", args=[run.pk])).content.decode()
    assert reverse("web:import_undo", args=[run.pk]) in page
    audit = c.get(reverse("web:audit")).content.decode()
    assert reverse("web:import_undo", args=[run.pk]) in audit  # undo offered from the log too
    confirm = c.get(reverse("web:import_undo", args=[run.pk])).content.decode()
    assert "Undo the import of roster.zip?" in confirm
    assert "Students: 3 created by the import, removed" in confirm
    assert "Lakeside High" in confirm  # the seats a school gives back
    assert Student.objects.filter(district=world_a.district).count() == before + 3
    r = c.post(reverse("web:import_undo", args=[run.pk]))
    assert r.status_code == 302
    assert r["Location"] == reverse("web:import_run", args=[run.pk])
    assert Student.objects.filter(district=world_a.district).count() == before
    run.refresh_from_db()
    assert run.status == "undone"
    page = c.get(r["Location"]).content.decode()
    assert "Import undone" in page
    assert 'id="run-undone"' in page
    assert reverse("web:import_undo", args=[run.pk]) not in page
    again = c.post(reverse("web:import_undo", args=[run.pk]), follow=True)  # PRG: the error shown
    assert "already undone" in again.content.decode()


def test_issue_17_10_undo_page_says_why_when_the_district_changed_since(
    world_a, media, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.orgs.scoping import district_for
    from seatkeeper.roster.services import student_update
    from tests.roster.oneroster.helpers import op

    c = client_for(world_a.users["district_admin"])
    run = _applied(c, tmp_path)
    scope, _ = district_for(op(), world_a.district.slug)
    student_update(scope=scope, student=Student.objects.get(sourced_id="u3"), first_name="Anna")
    page = c.get(reverse("web:import_undo", args=[run.pk])).content.decode()
    assert "This import cannot be undone now" in page
    assert "Student changed" in page
    assert "Undo the import</button>" not in page
    r = c.post(reverse("web:import_undo", args=[run.pk]), follow=True)
    assert "Student changed" in r.content.decode()
    assert Student.objects.get(sourced_id="u3").first_name == "Anna"
    assert ImportRun.objects.get(pk=run.pk).status == "applied"


def test_issue_17_10_only_district_admins_undo_imports(world_a, media, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run = _applied(client_for(world_a.users["district_admin"]), tmp_path)
    sa = client_for(world_a.users["school_admin"])
    assert sa.get(reverse("web:import_undo", args=[run.pk])).status_code in (403, 404)
    assert sa.post(reverse("web:import_undo", args=[run.pk])).status_code in (403, 404)
    assert ImportRun.objects.get(pk=run.pk).status == "applied"


def test_issue_17_10_a_school_over_before_and_after_is_not_warned_as_put_over() -> None:
    from seatkeeper.roster.oneroster.summary import seat_outlook

    row = {"school": "A", "product": "core", "used_before": 5, "used_after": 5, "capacity_after": 3}
    seats = [
        {**row, "overallocated_before": True, "overallocated_after": True},
        {
            **row,
            "school": "B",
            "used_before": 2,
            "overallocated_before": False,
            "overallocated_after": True,
        },
        {
            **row,
            "school": "C",
            "used_after": 1,
            "overallocated_before": True,
            "overallocated_after": False,
        },
    ]
    out = seat_outlook(seats)
    assert [s["school"] for s in out["newly_over"]] == ["B"]
    assert [s["school"] for s in out["still_over"]] == ["A"]
    assert [s["school"] for s in out["seat_changes"]] == ["B", "C"]
