"""The journal of one applied import, and putting it back (issue 17.10: undo a whole import).

The importer writes set-based (`mapper.py`), so the journal is set-based too: at each write the
mapper asks for what undo needs, in the same statement shape and the same transaction:

- `created(model, floor)` after an INSERT: the district's ids above `floor`, as runs of
  consecutive ids (one row for a whole INSERT ... SELECT, whatever its size);
- `before(model, where)` before an UPDATE (soft deletes included): the image of every row the
  UPDATE will change, once per row (the first image is the one before the import);
- `removed(model, where)` before a DELETE: the image of every row it deletes.

An image is every concrete column as JSON, built by the database (`json_object` on SQLite,
`jsonb_build_object` on PostgreSQL), so no row passes through Python. `restore` replays the
journal backwards: images back in place (one UPDATE ... FROM per table), removed rows back with
their ids (one INSERT ... SELECT per table), created rows deleted child first. It is exact only
on the state the import left, which is why undo refuses when anything changed since
(`undo.py`). A dry run journals nothing (`Journal(None)`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    CASCADE,
    DO_NOTHING,
    PROTECT,
    SET_NULL,
    Max,
    Model,
    ProtectedError,
)
from django.db.models.deletion import get_candidate_relations_to_delete

from seatkeeper.orgs.models import District, School
from seatkeeper.roster.models import (
    Classroom,
    ClassroomTeacher,
    ClassroomTerm,
    Course,
    Enrollment,
    ImportJournal,
    RosterInvite,
    Student,
    Teacher,
    Term,
)
from seatkeeper.roster.oneroster.validate import ex, marks, q
from seatkeeper.seats.models import Allocation, TeacherAccess

JT = ImportJournal._meta.db_table
BATCH = 2000

# Created rows are deleted in this order (children before the rows they point to).
DELETE_ORDER: tuple[type[Model], ...] = (
    Enrollment,
    ClassroomTeacher,
    ClassroomTerm,
    TeacherAccess,
    Classroom,
    Course,
    Student,
    Teacher,
    RosterInvite,
    Allocation,
    Term,
    School,
)
# Images are put back parents first (a restored row may point to a restored parent).
RESTORE_ORDER: tuple[type[Model], ...] = (
    District,
    School,
    Allocation,
    Term,
    Course,
    Teacher,
    TeacherAccess,
    Student,
    RosterInvite,
    Classroom,
    ClassroomTerm,
    ClassroomTeacher,
    Enrollment,
)
# Tables no other table points to (the ledger's rows carry no constraint and follow by sync).
LEAVES = (Enrollment, ClassroomTeacher, ClassroomTerm, TeacherAccess)


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _columns(model: type[Model]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def image(model: type[Model], alias: str = "x") -> str:
    """SQL: the JSON image of row `alias` of `model` (every concrete column)."""
    cols = _columns(model)
    if connection.vendor == "postgresql":  # at most 100 arguments per call: chunks, joined
        parts = [
            "jsonb_build_object("
            + ", ".join(f"'{c}', {alias}.{_qn(c)}" for c in cols[i : i + 40])
            + ")"
            for i in range(0, len(cols), 40)
        ]
        return " || ".join(parts)
    return "json_object(" + ", ".join(f"'{c}', {alias}.{_qn(c)}" for c in cols) + ")"


def _value(model: type[Model], column: str, alias: str = "j") -> str:
    """SQL: column `column`'s value read back from image `alias`.data, in the column's type."""
    if connection.vendor == "postgresql":
        field = next(f for f in model._meta.concrete_fields if f.column == column)
        return f"CAST({alias}.data ->> '{column}' AS {field.db_type(connection)})"
    return f"json_extract({alias}.data, '$.\"{column}\"')"


class Journal:
    """Journal of the import writing now; `batch` None journals nothing (a dry run)."""

    def __init__(self, district_id: int, batch: str | None):
        self.d, self.batch = district_id, batch

    @property
    def on(self) -> bool:
        return self.batch is not None

    @staticmethod
    def floor(model: type[Model]) -> int:
        return model.objects.aggregate(m=Max("id"))["m"] or 0  # type: ignore[attr-defined]

    def created(self, model: type[Model], floor: int) -> None:
        """The district's rows of `model` with ids above `floor` were created by this import."""
        if not self.on:
            return
        t = model._meta.db_table
        ex(
            f"INSERT INTO {JT} (district_id, batch, tbl, op, lo, hi) "
            "SELECT %s, %s, %s, 'created', min(id), max(id) FROM (SELECT id, "
            f"id - row_number() OVER (ORDER BY id) AS g FROM {t} "
            "WHERE district_id = %s AND id > %s) z GROUP BY g",
            [self.d, self.batch, t, self.d, floor],
        )

    def before(self, model: type[Model], where: str, params: Sequence[Any] = ()) -> None:
        """Images of the rows `x` of `model` matching `where`, about to be updated (once per
        row: a row the import changes twice keeps its image from before the import)."""
        if not self.on:
            return
        t = model._meta.db_table
        ex(
            f"INSERT INTO {JT} (district_id, batch, tbl, op, lo, data) "
            f"SELECT %s, %s, %s, 'updated', x.id, {image(model)} FROM {t} x WHERE ({where}) "
            f"AND NOT EXISTS (SELECT 1 FROM {JT} j WHERE j.district_id = %s AND j.batch = %s "
            "AND j.tbl = %s AND j.op = 'updated' AND j.lo = x.id)",
            [self.d, self.batch, t, *params, self.d, self.batch, t],
        )

    def before_pks(self, model: type[Model], pks: Iterable[int]) -> None:
        self._by_pks(self.before, model, pks)

    def removed(self, model: type[Model], where: str, params: Sequence[Any] = ()) -> None:
        """Images of the rows `x` of `model` matching `where`, about to be deleted."""
        if not self.on:
            return
        t = model._meta.db_table
        ex(
            f"INSERT INTO {JT} (district_id, batch, tbl, op, lo, data) "
            f"SELECT %s, %s, %s, 'removed', x.id, {image(model)} FROM {t} x WHERE ({where})",
            [self.d, self.batch, t, *params],
        )

    def removed_pks(self, model: type[Model], pks: Iterable[int]) -> None:
        self._by_pks(self.removed, model, pks)

    def _by_pks(self, how: Any, model: type[Model], pks: Iterable[int]) -> None:
        if not self.on:
            return
        part = sorted(set(pks))
        for i in range(0, len(part), BATCH):
            chunk = part[i : i + BATCH]
            how(model, f"x.id IN ({marks(chunk)})", chunk)


