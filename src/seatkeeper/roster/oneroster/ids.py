"""The sourcedIds an export makes up for rows that have none, and reading them back.

A row added by hand or by CSV has no sourcedId; the export names it `seatkeeper-<kind>-<id>`
(`seatkeeper-student-599`). Importing that export into the same district must change nothing,
so an import reads such an id as the row it was made from: the district's row of that kind with
that id and still no sourcedId. Nothing is written to the row (it keeps no sourcedId); in any
other district the id is an ordinary sourcedId.
"""

from __future__ import annotations

from django.db import connection

# kind -> the table whose rows it names (the exporter's and the importer's single list).
KINDS = {
    "school": "orgs_school",
    "term": "roster_term",
    "course": "roster_course",
    "classroom": "roster_classroom",
    "teacher": "roster_teacher",
    "student": "roster_student",
}
PREFIX = "seatkeeper-"


def made_up(kind: str, pk: int, sourced_id: str = "") -> str:
    """The row's sourcedId, or the one an export makes up for it."""
    return sourced_id or f"{PREFIX}{kind}-{pk}"


def district_sid(sourced_id: str, slug: str) -> str:
    return sourced_id or f"{PREFIX}district-{slug}"


def read_back(kind: str, value: str) -> int | None:
    """The id in `seatkeeper-<kind>-<id>`, or None when the value is not such an id."""
    head = f"{PREFIX}{kind}-"
    rest = value[len(head) :] if value.startswith(head) else ""
    return int(rest) if rest.isascii() and rest.isdigit() and len(rest) <= 18 else None


def sql_id(kind: str, expr: str) -> str:
    """SQL: the id an expression holding `seatkeeper-<kind>-<id>` names, else NULL."""
    head = f"{PREFIX}{kind}-"
    start = len(head) + 1
    rest = f"substr({expr}, {start})"
    if connection.vendor == "postgresql":
        digits = f"{rest} ~ '^[0-9]{{1,18}}$'"
        return f"CASE WHEN {expr} LIKE '{head}%%' AND {digits} THEN CAST({rest} AS bigint) END"
    digits = f"length({rest}) BETWEEN 1 AND 18 AND {rest} NOT GLOB '*[^0-9]*'"
    return f"CASE WHEN {expr} LIKE '{head}%%' AND {digits} THEN CAST({rest} AS integer) END"


def sql_made_up(kind: str, alias: str) -> str:
    """SQL: the sourcedId of a row (alias), made up when it has none, as `made_up` does."""
    return (
        f"CASE WHEN {alias}.sourced_id = '' THEN '{PREFIX}{kind}-' || "
        f"CAST({alias}.id AS text) ELSE {alias}.sourced_id END"
    )
