"""Staging OneRoster files in temporary tables, so that every rule runs as SQL (the stager).

Each file the importer reads becomes a TEMP table `sk_<file>` (private to the import's
connection, gone when it ends): `n`, the record's ordinal (1 = the first row after the header),
`line`, the physical line it starts on (the header is line 1; a quoted newline moves every later
row down), `w`, how many fields the row has (the validator refuses rows wider than the header, or
too short to hold a required column), then one text column per field the importer uses, trimmed, '' when the file has no
such column or the row no such cell. Nothing of a file is held in Python, so memory does not grow
with the files.

PostgreSQL: the file's bytes go to `COPY ... (FORMAT csv)` untouched (the UTF-8 BOM aside), then
one statement picks, trims and numbers the columns. A file COPY cannot take as it is (rows shorter
or longer than the header, blank lines, bytes that are not UTF-8) goes through the Python reader
instead, which pads short rows and names the line of a bad byte. SQLite: the Python reader
streams rows into `executemany`. Both ways make the same table, so each rule is one query on both
backends (`Sql` hides the few spellings that differ).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.db import connection, transaction

from seatkeeper.roster.oneroster.fastinsert import execute_batches
from seatkeeper.roster.oneroster.reader import Source, read_table

BOM = b"\xef\xbb\xbf"
# What "trimmed" means, the same on both paths (Python's str.strip() would also take other
# Unicode spaces; SQL cannot say that portably).
SPACE = " \t\r\n\f\v\u00a0"
RAW_COPY = True  # PostgreSQL: hand the file's bytes to COPY (tests turn it off to compare)


class Sql:
    """The spellings that differ between PostgreSQL and SQLite."""

    def __init__(self) -> None:
        self.pg = connection.vendor == "postgresql"

    def strip(self, expr: str) -> str:
        if self.pg:  # chr(), not E'\v': PostgreSQL has no \v escape (it would trim "v")
            spaces = " || ".join(f"chr({c})" for c in (32, 9, 13, 10, 12, 11, 160))
            return f"btrim({expr}, {spaces})"
        return f"trim({expr}, ' ' || char(9, 13, 10, 12, 11, 160))"

    def differ(self, a: str, b: str) -> str:
        return f"({a} IS DISTINCT FROM {b})" if self.pg else f"({a} IS NOT {b})"

    def pos(self, haystack: str, needle: str) -> str:
        return f"strpos({haystack}, {needle})" if self.pg else f"instr({haystack}, {needle})"

    def as_date(self, expr: str) -> str:
        return f"CAST(NULLIF({expr}, '') AS date)" if self.pg else f"NULLIF({expr}, '')"


@dataclass
class Staged:
    """A staged file: where it is, what it is called, what its header had."""

    name: str  # lower-case file name, e.g. "users.csv"
    file: str  # the file's own name, for messages
    table: str  # the TEMP table
    header: list[str]
    rows: int = 0
    cells: list[str] = field(default_factory=list)  # every header cell, canonical names
    renamed: list[tuple[str, str]] = field(default_factory=list)  # read as (case)

    @property
    def width(self) -> int:
        return len(self.cells)


def journal(where: str) -> None:
    """SQLite: where the TEMP database's rollback journal goes, `memory` or `delete` (a file).

    Staging and validation run statement by statement (autocommit): their journal lives and
    dies with one statement, and in memory it is cheap. On disk, re-filling the pages a
    dropped staging table freed cost a journal write each: the second import on one
    connection staged 3-4x slower than the first (measured: 4.9 s, then 14.4 s, for 520k
    enrollment rows; in memory 3.3 s every time). The write runs in one transaction that a
    dry run rolls back: kept in memory, its journal grew with the import (+50 MB at 100k
    students), so the writer switches back to a file first.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA temp.journal_mode={where}")


def table_for(name: str) -> str:
    return "sk_" + name.removesuffix(".csv").lower()


def drop(cur: Any, table: str) -> None:
    cur.execute(f"DROP TABLE IF EXISTS {table}")


