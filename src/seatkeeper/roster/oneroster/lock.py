"""One import of a district at a time (issue 19): the per-district import lock.

Two imports of one district at once would match the same new rows and one would die on a
unique constraint. Every import (OneRoster or CSV; CLI, web worker or API alike) takes this lock
for the whole import, validation included, and a second one is refused at once with
`ImportRunning`. The lock dies with its holder, so a killed import never leaves it behind:
PostgreSQL, a session advisory lock of the import's connection (it holds across hosts); SQLite
(one host by nature), an flock on a file beside the database file (every process that opens
the database sees it, whatever its SEATKEEPER_VAR_DIR).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection

from seatkeeper.errors import Conflict


class ImportRunning(Conflict):
    code = "import_running"


def _refuse(slug: str) -> ImportRunning:
    return ImportRunning(
        f"An import of this district is running ({slug}); nothing was written. Try again "
        "when it has finished."
    )


def _key(slug: str) -> int:
    digest = hashlib.sha256(f"seatkeeper.import:{slug}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def district_import_lock(slug: str) -> Iterator[None]:
    """Hold the import lock of district `slug` for the block; ImportRunning when it is held."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [_key(slug)])
            got = cur.fetchone()[0]
        if not got:
            raise _refuse(slug)
        try:
            yield
        finally:
            try:
                with connection.cursor() as cur:
                    cur.execute("SELECT pg_advisory_unlock(%s)", [_key(slug)])
            except DatabaseError:  # the connection is gone, and the lock with it
                connection.close()
        return
    import fcntl

    db = str(connection.settings_dict["NAME"])
    if db.startswith(":memory:") or db.startswith("file:") or not db:
        folder = Path(settings.VAR_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        db = str(folder / "memory")
    name = hashlib.sha256(slug.encode()).hexdigest()[:24]
    fd = os.open(f"{db}-import-{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _refuse(slug) from None
        yield
    finally:
        os.close(fd)  # closing releases the flock
