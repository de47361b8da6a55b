"""The seat ledger: one row per counted seat and a used counter per (school, product), kept
exact in the transaction of every change (R1-R8). The one home of "used".

How a change reaches the ledger:

1. Database triggers journal what any write touched (`SeatJournal`: a student, a classroom, a
   teacher or a school; migration seats 0004 lists them). No write path can forget this part:
   the services, the importer's set-based SQL and a shell session are journaled alike.
2. `sync(district_id)`, at the end of the change and in its transaction, turns the journal into
   the touched students (a classroom's, a teacher's or a school's are those enrolled there),
   recomputes exactly their seats with one set-based statement, moves the counters by the
   difference, empties the journal and, in hard mode, refuses growth over capacity. Services
   call it through `seat_change()`. On PostgreSQL a deferred constraint trigger refuses to
   COMMIT a transaction that journaled a change and never synced.
3. Reads (`seats.selectors`) answer from `SeatCount` and `Seat`: a district's usage costs one
   row per school, whatever the number of students.

Concurrency: `sync` takes the district's ledger lock (a transaction-level PostgreSQL advisory
lock; SQLite writers are serialised by BEGIN IMMEDIATE) and holds it to COMMIT, so a sync sees
every change committed before it and hard enforcement checks a counter nobody else can move.
Single-sync transactions take no other lock after it, so they cannot deadlock with each other.
Capacity changes (allocations, purchases) take the same lock before they read used.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from seatkeeper.errors import SeatkeeperError
from seatkeeper.seats.sources import ACTIVE, table

Key = tuple[int, int]  # (school id, product id)

LOCK_NAMESPACE = 0x5EA7  # pg_advisory_xact_lock(namespace, district id): the ledger lock


class LedgerNotSynced(SeatkeeperError):
    """A change to seat facts reached a read or a commit without `sync()` (a programming error)."""

    code = "ledger_not_synced"
    status = 500


@dataclass(frozen=True)
class SeatDelta:
    """What one sync did: used(S,P) before and after for every (school, product) it moved."""

    moved: Mapping[Key, tuple[int, int]] = field(default_factory=dict)
    students: int = 0  # students whose seats were recomputed

    @property
    def changed(self) -> bool:
        return any(b != a for b, a in self.moved.values())

    def freed(self) -> dict[int, int]:
        """Seats freed per product (negative: taken)."""
        out: dict[int, int] = {}
        for (_, product), (before, after) in self.moved.items():
            out[product] = out.get(product, 0) + before - after
        return out

    def merged(self, later: SeatDelta) -> SeatDelta:
        """This delta followed by `later` (before from the first, after from the last)."""
        moved = dict(self.moved)
        for key, (before, after) in later.moved.items():
            moved[key] = (moved[key][0] if key in moved else before, after)
        return SeatDelta(moved=moved, students=self.students + later.students)


EMPTY = SeatDelta()


def lock(district_id: int) -> None:
    """Take the district's ledger lock until COMMIT (re-entrant; SQLite: writers are serial)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, district_id])


# --- the statements -------------------------------------------------------------------------


def _t() -> dict[str, str]:
    return {
        "e": table("Enrollment"),
        "c": table("Classroom"),
        "t": table("Teacher"),
        "s": table("Student"),
        "h": "orgs_school",
        "a": "seats_teacheraccess",
        "seat": "seats_seat",
        "j": "seats_seatjournal",
    }


def _licensed_select(where: str, *, touched: bool = False) -> str:
    """Every counted seat (R1-R8) of the enrollments `where` picks: (district, school,
    product, student, licensed classrooms holding it, the lowest of them).

    With `touched`, only the journal's students, and the statement is driven from them: the
    journal comes first in the FROM list, so even with no statistics (a journal filled a
    moment ago) PostgreSQL walks journal -> enrollments -> classroom -> teacher -> access by
    index, in time proportional to the students touched.
    """
    t = _t()
    driver = (
        f"(SELECT DISTINCT ref AS student_id FROM {t['j']} "
        "WHERE district_id = %s AND kind = 's') j "
        f"JOIN {t['e']} e ON e.student_id = j.student_id "
        if touched
        else f"{t['e']} e "
    )
    return (
        "SELECT e.district_id, c.school_id, a.product_id, e.student_id, COUNT(*), MIN(c.id) "
        f"FROM {driver}"
        f"JOIN {t['c']} c ON c.id = e.classroom_id "
        f"JOIN {t['t']} t ON t.id = c.primary_teacher_id "  # R8: only the primary teacher
        f"JOIN {t['a']} a ON a.teacher_id = t.id "
        f"JOIN {t['s']} s ON s.id = e.student_id "
        f"JOIN {t['h']} h ON h.id = c.school_id "
        f"WHERE {where} AND c.status = '{ACTIVE}' AND c.deleted_at IS NULL "  # R5
        'AND t.deleted_at IS NULL AND a."on" = %s '  # R4
        "AND s.deleted_at IS NULL AND h.deleted_at IS NULL "  # R5
        "GROUP BY e.district_id, c.school_id, a.product_id, e.student_id"
    )


