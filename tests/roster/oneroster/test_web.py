"""The Import page: upload, dry-run summary with seat effect, Apply, background runs, history."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from seatkeeper.roster.models import ImportRun, Student
from tests.factories import PASSWORD
from tests.roster.oneroster.helpers import FILES, write_set, zip_folder


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return settings


def client_for(user) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def upload_zip(c: Client, tmp_path, **changes):
    z = zip_folder(write_set(tmp_path / "set", **changes), tmp_path / "roster.zip")
    with z.open("rb") as fh:
        return c.post(reverse("web:imports"), {"kind": "oneroster", "file": fh})


def test_upload_preview_then_apply(world_a, media, tmp_path):
    c = client_for(world_a.users["district_admin"])
    assert c.get(reverse("web:imports")).status_code == 200
    response = upload_zip(c, tmp_path)
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert (run.status, run.dry_run) == ("previewed", True)
    page = c.get(response["Location"]).content.decode()
    assert "Dry run: nothing has changed yet." in page
    assert "Lakeside High" in page  # seat effect per school
    assert not Student.objects.filter(sourced_id="u3").exists()
    applied = c.post(reverse("web:import_apply", args=[run.pk]))
    assert applied.status_code == 302
    done = ImportRun.objects.exclude(pk=run.pk).get()
    assert done.status == "applied"
    assert Student.objects.get(sourced_id="u3").district == world_a.district
    listing = c.get(reverse("web:imports")).content.decode()
    assert "Applied" in listing
    assert "roster.zip" in listing


def test_refused_upload_lists_errors_and_cannot_be_applied(world_a, media, tmp_path):
    c = client_for(world_a.users["district_admin"])
    users = FILES["users.csv"] + "u3,active,,true,s1,student,x,,D,L,,,,,,,09,\n"
    response = upload_zip(c, tmp_path, **{"users.csv": users})
    run = ImportRun.objects.get()
    assert run.status == "failed"
    assert run.errors[0]["line"] == 8
    page = c.get(response["Location"]).content.decode()
    assert "Refused: nothing was written." in page
    assert "duplicate sourcedId" in page
    c.post(reverse("web:import_apply", args=[run.pk]))
    assert ImportRun.objects.count() == 1


def test_every_upload_runs_as_a_background_task(world_a, media, tmp_path):
    c = client_for(world_a.users["district_admin"])
    upload_zip(c, tmp_path)  # a tiny file: it too goes to the worker (issue 19 item 6)
    run = ImportRun.objects.get()
    assert run.task_id
    assert run.status == "previewed"  # the immediate backend ran the task
    progress = c.get(
        reverse("web:import_run", args=[run.pk]) + "?part=progress", HTTP_HX_REQUEST="true"
    )
    assert progress["HX-Refresh"] == "true"


def test_the_run_page_shows_progress_at_once_while_the_worker_has_it(world_a, settings, tmp_path):
    """Issue 18 item 2: the request only stores the file and queues the run; unpacking and the
    dry run happen in the worker (here none runs: the database backend just queues)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    c = client_for(world_a.users["district_admin"])
    response = upload_zip(c, tmp_path)
    run = ImportRun.objects.get()
    assert (run.status, run.stage, run.summary) == ("queued", "", {})  # nothing read yet
    page = c.get(response["Location"]).content.decode()
    assert 'aria-label="Import progress"' in page
    assert "Queued" in page
    assert "No background worker is running" in page


def test_uploads_are_deleted_after_the_retention_period(world_a, media, tmp_path):
    import datetime as dt
    from pathlib import Path

    from django.utils import timezone

    from seatkeeper.roster.oneroster.runs import import_files_prune

    c = client_for(world_a.users["district_admin"])
    upload_zip(c, tmp_path)
    preview = ImportRun.objects.get()
    path = Path(preview.file_path)
    assert path.is_file()
    assert import_files_prune() == 0  # within the retention period: kept for its Apply
    c.post(reverse("web:import_apply", args=[preview.pk]))
    applied = ImportRun.objects.exclude(pk=preview.pk).get()
    assert applied.status == "applied"
    later = timezone.now() + dt.timedelta(days=media.SEATKEEPER_UPLOAD_RETENTION_DAYS, hours=1)
    assert import_files_prune(later) == 1
    assert not path.exists()
    assert not path.parent.exists()
    assert set(ImportRun.objects.values_list("file_path", flat=True)) == {""}
    # retention 0: a refused upload's file goes as soon as its run ends
    media.SEATKEEPER_UPLOAD_RETENTION_DAYS = 0
    users = FILES["users.csv"] + "u3,active,,true,s1,student,x,,D,L,,,,,,,09,\n"
    upload_zip(c, tmp_path, **{"users.csv": users})
    refused = ImportRun.objects.order_by("-id").first()
    assert refused.status == "failed"
    assert refused.file_path == ""
    # a dry run whose file is gone cannot be applied, and says why
    preview.status = "previewed"
    preview.save()
    r = c.post(reverse("web:import_apply", args=[preview.pk]), follow=True)
    assert "is no longer kept" in r.content.decode()


def test_school_admin_uploads_csv_for_own_school_only(world_a, media, tmp_path):
    c = client_for(world_a.users["school_admin"])
    own, other = world_a.schools
    header = "student_id,first_name,last_name,school\n"
    path = tmp_path / "s.csv"
    path.write_text(header + f"X1,Ana,Diaz,{own.name}\nX2,Bo,Chen,{other.name}\n")
    with path.open("rb") as fh:
        c.post(reverse("web:school_import", args=[own.pk]), {"file": fh})
    run = ImportRun.objects.get()
    assert run.status == "failed"
    assert [e["line"] for e in run.errors] == [3]
    assert c.get(reverse("web:imports")).status_code == 403  # OneRoster is for district admins
    assert c.get(reverse("web:import_template"))["Content-Type"].startswith("text/csv")


def test_other_districts_runs_are_not_found(world_a, world_b, media, tmp_path):
    upload_zip(client_for(world_a.users["district_admin"]), tmp_path)
    run = ImportRun.objects.get()
    c = client_for(world_b.users["district_admin"])
    assert c.get(reverse("web:import_run", args=[run.pk])).status_code == 404
    assert c.post(reverse("web:import_apply", args=[run.pk])).status_code == 404