# --- putting it back ------------------------------------------------------------------------


def counts(district_id: int, batch: str) -> dict[str, dict[str, int]]:
    """Per table: rows created (ids in the runs, still there), updated and removed."""
    out: dict[str, dict[str, int]] = {}
    for tbl, op, n in q(
        f"SELECT tbl, op, count(*) FROM {JT} WHERE district_id = %s AND batch = %s "
        "AND op <> 'created' GROUP BY tbl, op",
        [district_id, batch],
    ):
        out.setdefault(tbl, {})[op] = n
    for model in DELETE_ORDER:
        t = model._meta.db_table
        n = sum(_count(t, district_id, part) for part in _created_runs(district_id, batch, t))
        if n:
            out.setdefault(t, {})["created"] = n
    return out


def _created_runs(d: int, batch: str, t: str) -> Iterable[list[tuple[int, int]]]:
    """The runs of ids the import created in table `t`, 200 at a time."""
    runs = q(
        f"SELECT lo, hi FROM {JT} WHERE district_id = %s AND batch = %s AND tbl = %s "
        "AND op = 'created' ORDER BY lo",
        [d, batch, t],
    )
    for i in range(0, len(runs), 200):
        yield [(lo, hi) for lo, hi in runs[i : i + 200]]


def _in_runs(part: list[tuple[int, int]]) -> tuple[str, list[int]]:
    """SQL and params: `id` in one of the runs."""
    return " OR ".join("id BETWEEN %s AND %s" for _ in part), [v for r in part for v in r]


def _count(t: str, d: int, part: list[tuple[int, int]]) -> int:
    rng, bounds = _in_runs(part)
    ((n,),) = q(f"SELECT count(*) FROM {t} WHERE district_id = %s AND ({rng})", [d, *bounds])
    return int(n)


def restore(district_id: int, batch: str, settle: Callable[[], object] = lambda: None) -> None:
    """Put the district back as it was before the import (see the module docstring).

    `settle` runs once every enrollment and access row is as it was and before the rows they
    pointed to go: the seat ledger folds the change in while the seats' schools still exist."""
    d = district_id
    mine = "j.district_id = %s AND j.batch = %s AND j.tbl = %s AND j.op = %s"
    for model in RESTORE_ORDER:
        t = model._meta.db_table
        cols = [c for c in _columns(model) if c != "id"]
        if q(f"SELECT 1 FROM {JT} j WHERE {mine}", [d, batch, t, "updated"]):
            sets = ", ".join(f"{_qn(c)} = {_value(model, c)}" for c in cols)
            ex(
                f"UPDATE {t} SET {sets} FROM {JT} j WHERE {mine} AND {t}.id = j.lo",
                [d, batch, t, "updated"],
            )
    for model in RESTORE_ORDER:
        t = model._meta.db_table
        cols = _columns(model)
        if q(f"SELECT 1 FROM {JT} j WHERE {mine}", [d, batch, t, "removed"]):
            ex(
                f"INSERT INTO {t} ({', '.join(_qn(c) for c in cols)}) SELECT "
                + ", ".join(_value(model, c) for c in cols)
                + f" FROM {JT} j WHERE {mine} ORDER BY j.lo",
                [d, batch, t, "removed"],
            )
    for model in DELETE_ORDER:
        if model is Classroom:  # the leaves are done
            settle()
        t = model._meta.db_table
        for part in _created_runs(d, batch, t):
            rng, bounds = _in_runs(part)
            if model in LEAVES:  # nothing points to these: one DELETE per chunk of runs
                ex(f"DELETE FROM {t} WHERE district_id = %s AND ({rng})", [d, *bounds])
                continue
            # Rows that point to these (seat counters, history, access of a new school or
            # teacher) go with them, or lose the key, as their models say.
            delete_cascading(model, d, f"district_id = %s AND ({rng})", [d, *bounds])
    ImportJournal.objects.filter(district_id=d, batch=batch).delete()