def _touched_students() -> str:
    return f"SELECT ref FROM {_t()['j']} WHERE district_id = %s AND kind = 's'"


def _expand_sql() -> str:
    """Journal the students of every journaled classroom, teacher and school (driven from the
    journal, like `_licensed_select`)."""
    t = _t()
    via = (
        f"SELECT j.ref AS classroom_id FROM {t['j']} j WHERE j.district_id = %s AND j.kind = 'c' "
        f"UNION SELECT c.id FROM {t['j']} j JOIN {t['c']} c ON c.primary_teacher_id = j.ref "
        "AND c.district_id = %s WHERE j.district_id = %s AND j.kind = 't' "
        f"UNION SELECT c.id FROM {t['j']} j JOIN {t['c']} c ON c.school_id = j.ref "
        "AND c.district_id = %s WHERE j.district_id = %s AND j.kind = 'h'"
    )
    return (
        f"INSERT INTO {t['j']} (district_id, kind, ref) "
        f"SELECT DISTINCT e.district_id, 's', e.student_id FROM ({via}) k "
        f"JOIN {t['e']} e ON e.classroom_id = k.classroom_id AND e.district_id = %s"
    )


BULK = 500  # touched students from which a sync joins by hashing the district's rows


def _bulk_plan(cur: Any, on: bool) -> None:
    """PostgreSQL: for a sync touching many students (an import, a school deleted), join by
    hashing instead of nested index loops. Bulk-loaded rows are often not analyzed yet (in the
    import's own transaction, or before autovacuum runs), and with no statistics every table
    looks like one row: the planner then nests loops whose cost is the product of the tables.
    Hash joins cost one pass over the district's rows, whatever the statistics. Small syncs
    keep the planner's choice (index lookups from the journal)."""
    if connection.vendor == "postgresql":
        cur.execute(f"SET LOCAL enable_nestloop TO {'off' if on else 'DEFAULT'}")


def _counts(cur: object, d: int) -> dict[Key, int]:
    cur.execute(  # type: ignore[attr-defined]
        f"SELECT school_id, product_id, COUNT(*) FROM {_t()['seat']} "
        f"WHERE district_id = %s AND student_id IN ({_touched_students()}) "
        "GROUP BY school_id, product_id",
        [d, d],
    )
    return {(s, p): n for s, p, n in cur.fetchall()}  # type: ignore[attr-defined]


# --- sync ------------------------------------------------------------------------------------


def pending(district_id: int | None = None) -> list[int]:
    """Districts with journaled changes not yet synced (visible to this transaction)."""
    with connection.cursor() as cur:
        if district_id is None:
            cur.execute(f"SELECT DISTINCT district_id FROM {_t()['j']} ORDER BY district_id")
        else:
            cur.execute(
                f"SELECT DISTINCT district_id FROM {_t()['j']} WHERE district_id = %s",
                [district_id],
            )
        return [r[0] for r in cur.fetchall()]


