"""Fault injection against `seatkeeper serve` as real processes (issue 19 items 1, 2, 4, 6).

The task worker is SIGKILLed in the middle of an import's apply: the supervisor brings it back,
the run is failed with a message saying so, nothing of it was written, the next import runs,
and seat usage equals a plain recount. Web workers killed, or a client hanging up, around an
upload never leave a run "running": the web request only queues it.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import time
from collections import defaultdict
from pathlib import Path

import pytest
import requests
from django.db import connection

from seatkeeper.orgs.scoping import system_scope
from seatkeeper.roster.models import Enrollment, ImportRun, Student
from seatkeeper.roster.oneroster.runs import import_run_apply, import_run_create
from seatkeeper.seats.models import TeacherAccess
from seatkeeper.seats.selectors import usage_for_district
from tests.factories import PASSWORD, make_world
from tests.jobs.server import Server, wait_for
from tests.roster.oneroster.helpers import FILES, write_set, zip_folder

ACTIVE = ("queued", "running")


def big_set(folder: Path, students: int, prefix: str = "big") -> Path:
    """A OneRoster set of `students` students in classes of 30 at two schools, two classes
    each (slow enough to kill its apply half-way)."""
    header = FILES["users.csv"].splitlines()[0]
    users = [header]
    enrollments = [FILES["enrollments.csv"].splitlines()[0]]
    classes = [FILES["classes.csv"].splitlines()[0]]
    n_classes = max(1, students // 30)
    for c in range(n_classes):
        school = "s1" if c % 2 == 0 else "s2"
        users.append(f"{prefix}-t{c},active,,true,{school},teacher,{prefix}t{c},,T{c},Kim,,,,,,,,")
        classes.append(f"{prefix}-c{c},active,,Class {c},09,co{c},C{c},scheduled,,{school},t1,,,")
        enrollments.append(
            f"{prefix}-et{c},active,,{prefix}-c{c},{school},{prefix}-t{c},teacher,true,,"
        )
    for i in range(students):
        c = i % n_classes
        c2 = (c + 2) % n_classes
        school = "s1" if c % 2 == 0 else "s2"
        users.append(
            f"{prefix}-u{i},active,,true,{school},student,{prefix}{i},,Kid{i},Doe,,{i},,,,,09,"
        )
        enrollments.append(
            f"{prefix}-e{i},active,,{prefix}-c{c},{school},{prefix}-u{i},student,false,,"
        )
        enrollments.append(
            f"{prefix}-f{i},active,,{prefix}-c{c2},{school},{prefix}-u{i},student,false,,"
        )
    write_set(
        folder,
        **{
            "users.csv": "\n".join(users) + "\n",
            "classes.csv": "\n".join(classes) + "\n",
            "enrollments.csv": "\n".join(enrollments) + "\n",
        },
    )
    return zip_folder(folder, folder.with_suffix(".zip"))


def queue_import(world, path: Path) -> ImportRun:  # type: ignore[no-untyped-def]
    """What the Import page does: keep the upload, queue its dry run (the worker runs it)."""
    with path.open("rb") as fh:
        return import_run_create(
            scope=world.scope("district_admin"),
            district_slug=world.district.slug,
            kind="oneroster",
            name=path.name,
            data=fh,
            size=path.stat().st_size,
        )


def run_state(run: ImportRun) -> ImportRun:
    run.refresh_from_db()
    return run


def ended(run: ImportRun, timeout: float = 120) -> ImportRun:
    wait_for(f"run {run.pk} to end", lambda: run_state(run).status not in ACTIVE, timeout)
    return run


def recount(district_id: int, product_id: int) -> dict[int, int]:
    """Seats per school counted plainly (R1, R4, R5): a student holds one seat at a school when
    enrolled in at least one active classroom there whose primary teacher has access ON."""
    access_on = set(
        TeacherAccess.objects.filter(product_id=product_id, on=True).values_list(
            "teacher_id", flat=True
        )
    )
    seats: dict[int, set[int]] = defaultdict(set)
    for e in Enrollment.objects.filter(district_id=district_id).select_related(
        "classroom", "classroom__primary_teacher", "student"
    ):
        c = e.classroom
        teacher = c.primary_teacher
        if (
            c.status == "active"
            and c.deleted_at is None
            and e.student.deleted_at is None
            and teacher is not None
            and teacher.deleted_at is None
            and teacher.pk in access_on
        ):
            seats[c.school_id].add(e.student_id)
    return {school: len(students) for school, students in seats.items()}


def _sqlite_write_locked(path: str) -> bool:
    probe = sqlite3.connect(path, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def in_the_write(run: ImportRun) -> bool:
    """The apply is inside its write transaction (PostgreSQL: its progress says so; SQLite:
    the worker holds the database's write lock)."""
    if run_state(run).status != "running":
        return False
    if connection.vendor == "postgresql":
        return run.stage == "writing rows"
    name = connection.settings_dict["NAME"]
    return _sqlite_write_locked(name) and (time.sleep(0.05) or _sqlite_write_locked(name))


@pytest.fixture
def world(transactional_db):  # type: ignore[no-untyped-def]
    return make_world("a")


@pytest.fixture
def server(tmp_path, settings):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"  # uploads the test queues; the server reads them
    srv = Server(tmp_path / "var")
    yield srv
    srv.stop()


def test_worker_killed_mid_import_comes_back_fails_the_run_and_the_next_import_runs(
    world, server, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    status = wait_for(
        "a live worker", lambda: (s := server.status()) and s["worker"]["workers"] and s
    )
    first_pid = status["worker"]["supervisor"]["worker_pid"]
    students = 4000 if connection.vendor == "sqlite" else 6000
    preview = ended(queue_import(world, big_set(tmp_path / "big", students)))
    assert preview.status == "previewed", preview.summary
    apply = import_run_apply(scope=world.scope("district_admin"), run=preview)
    wait_for("the apply to be writing", lambda: in_the_write(apply), 120, every=0.05)

    os.kill(first_pid, signal.SIGKILL)

    # the worker comes back (a new process), and /status says what happened
    back = wait_for(
        "the worker to come back",
        lambda: (
            (s := server.status())
            and s["worker"]["workers"]
            and s["worker"]["supervisor"]["worker_pid"] != first_pid
            and s
        ),
    )
    sup = back["worker"]["supervisor"]
    assert sup["restarts"] == 1
    assert sup["last_exit"] == "killed by SIGKILL"
    # the run is failed, saying why; nothing of it was written
    ended(apply, 60)
    assert apply.status == "failed"
    assert "killed by SIGKILL" in apply.errors[0]["message"]
    assert "nothing was written" in apply.errors[0]["message"]
    assert not Student.objects.filter(sourced_id__startswith="big-").exists()
    from seatkeeper.jobs.models import WorkerProcess

    assert WorkerProcess.objects.get(pk=f"worker:{apply_worker(apply)}").state == "dead"
    # the next import runs (dry run, then apply)
    small = ended(queue_import(world, big_set(tmp_path / "small", 60, prefix="sm")), 60)
    assert small.status == "previewed"
    done = ended(import_run_apply(scope=world.scope("district_admin"), run=small), 60)
    assert done.status == "applied", done.errors
    assert Student.objects.filter(sourced_id__startswith="sm-").count() == 60
    # usage equals a recount
    usage = usage_for_district(
        scope=system_scope(world.district), district=world.district, product=world.product
    )
    counted = recount(world.district.pk, world.product.pk)
    assert {s.id: s.used for s in usage.schools if s.used} == counted
    assert usage.used == sum(counted.values())
    run_page = server_page_for(server, world, apply.pk)
    assert "killed by SIGKILL" in run_page


def apply_worker(run: ImportRun) -> str:
    from django_tasks_db.models import DBTaskResult

    task = DBTaskResult.objects.get(pk=run.task_id)
    assert task.status == "FAILED"
    return task.worker_ids[-1]


def signed_in(server: Server, username: str) -> requests.Session:
    """A browser session signed in to the server (whose hashers are the production ones)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hashed = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt(), 1000)
    get_user_model().objects.filter(username=username).update(password=hashed)
    s = requests.Session()
    s.get(f"{server.url}/signin/", timeout=10)
    r = s.post(
        f"{server.url}/signin/",
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": s.cookies["csrftoken"],
        },
        headers={"Referer": f"{server.url}/signin/"},
        timeout=10,
        allow_redirects=False,
    )
    assert r.status_code == 302, r.text[:500]
    return s


def server_page_for(server: Server, world, run_id: int) -> str:  # type: ignore[no-untyped-def]
    s = signed_in(server, world.users["district_admin"].username)
    r = s.get(f"{server.url}/district/imports/{run_id}/", timeout=10)
    assert r.status_code == 200
    return r.text


def gunicorn_workers(server: Server) -> list[int]:
    """The pids of the web worker processes (children of gunicorn's master)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if (
            "--no-worker" in cmd
            and ppid != server.proc.pid
            and os.getpgid(int(entry.name)) == server.proc.pid
        ):
            pids.append(int(entry.name))
    return pids


def test_a_web_worker_killed_or_a_client_gone_after_an_upload_never_leaves_a_run_running(
    world, server, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    wait_for("a live worker", lambda: (s := server.status()) and s["worker"]["workers"])
    session = signed_in(server, world.users["district_admin"].username)
    page = session.get(f"{server.url}/district/imports/", timeout=10).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    # a file under 512 KB: the size the web request used to import itself
    z = big_set(tmp_path / "mid", 2500)
    assert z.stat().st_size < 512 * 1024

    def upload() -> requests.Response:
        with z.open("rb") as fh:
            return session.post(
                f"{server.url}/district/imports/",
                data={"kind": "oneroster", "csrfmiddlewaretoken": token},
                files={"file": (z.name, fh, "application/zip")},
                headers={"Referer": f"{server.url}/district/imports/"},
                timeout=30,
                allow_redirects=False,
            )

    # 1. the web workers are SIGKILLed as soon as the run exists
    import threading

    answers: list[object] = []
    thread = threading.Thread(target=lambda: answers.append(_call(upload)))
    thread.start()
    run = wait_for(
        "the run to be created", lambda: ImportRun.objects.order_by("-id").first(), 30, 0.02
    )
    for pid in gunicorn_workers(server):
        os.kill(pid, signal.SIGKILL)
    thread.join(30)
    ended(run, 120)
    assert run.status == "previewed", run.errors  # the worker ran it, not the killed request
    assert run.task_id
    # 2. the client hangs up right after sending: the run it started still ends
    before = ImportRun.objects.count()
    try:
        with z.open("rb") as fh:
            session.post(
                f"{server.url}/district/imports/",
                data={"kind": "oneroster", "csrfmiddlewaretoken": token},
                files={"file": (z.name, fh, "application/zip")},
                headers={"Referer": f"{server.url}/district/imports/"},
                timeout=0.05,
            )
    except requests.RequestException:
        pass
    second = wait_for(
        "the second run",
        lambda: ImportRun.objects.count() > before and ImportRun.objects.order_by("-id").first(),
        30,
    )
    ended(second, 120)
    assert second.status == "previewed"


def _call(fn):  # type: ignore[no-untyped-def]
    try:
        return fn()
    except requests.RequestException as exc:
        return exc
