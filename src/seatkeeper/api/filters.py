"""Query filters shared by the list endpoints: ?sourced_id=, ?q=, ?include_deleted=."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema

from seatkeeper.roster.search import folded_contains


class ListQuery(Schema):
    sourced_id: str | None = Field(None, max_length=255)
    q: str | None = Field(
        None, max_length=200, description="Name contains (case and accents ignored)."
    )
    include_deleted: bool = False


def apply_common(
    qs: QuerySet[Any], f: ListQuery, *, names: tuple[str, ...] = ("name",), soft: bool = True
) -> QuerySet[Any]:
    if f.sourced_id is not None:
        qs = qs.filter(sourced_id=f.sourced_id)
    if f.q:
        qs = qs.filter(folded_contains(names, f.q))  # issue 17.14: accents and case ignored
    if soft and not f.include_deleted:
        qs = qs.filter(deleted_at__isnull=True)
    return qs
