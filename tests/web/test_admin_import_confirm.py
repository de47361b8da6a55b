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
    assert not Student.objects.filter(sourced_id="u3").exists()  # GET changed nothing
    r = c.post(reverse("web:import_apply", args=[run.pk]))
    assert r.status_code == 302
    assert Student.objects.filter(sourced_id="u3").exists()
    # The confirm page of an applied run just leads back to the run.
    done = ImportRun.objects.exclude(pk=run.pk).get()
    assert c.get(reverse("web:import_apply", args=[done.pk])).status_code == 302