def known_names(fields: dict[str, tuple[str, ...]]) -> set[str]:
    return {n for names in fields.values() for n in names}


def _pick(header_cells: Sequence[str], fields: dict[str, tuple[str, ...]]) -> list[int | None]:
    """For each field, the position of its column (the last of equal names), or None.

    `header_cells` are the canonical names (`reader.canonical_header`)."""
    index: dict[str, int] = {}
    for i, h in enumerate(header_cells):
        if h:
            index[h] = i
    out: list[int | None] = []
    for names in fields.values():
        out.append(next((index[n] for n in names if n in index), None))
    return out


def stage(src: Source, name: str, fields: dict[str, tuple[str, ...]]) -> Staged:
    """Load one file into its TEMP table (see the module doc); ReadError if it is unreadable.

    `fields` maps each column of the table to the header names it may have, first found wins.
    """
    t = read_table(src, name, known_names(fields))  # ReadError: empty, not UTF-8, not CSV
    st = Staged(
        name=name.lower(),
        file=src.file_name(name),
        table=table_for(name),
        header=t.header,
        cells=t.cells,
        renamed=t.renamed,
    )
    rows = t.rows
    cols = ["n integer", "line integer", "w integer", *(f"{f} text" for f in fields)]
    with connection.cursor() as cur:
        drop(cur, st.table)
        if connection.vendor == "postgresql" and RAW_COPY and _copy_raw(cur, src, name, st, fields):
            rows.close()  # type: ignore[attr-defined]
        else:
            cur.execute(f"CREATE TEMP TABLE {st.table} ({', '.join(cols)})")
            st.rows = _feed(cur, st, st.cells, rows, fields)
        cur.execute(f"CREATE INDEX {st.table}_n ON {st.table} (n)")
        if "sid" in fields and connection.vendor != "postgresql":  # PostgreSQL hashes
            cur.execute(f"CREATE INDEX {st.table}_sid ON {st.table} (sid)")
        if connection.vendor == "postgresql":
            cur.execute(f"ANALYZE {st.table}")
    return st


def _feed(
    cur: Any,
    st: Staged,
    header_cells: list[str],
    rows: Iterator[Any],
    fields: dict[str, tuple[str, ...]],
) -> int:
    """The Python reader's rows into the table (short rows padded, cells trimmed)."""
    picks = _pick(header_cells, fields)
    names = ", ".join(["n", "line", "w", *fields])

    def tuples() -> Iterator[tuple[Any, ...]]:
        for n, row in enumerate(rows, start=1):
            cells = row.cells
            width = len(cells)
            yield (
                n,
                row.line,
                width,
                *(cells[i].strip(SPACE) if i is not None and i < width else "" for i in picks),
            )

    count = 0
    if connection.vendor == "postgresql":
        # A savepoint: a file refused half-way (ReadError) aborts the COPY, not the caller's
        # transaction.
        with transaction.atomic(), cur.cursor.copy(f"COPY {st.table} ({names}) FROM STDIN") as cp:
            for t in tuples():
                cp.write_row(t)
                count += 1
        return count
    marks = ", ".join(["%s"] * (len(fields) + 3))
    return execute_batches(cur, f"INSERT INTO {st.table} ({names}) VALUES ({marks})", tuples())