def sync(district_id: int, *, enforce: bool = True, on: dt.date | None = None) -> SeatDelta:
    """Fold the district's journal into the ledger, in the caller's transaction.

    Recomputes the seats of every touched student with one statement, moves the counters by
    the difference and empties the journal. With `enforce`, hard mode (or grace after its date)
    refuses (CapacityExceeded, rolling the transaction back) a change that raises used(S,P)
    above capacity(S,P); changes that lower usage always go through (domain.md
    "Enforcement"). Journaled changes of other districts (a forgotten sync elsewhere) are
    folded too, after this one, so the ledger heals instead of drifting.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("seats.ledger.sync must run inside transaction.atomic()")
    delta = _sync_one(district_id)
    # Changes of other districts left unsynced heal here: this transaction's own (one that
    # touched two districts) and, on SQLite, rows another transaction committed unsynced (on
    # PostgreSQL the deferred constraint trigger refuses such a COMMIT).
    for other in pending():
        if other != district_id:
            _sync_one(other)
    if enforce and delta.moved:
        from seatkeeper.seats.enforcement import refuse_growth_over_capacity

        refuse_growth_over_capacity(district_id, delta, on=on)
    if delta.moved:  # issue 16.3: the touched schools' alerts, once this commits
        from seatkeeper.seats.alerts import after_commit

        after_commit(district_id, {school for school, _ in delta.moved})
    return delta


def _sync_one(d: int) -> SeatDelta:
    lock(d)
    t = _t()
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT kind, COUNT(DISTINCT ref) FROM {t['j']} WHERE district_id = %s GROUP BY kind",
            [d],
        )
        kinds = dict(cur.fetchall())
        if not kinds:
            return EMPTY
        if sum(kinds.values()) >= BULK and not _has_seats(cur, d):
            return _first_fill(cur, d, students=kinds.get("s", 0))
        if set(kinds) - {"s"}:
            cur.execute(_expand_sql(), [d] * 6)
            cur.execute(
                f"SELECT COUNT(DISTINCT ref) FROM {t['j']} WHERE district_id = %s AND kind = 's'",
                [d],
            )
            (students,) = cur.fetchone()
        else:
            students = kinds["s"]
        bulk = students >= BULK
        if bulk:  # counted in the database; a few statements, nothing per row in Python
            _bulk_plan(cur, True)
            old = _counts(cur, d)
        delete = (
            f"DELETE FROM {t['seat']} WHERE district_id = %s "
            f"AND student_id IN ({_touched_students()})"
        )
        insert = (
            f"INSERT INTO {t['seat']} (district_id, school_id, product_id, student_id, "
            "classrooms, classroom_id) "
            + _licensed_select("e.district_id = %s AND c.district_id = %s", touched=True)
        )
        if bulk:
            cur.execute(delete, [d, d])
            cur.execute(insert, [d, d, d, True])
            new = _counts(cur, d)
            _bulk_plan(cur, False)
        else:  # a few seats: the rows say what moved (RETURNING: PostgreSQL, SQLite >= 3.35)
            cur.execute(delete + " RETURNING school_id, product_id", [d, d])
            old = dict(Counter((s, p) for s, p in cur.fetchall()))
            cur.execute(insert + " RETURNING school_id, product_id", [d, d, d, True])
            new = dict(Counter((s, p) for s, p in cur.fetchall()))
        cur.execute(f"DELETE FROM {t['j']} WHERE district_id = %s", [d])
    deltas = {k: new.get(k, 0) - old.get(k, 0) for k in set(old) | set(new)}
    return SeatDelta(
        moved=_move_counters(d, {k: n for k, n in deltas.items() if n}), students=students
    )


def _has_seats(cur: Any, d: int) -> bool:
    cur.execute(f"SELECT 1 FROM {_t()['seat']} WHERE district_id = %s LIMIT 1", [d])
    return cur.fetchone() is not None


def _first_fill(cur: Any, d: int, *, students: int) -> SeatDelta:
    """A district with no seat yet and a big journal (its first import): count every seat of the
    district in one statement over its enrollments, instead of expanding the journal to each
    touched student and recomputing them from it. Same result: while the ledger is exact, a
    student the journal does not name has no seat now and none after (bench/README.md,
    OneRoster import)."""
    t = _t()
    _bulk_plan(cur, True)
    cur.execute(
        f"INSERT INTO {t['seat']} (district_id, school_id, product_id, student_id, "
        "classrooms, classroom_id) "
        + _licensed_select("e.district_id = %s AND c.district_id = %s"),
        [d, d, True],
    )
    cur.execute(
        f"SELECT school_id, product_id, COUNT(*) FROM {t['seat']} "
        "WHERE district_id = %s GROUP BY school_id, product_id",
        [d],
    )
    new = {(s, p): n for s, p, n in cur.fetchall()}
    _bulk_plan(cur, False)
    cur.execute(f"DELETE FROM {t['j']} WHERE district_id = %s", [d])
    return SeatDelta(moved=_move_counters(d, new), students=students)


def _move_counters(d: int, deltas: Mapping[Key, int]) -> dict[Key, tuple[int, int]]:
    """Apply `deltas` to the counters; (before, after) per key."""
    from seatkeeper.seats.models import SeatCount

    if not deltas:
        return {}
    if len(deltas) <= 4:  # one statement per counter, no read first
        moved: dict[Key, tuple[int, int]] = {}
        with connection.cursor() as cur:
            for (school, product), n in sorted(deltas.items()):
                cur.execute(
                    "UPDATE seats_seatcount SET used = used + %s WHERE district_id = %s "
                    "AND school_id = %s AND product_id = %s RETURNING used",
                    [n, d, school, product],
                )
                row = cur.fetchone()
                if row is None:
                    SeatCount.objects.create(
                        district_id=d, school_id=school, product_id=product, used=n
                    )
                    moved[(school, product)] = (0, n)
                else:
                    moved[(school, product)] = (row[0] - n, row[0])
        return moved
    have = {
        (s, p): (pk, used)
        for pk, s, p, used in SeatCount.objects.filter(district_id=d).values_list(
            "id", "school_id", "product_id", "used"
        )
    }
    moved = {}
    updates: list[tuple[int, int]] = []
    new: list[SeatCount] = []
    for key, n in sorted(deltas.items()):
        if key in have:
            pk, used = have[key]
            moved[key] = (used, used + n)
            updates.append((used + n, pk))
        else:
            moved[key] = (0, n)
            new.append(SeatCount(district_id=d, school_id=key[0], product_id=key[1], used=n))
    if updates:
        with connection.cursor() as cur:
            cur.executemany("UPDATE seats_seatcount SET used = %s WHERE id = %s", updates)
    SeatCount.objects.bulk_create(new)
    return moved


# --- the context services use ----------------------------------------------------------------


@dataclass
class SeatChange:
    """Filled in when the `seat_change` block ends: what the change did to seats."""

    district_id: int
    delta: SeatDelta = EMPTY

    def freed(self) -> dict[int, int]:
        return self.delta.freed()


@contextmanager
def seat_change(*, district_id: int, enforce: bool = True) -> Iterator[SeatChange]:
    """Wrap a write that may move seats: the ledger is synced (and hard enforcement applied)
    when the block ends, in the caller's transaction. The writes inside need no seat code."""
    if not connection.in_atomic_block:
        raise RuntimeError("seat_change must run inside transaction.atomic()")
    change = SeatChange(district_id=district_id)
    yield change
    change.delta = sync(district_id, enforce=enforce)


