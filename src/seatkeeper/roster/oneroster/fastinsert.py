"""Inserting many rows without building a model instance per row.

`bulk_create` spends most of an import compiling SQL per row; here the row shape is worked out
once: columns the caller gives, every other column from the field's default (auto_now and
auto_now_add get the import's timestamp, nullable fields NULL). PostgreSQL gets COPY, SQLite
`executemany`. Only for plain rows (no signals, no save()); the caller keeps the invariants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from django.db import connection, models
from django.utils import timezone

BATCH = 5000


def _constant(field: models.Field, now: dt.datetime) -> Any:  # type: ignore[type-arg]
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value: Any = now
    elif field.has_default():
        value = field.get_default()
    elif field.null:
        value = None
    else:
        raise ValueError(f"{field.model.__name__}.{field.name} needs a value")
    return field.get_db_prep_save(value, connection)


def execute_batches(cur: Any, sql: str, rows: Iterable[Sequence[Any]], size: int = BATCH) -> int:
    """`executemany` over `rows` a batch at a time (never the whole iterable in memory)."""
    n = 0
    it = iter(rows)
    while chunk := list(islice(it, size)):
        cur.executemany(sql, chunk)
        n += len(chunk)
    return n


def defaults(
    model: type[models.Model], fields: Sequence[str], now: dt.datetime | None = None
) -> tuple[list[str], tuple[Any, ...]]:
    """Columns a caller does not give, and their values (defaults, the timestamp, NULL)."""
    now = now or timezone.now()
    rest = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in fields and f.attname not in fields
    ]
    return [f.column for f in rest], tuple(_constant(f, now) for f in rest)


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert `rows` (values for `fields`, in order); returns how many were written."""
    meta = model._meta
    now = timezone.now()
    given = [meta.get_field(f) for f in fields]
    rest = [
        f
        for f in meta.concrete_fields
        if not f.primary_key and f.name not in fields and f.attname not in fields
    ]
    consts = tuple(_constant(f, now) for f in rest)
    columns = [f.column for f in given] + [f.column for f in rest]
    date_cols = [
        i
        for i, f in enumerate(given)
        if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)
    ]
    qn = connection.ops.quote_name
    n = 0
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            sql = f"COPY {qn(meta.db_table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
            with cur.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row((*row, *consts))
                    n += 1
            return n
        # Table and column names come from the model's _meta, never from input.
        sql = (
            f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )

        def prepared() -> Iterable[tuple[Any, ...]]:
            for row in rows:
                values = list(row)
                for i in date_cols:
                    if values[i] is not None:
                        values[i] = values[i].isoformat()
                yield (*values, *consts)

        n = execute_batches(cur, sql, prepared())
    return n