def _copy_raw(
    cur: Any, src: Source, name: str, st: Staged, fields: dict[str, tuple[str, ...]]
) -> bool:
    """PostgreSQL: COPY the file's bytes, then pick and trim; False if COPY refused the file.

    COPY takes only rows exactly as wide as the header, so every row's `w` is the header's."""
    header_cells = st.cells
    width = len(header_cells)
    raw = f"{st.table}_raw"
    drop(cur, raw)
    cur.execute(
        f"CREATE TEMP TABLE {raw} ({', '.join(f'c{i} text' for i in range(width))}, "
        "n integer GENERATED ALWAYS AS IDENTITY)"
    )
    copy_sql = (
        f"COPY {raw} ({', '.join(f'c{i}' for i in range(width))}) FROM STDIN "
        "(FORMAT csv, HEADER true, ENCODING 'UTF8')"
    )
    quoted = False  # without a quote character no cell can hold a newline
    try:
        with transaction.atomic(), cur.cursor.copy(copy_sql) as cp, src.open_bytes(name) as fh:
            chunk = fh.read(1 << 20)
            if chunk.startswith(BOM):
                chunk = chunk[len(BOM) :]
            while chunk:
                quoted = quoted or b'"' in chunk
                cp.write(chunk)
                chunk = fh.read(1 << 20)
    except psycopg.Error:
        drop(cur, raw)
        return False
    sql = Sql()
    cell = [f"coalesce(c{i}, '')" for i in range(width)]
    picks = _pick(header_cells, fields)
    values = [sql.strip(cell[i]) if i is not None else "''" for i in picks]
    # A quoted newline makes a record span lines: count them, so `line` stays physical.
    breaks = " OR ".join(f"strpos({c}, chr(10)) > 0 OR strpos({c}, chr(13)) > 0" for c in cell)
    if quoted:
        cur.execute(f"SELECT EXISTS (SELECT 1 FROM {raw} WHERE {breaks})")
    if quoted and cur.fetchone()[0]:
        # line breaks in a cell: each \n, each \r, a \r\n once
        newlines = " + ".join(
            f"(2 * length({c}) - length(replace({c}, chr(10), '')) "
            f"- length(replace({c}, chr(13), '')) "
            f"- (length({c}) - length(replace({c}, chr(13) || chr(10), ''))) / 2)"
            for c in cell
        )
        line = (
            f"n + 1 + coalesce(sum({newlines}) OVER (ORDER BY n ROWS BETWEEN UNBOUNDED "
            "PRECEDING AND 1 PRECEDING), 0)"
        )
    else:
        line = "n + 1"
    # The Python reader skips lines of empty cells (spreadsheet exports); so does this.
    blank = f"c0 IS NOT NULL AND c0 <> '' OR {sql.strip(' || '.join(cell))} <> ''"
    cur.execute(
        f"CREATE TEMP TABLE {st.table} AS SELECT n, ({line})::integer AS line, "
        f"{width} AS w, "
        + ", ".join(f"{v} AS {f}" for v, f in zip(values, fields, strict=True))
        + f" FROM {raw}"
    )
    cur.execute(f"DELETE FROM {st.table} WHERE n IN (SELECT n FROM {raw} WHERE NOT ({blank}))")
    cur.execute(f"SELECT count(*) FROM {st.table}")
    st.rows = cur.fetchone()[0]
    drop(cur, raw)
    return True


def empty(name: str, fields: dict[str, tuple[str, ...]] | Sequence[str]) -> str:
    """An empty table for a file that is absent or unreadable, so every query still runs."""
    table = table_for(name)
    cols = ["n integer", "line integer", "w integer", *(f"{f} text" for f in fields)]
    with connection.cursor() as cur:
        drop(cur, table)
        cur.execute(f"CREATE TEMP TABLE {table} ({', '.join(cols)})")
    return table


def drop_all() -> None:
    """Drop every staging table of this connection (an import is over, or failed).

    SQLite, outside a transaction: the connection is closed instead (Django opens a new one
    when it is next used), which discards the TEMP database whole. Dropped tables would leave
    their pages in it, and every later write to a re-used page goes through the rollback
    journal: the next import on the same connection took 2.4x as long (32.9 s against 13.5 s
    at 100k students).
    """
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        connection.close()
        return
    if connection.needs_rollback:  # a failed import inside a transaction: its rollback
        return  # takes the tables made in it, the rest go with the connection
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = pg_my_temp_schema()::regnamespace::text "
                "AND tablename LIKE 'sk\\_%%'",
                [],
            )
        else:
            cur.execute(
                "SELECT name FROM sqlite_temp_master WHERE type = 'table' AND name LIKE 'sk\\_%%' "
                "ESCAPE '\\'",
                [],
            )
        for (name,) in cur.fetchall():
            drop(cur, name)
