"""One import of a district at a time (issue 19 item 3), and files the database cannot store
refused cleanly, with file and line (item 4): never a traceback, never a 500 on the run page."""

from __future__ import annotations

import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from seatkeeper.roster.models import ImportRun, Student
from seatkeeper.seats.selectors import usage_for_district
from tests.factories import make_world, sys_scope
from tests.jobs.server import SEATKEEPER, env_for
from tests.jobs.test_fault_injection import big_set, recount
from tests.roster.oneroster.helpers import FILES, write_set, zip_folder

BUSY = "an import of this district is running"


def test_a_second_import_while_one_runs_is_refused_and_writes_nothing(world_a, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import threading

    from django.db import connection

    from seatkeeper.roster.oneroster.lock import district_import_lock

    folder = write_set(tmp_path / "set")
    held, done = threading.Event(), threading.Event()

    def other_import() -> None:  # another connection holds the lock, as another process would
        try:
            with district_import_lock("a"):
                held.set()
                done.wait(60)
        finally:
            connection.close()

    holder = threading.Thread(target=other_import)
    holder.start()
    assert held.wait(30)
    try:
        with pytest.raises(CommandError) as exc:
            call_command("import", "oneroster", str(folder), "--district", "a", stdout=StringIO())
    finally:
        done.set()
        holder.join(30)
    assert BUSY in str(exc.value).lower()
    assert not Student.objects.filter(sourced_id="u3").exists()
    # once the first is over, the same import goes through
    call_command("import", "oneroster", str(folder), "--district", "a", stdout=StringIO())
    assert Student.objects.filter(sourced_id="u3").exists()


def test_two_imports_of_one_district_at_once_as_real_processes(transactional_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    world = make_world("a")
    z = big_set(tmp_path / "race", 3000)
    env = env_for(tmp_path / "var")
    cmd = [*SEATKEEPER, "import", "oneroster", str(z), "--district", "a"]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    codes = sorted(p.returncode for p in procs)
    for _, err in outs:
        assert "Traceback" not in err, err[-2000:]
        assert "IntegrityError" not in err
    # one applied; the other was refused with the message (or, had it started after the first
    # ended, found nothing left to change)
    assert codes[0] == 0
    if codes[1] != 0:
        assert any(BUSY in err.lower() for _, err in outs)
    assert Student.objects.filter(sourced_id__startswith="big-u").count() == 3000
    usage = usage_for_district(
        scope=sys_scope(world.district), district=world.district, product=world.product
    )
    assert {s.id: s.used for s in usage.schools if s.used} == recount(
        world.district.pk, world.product.pk
    )


def _nul_set(tmp_path: Path) -> Path:
    users = FILES["users.csv"].replace("Ana,Diaz", "An\x00a,Diaz")
    return write_set(tmp_path / "nul", **{"users.csv": users})


def _wide_set(tmp_path: Path) -> Path:
    lines = FILES["users.csv"].splitlines()
    header = lines[0] + "," + ",".join(f"x{i}" for i in range(1700))
    rows = [r + "," * 1700 for r in lines[1:]]
    return write_set(tmp_path / "wide", **{"users.csv": "\n".join([header, *rows]) + "\n"})


@pytest.mark.parametrize(
    ("make", "where", "message"),
    [
        (_nul_set, "users.csv:4", "a NUL byte (0x00) is not allowed"),
        (_wide_set, "users.csv:1", "the header has 1,718 columns; at most 1,000 are read"),
    ],
)
def test_nul_bytes_and_too_many_columns_are_located_refusals(
    db, tmp_path, make, where, message
) -> None:  # type: ignore[no-untyped-def]
    folder = make(tmp_path)
    with pytest.raises(CommandError) as exc:
        call_command("import", "oneroster", str(folder), "--district", "lake", stdout=StringIO())
    assert "Import refused, nothing was written" in str(exc.value)
    assert where in str(exc.value)
    assert message in str(exc.value)


def test_the_run_page_of_such_a_refusal_answers_200(world_a, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    c = Client()
    c.force_login(world_a.users["district_admin"])
    for make in (_nul_set, _wide_set):
        z = zip_folder(make(tmp_path), tmp_path / f"{make.__name__}.zip")
        with z.open("rb") as fh:
            r = c.post("/district/imports/", {"kind": "oneroster", "file": fh})
        run = ImportRun.objects.order_by("-id").first()
        assert run is not None
        assert run.status == "failed"
        page = c.get(r["Location"])
        assert page.status_code == 200
        assert "Refused: nothing was written." in page.content.decode()
    # a problem without a field or line (a stopped worker's) renders too
    ImportRun.objects.filter(pk=run.pk).update(errors=[{"message": "The worker stopped"}])
    assert c.get(f"/district/imports/{run.pk}/").status_code == 200