def tables_undo_reads() -> list[str]:
    """Every table undo's deletes read: the created rows' tables and, through the keys that
    point to them, the tables of everything that goes with them or loses its key."""
    out: list[str] = []

    def walk(model: type[Model]) -> None:
        if model._meta.db_table in out:
            return
        out.append(model._meta.db_table)
        for rel in get_candidate_relations_to_delete(model._meta):
            if rel.on_delete is not DO_NOTHING:
                walk(rel.related_model)

    for model in DELETE_ORDER:
        walk(model)
    return out


def refresh_statistics(tables: Iterable[str]) -> list[str]:
    """PostgreSQL: ANALYZE those of `tables` whose statistics no longer describe them (more
    than a tenth of their rows written since the last ANALYZE, or never analyzed); returns the
    tables analyzed. Run it outside the transaction that reads them: ANALYZE's lock (it only
    excludes another ANALYZE or VACUUM of the table, never reads or writes) then lasts as long
    as the sampling, a fraction of a second.

    Why: the rows of a big import are all new, and until autovacuum gets to them the planner
    believes a district has a handful of rows. Undo's set-based deletes (`delete_cascading`)
    then get nested loops over the whole district: 105 s to clear the merge key of 100k new
    students instead of a tenth of a second (bench/README.md, "Undo of an import, set-based")."""
    if connection.vendor != "postgresql":
        return []
    stale = [
        name
        for (name,) in q(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
            "AND relname = ANY (%s) AND n_mod_since_analyze > 1000 "
            "AND n_mod_since_analyze > 0.1 * greatest(n_live_tup, 1)",
            [list(tables)],
        )
    ]
    for name in stale:
        ex(f"ANALYZE {_qn(name)}")
    return stale


def delete_cascading(model: type[Model], d: int, where: str, params: Sequence[Any]) -> int:
    """Delete the rows of `model` matching `where` (SQL over its own columns), and apply every
    key pointing to them as its `on_delete` says, the way the ORM's `delete()` does, but
    set-based: one statement per table and key whatever the number of rows, none of them
    loaded into Python (undo of a 100k-student import went through the ORM's collector, which
    loads every instance: bench/README.md, "Undo of an import, set-based"). Children go first,
    while the rows they point to still exist. PROTECT refuses with the ORM's `ProtectedError`, naming a few of the
    rows that point here, and nothing is left deleted (a savepoint). Our models use no delete
    signals. Returns the number of `model` rows deleted. `d` is the district: every statement
    on a tenant table is scoped by it."""
    with transaction.atomic():
        return _delete_cascading(model, d, where, list(params))


def _delete_cascading(model: type[Model], d: int, where: str, params: list[Any]) -> int:
    t = model._meta.db_table
    for rel in get_candidate_relations_to_delete(model._meta):
        child, how = rel.related_model, rel.on_delete
        if how is DO_NOTHING:  # the seat ledger: no constraint, follows by sync
            continue
        ct, col = child._meta.db_table, _qn(rel.field.column)
        keys = f"SELECT {_qn(rel.field.target_field.column)} FROM {t} WHERE {where}"
        cond, cparams = f"{col} IN ({keys})", params
        if any(f.column == "district_id" for f in child._meta.concrete_fields):
            cond, cparams = f"district_id = %s AND {cond}", [d, *params]
        if how is CASCADE and child is not model:
            _delete_cascading(child, d, cond, cparams)
        elif how is SET_NULL:
            ex(f"UPDATE {ct} SET {col} = NULL WHERE {cond}", cparams)
        elif how is PROTECT:
            pk = _qn(child._meta.pk.column)
            found = [v for (v,) in q(f"SELECT {pk} FROM {ct} WHERE {cond} LIMIT 3", cparams)]
            if found:
                raise ProtectedError(
                    f"Cannot delete some {model._meta.verbose_name_plural}: "
                    f"{child._meta.verbose_name_plural} point to them ({rel.field.name}).",
                    set(child._default_manager.filter(pk__in=found)),
                )
        else:  # RESTRICT, SET_DEFAULT, SET(...), a key cascading to its own table: unused
            raise NotImplementedError(f"{child.__name__}.{rel.field.name}: on_delete {how!r}")
    return ex(f"DELETE FROM {t} WHERE {where}", params)
