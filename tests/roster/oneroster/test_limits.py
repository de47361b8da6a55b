"""Issue 18.1: upload and archive limits, one reader for the web page, the CLI and the task.

The bombs are built here, small (a member of zeros); what must hold: each is refused with an
error naming the limit and the file, before anything is staged or written, reading counted
bytes and never the sizes the zip header declares.
"""

from __future__ import annotations

import io
import resource
import struct
import time
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from seatkeeper.errors import InvalidInput
from seatkeeper.orgs.models import District
from seatkeeper.roster.models import ImportRun, Student
from seatkeeper.roster.oneroster.archive import LimitExceeded
from seatkeeper.roster.oneroster.importer import oneroster_import
from seatkeeper.roster.oneroster.reader import open_source
from tests.factories import PASSWORD
from tests.roster.oneroster.bombs import bomb
from tests.roster.oneroster.helpers import FILES, MANIFEST, op, write_set, zip_folder

MB = 1024 * 1024


def refused(path: Path, **kwargs) -> LimitExceeded:
    with pytest.raises(LimitExceeded) as info:
        oneroster_import(scope=op(), path=path, district_slug="lake", dry_run=False, **kwargs)
    assert not District.objects.filter(slug="lake").exists()  # nothing written
    return info.value


def staged_tables() -> list[str]:
    names = connection.introspection.table_names(include_views=False)
    return [n for n in names if n.startswith("sk_")]


@pytest.mark.parametrize(
    "method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2], ids=["deflate", "bzip2"]
)
def test_issue_18_1_bomb_refused_by_ratio_naming_limit_and_file(db, tmp_path, method):
    z = bomb(tmp_path / "bomb.zip", 64 * MB, method=method)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.monotonic()
    exc = refused(z)
    elapsed = time.monotonic() - t0
    assert "users.csv" in exc.message
    assert "SEATKEEPER_IMPORT_MAX_RATIO" in exc.message
    assert "100:1" in exc.message
    assert exc.problems[0].file == "users.csv"
    assert exc.extra["limit"] == "SEATKEEPER_IMPORT_MAX_RATIO"
    assert staged_tables() == []  # refused before anything was staged
    assert elapsed < 2
    # Refusing read bounded chunks: the peak memory grew by far less than the member's size.
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert grown_kb < 32 * 1024


def test_issue_18_1_expanded_size_counts_real_bytes_not_header_sizes(db, tmp_path, settings):
    settings.SEATKEEPER_IMPORT_MAX_RATIO = 1_000_000
    settings.SEATKEEPER_IMPORT_MAX_EXPANDED_BYTES = 2 * MB
    z = bomb(tmp_path / "liar.zip", 5 * MB, zip64=False)
    # The zip declares the member 100 bytes long, in its local and central headers alike.
    data = bytearray(z.read_bytes())
    for sig, size_at, name_at, name_start in (
        (b"PK\x03\x04", 22, 26, 30),
        (b"PK\x01\x02", 24, 28, 46),
    ):
        at = data.find(sig)
        while at >= 0:
            (name_len,) = struct.unpack_from("<H", data, at + name_at)
            if data[at + name_start : at + name_start + name_len] == b"users.csv":
                struct.pack_into("<L", data, at + size_at, 100)
            at = data.find(sig, at + 4)
    z.write_bytes(bytes(data))
    assert zipfile.ZipFile(z).getinfo("users.csv").file_size == 100
    exc = refused(z)
    assert "SEATKEEPER_IMPORT_MAX_EXPANDED_BYTES" in exc.message
    assert "2 MB" in exc.message
    assert exc.problems[0].file == "users.csv"


def test_issue_18_1_total_expanded_size_over_every_member(db, tmp_path, settings):
    z = zip_folder(write_set(tmp_path / "set"), tmp_path / "set.zip")
    settings.SEATKEEPER_IMPORT_MAX_EXPANDED_BYTES = 1200  # each file fits, not all of them
    exc = refused(z)
    assert "SEATKEEPER_IMPORT_MAX_EXPANDED_BYTES" in exc.message
    assert "1,200 bytes" in exc.message
    # the folder form of the same set (CLI) holds the same limit
    with pytest.raises(LimitExceeded):
        open_source(tmp_path / "set")


def test_issue_18_1_member_count(db, tmp_path, settings):
    settings.SEATKEEPER_IMPORT_MAX_MEMBERS = 4
    z = zip_folder(write_set(tmp_path / "set"), tmp_path / "set.zip")
    exc = refused(z)
    assert "more than 4 members" in exc.message
    assert "SEATKEEPER_IMPORT_MAX_MEMBERS" in exc.message
    assert exc.problems[0].file == "set.zip"


def test_issue_18_1_many_empty_members_refused_from_the_end_record(db, tmp_path):
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("users.csv", FILES["users.csv"])
        for i in range(20_000):
            zf.writestr(f"x{i}", b"")
    exc = refused(z)
    assert "more than 50 members" in exc.message