# --- rebuild and recount (seats verify, the bench generator, repairs) ------------------------


def rebuild(district_id: int) -> SeatDelta:
    """Recompute the district's whole ledger from the roster (set-based), in one transaction.

    Returns what changed against the ledger it replaced (empty when it was exact).
    """
    from seatkeeper.seats.models import SeatCount

    with transaction.atomic():
        lock(district_id)
        t = _t()
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {t['j']} WHERE district_id = %s", [district_id])
            before = {
                (s, p): n
                for s, p, n in SeatCount.objects.filter(district_id=district_id).values_list(
                    "school_id", "product_id", "used"
                )
            }
            cur.execute(f"DELETE FROM {t['seat']} WHERE district_id = %s", [district_id])
            _bulk_plan(cur, True)
            cur.execute(
                f"INSERT INTO {t['seat']} (district_id, school_id, product_id, student_id, "
                "classrooms, classroom_id) "
                + _licensed_select("e.district_id = %s AND c.district_id = %s"),
                [district_id, district_id, True],
            )
            cur.execute(
                f"SELECT school_id, product_id, COUNT(*) FROM {t['seat']} "
                "WHERE district_id = %s GROUP BY school_id, product_id",
                [district_id],
            )
            after = {(s, p): n for s, p, n in cur.fetchall()}
            _bulk_plan(cur, False)
        SeatCount.objects.filter(district_id=district_id).delete()
        SeatCount.objects.bulk_create(
            [
                SeatCount(district_id=district_id, school_id=s, product_id=p, used=n)
                for (s, p), n in sorted(after.items())
            ]
        )
    moved = {
        k: (before.get(k, 0), after.get(k, 0))
        for k in set(before) | set(after)
        if before.get(k, 0) != after.get(k, 0)
    }
    return SeatDelta(moved=moved)


def forget(district_id: int) -> None:
    """A district being deleted: drop its ledger rows and journal (nothing left to count).
    Call it in the deleting transaction, after the district's rows are gone."""
    from seatkeeper.seats.models import Seat, SeatCount, SeatJournal

    Seat.objects.filter(district_id=district_id).delete()
    SeatCount.objects.filter(district_id=district_id).delete()
    SeatJournal.objects.filter(district_id=district_id).delete()


def recount(district_id: int) -> set[tuple[int, int, int]]:
    """Every counted seat (school, product, student) of the district, recounted from the
    roster with the plain rule, independent of the ledger (for `seats verify`)."""
    with connection.cursor() as cur:
        cur.execute(
            _licensed_select("e.district_id = %s AND c.district_id = %s"),
            [district_id, district_id, True],
        )
        return {(s, p, st) for _, s, p, st, _, _ in cur.fetchall()}


def keys_of(rows: Iterable[tuple[int, int, int]]) -> dict[Key, int]:
    out: dict[Key, int] = {}
    for s, p, _ in rows:
        out[(s, p)] = out.get((s, p), 0) + 1
    return out