def test_issue_18_1_upload_size_cli(db, tmp_path, settings):
    z = zip_folder(write_set(tmp_path / "set"), tmp_path / "set.zip")
    settings.SEATKEEPER_IMPORT_MAX_UPLOAD_BYTES = 500
    exc = refused(z)
    assert "SEATKEEPER_IMPORT_MAX_UPLOAD_BYTES" in exc.message
    assert "set.zip is larger than the upload limit of 500 bytes" in exc.message
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import", "oneroster", str(z), "--district", "lake", "--json", stdout=out)
    assert info.value.returncode == 2
    assert "SEATKEEPER_IMPORT_MAX_UPLOAD_BYTES" in out.getvalue()


def test_issue_18_1_only_known_files_read_and_traversal_names_ignored(db, tmp_path):
    """A bomb under an unknown name, or under a name climbing out of the folder, is never
    read: the import goes through and lists them as ignored."""
    z = tmp_path / "set.zip"
    zip_folder(write_set(tmp_path / "set"), z)
    with zipfile.ZipFile(z, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in ("lineItems.csv", "../users.csv", "/abs/users.csv"):
            with zf.open(name, "w") as fh:
                for _ in range(64):
                    fh.write(b"\0" * MB)
    summary = oneroster_import(scope=op(), path=z, district_slug="lake", dry_run=False)
    assert summary["applied"] is True
    assert Student.objects.filter(district__slug="lake").count() == 3
    ignored = {w["code"]: w for w in summary["warnings"]}
    assert "lineItems.csv" in str(ignored["file-ignored"])
    assert "../users.csv" in str(ignored["member-ignored"])
    assert "/abs/users.csv" in str(ignored["member-ignored"])


def test_issue_18_1_legit_zip_still_imports_every_compression(db, tmp_path):
    for method in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        z = tmp_path / f"set{method}.zip"
        with zipfile.ZipFile(z, "w", compression=method) as zf:
            for name, text in {"manifest.csv": MANIFEST, **FILES}.items():
                zf.writestr(name, text)
        summary = oneroster_import(scope=op(), path=z, district_slug="lake", dry_run=True)
        assert summary["entities"]["students"]["created"] == 3, method


def test_issue_18_1_damaged_member_is_a_clear_error(db, tmp_path):
    z = zip_folder(write_set(tmp_path / "set"), tmp_path / "set.zip")
    data = bytearray(z.read_bytes())
    at = data.find(b"Tara")
    data[at : at + 4] = b"Tero"  # stored member: CRC no longer matches
    z.write_bytes(bytes(data))
    with pytest.raises(InvalidInput) as info:
        oneroster_import(scope=op(), path=z, district_slug="lake", dry_run=True)
    assert "users.csv" in info.value.message
    assert "damaged" in info.value.message


# -- the web page: the upload limit while receiving, the archive limits in the worker --------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return settings


def admin_client(world) -> Client:
    c = Client()
    assert c.login(username=world.users["district_admin"].username, password=PASSWORD)
    return c


def test_issue_18_1_web_upload_cut_off_while_received(world_a, media, tmp_path):
    media.SEATKEEPER_IMPORT_MAX_UPLOAD_BYTES = 100 * 1024
    big = tmp_path / "big.zip"
    big.write_bytes(b"PK" + b"x" * (300 * 1024))
    c = admin_client(world_a)
    with big.open("rb") as fh:
        response = c.post(reverse("web:imports"), {"kind": "oneroster", "file": fh}, follow=True)
    page = response.content.decode()
    assert "big.zip is larger than the upload limit of 102,400 bytes" in page
    assert "SEATKEEPER_IMPORT_MAX_UPLOAD_BYTES" in page
    assert ImportRun.objects.count() == 0
    assert not (Path(media.MEDIA_ROOT) / "imports").exists() or not any(
        (Path(media.MEDIA_ROOT) / "imports").rglob("*.zip")
    )


@pytest.mark.parametrize(
    "method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2], ids=["deflate", "bzip2"]
)
def test_issue_18_1_web_bomb_refused_in_the_worker(world_a, media, tmp_path, method):
    z = bomb(tmp_path / "bomb.zip", 64 * MB, method=method)
    c = admin_client(world_a)
    before = Student.objects.filter(district=world_a.district).count()
    with z.open("rb") as fh:
        response = c.post(reverse("web:imports"), {"kind": "oneroster", "file": fh})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.status == "failed"
    assert run.errors[0]["file"] == "users.csv"
    assert run.errors[0]["field"] == "SEATKEEPER_IMPORT_MAX_RATIO"
    page = c.get(response["Location"]).content.decode()
    assert "SEATKEEPER_IMPORT_MAX_RATIO" in page
    assert Student.objects.filter(district=world_a.district).count() == before
