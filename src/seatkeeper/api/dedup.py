"""De-dup API: GET duplicate groups (the same JSON as `seatkeeper dedup ... --json`), POST merge,
not-duplicates and undo. Handlers parse, authorize (scope_from_request + orgs.scoping), call one
selector or service, render; api.errors maps SeatkeeperError to problem details."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from seatkeeper.api.common import ERRORS, scope_from_request
from seatkeeper.dedup import selectors, services
from seatkeeper.dedup.models import Kind
from seatkeeper.errors import NotFound
from seatkeeper.roster.scoping import get_student_for, get_teacher_for

router = Router(tags=["dedup"])

KINDS = {"students": Kind.STUDENT, "teachers": Kind.TEACHER}


class MergeIn(Schema):
    keeper: int
    others: list[int]


class MergeOut(Schema):
    merge_id: int
    keeper: int
    others: list[int]
    seats_freed: int


class IdsIn(Schema):
    ids: list[int]


class PairsOut(Schema):
    pairs_added: int


class UndoOut(Schema):
    merge_id: int
    undone: bool


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound(f"No de-dup for {kind!r}.")
    return KINDS[kind]


@router.get("/districts/{slug}/dedup/{kind}", response={200: dict[str, Any], **ERRORS})
def dedup_groups(
    request: HttpRequest,
    slug: str,
    kind: str,
    school: int | None = None,
    min_score: float | None = None,
) -> Any:
    """Duplicate groups (kind: students | teachers), by score: {"district", "groups": [...]}."""
    k = _kind(kind)
    scope, district = scope_from_request(request, slug)
    find = (
        selectors.student_duplicate_groups
        if k == Kind.STUDENT
        else selectors.teacher_duplicate_groups
    )
    groups = find(
        scope=scope,
        district=district,
        school_ids=[school] if school is not None else None,
        min_score=min_score,
    )
    return selectors.groups_as_dict(district, groups)


@router.post("/districts/{slug}/dedup/{kind}/merge", response={201: MergeOut, **ERRORS})
def dedup_merge(request: HttpRequest, slug: str, kind: str, payload: MergeIn) -> Any:
    """Merge `others` into `keeper` (audited, one transaction, undoable)."""
    k = _kind(kind)
    scope, _ = scope_from_request(request, slug)
    get = get_student_for if k == Kind.STUDENT else get_teacher_for
    merge = services.students_merge if k == Kind.STUDENT else services.teachers_merge
    result = merge(
        scope=scope,
        keeper=get(scope, payload.keeper),
        others=[get(scope, o) for o in payload.others],
    )
    return Status(
        201,
        {
            "merge_id": result.merge.pk,
            "keeper": result.keeper_id,
            "others": list(result.other_ids),
            "seats_freed": result.seats_freed,
        },
    )


@router.post("/districts/{slug}/dedup/{kind}/not-duplicates", response={200: PairsOut, **ERRORS})
def dedup_not_duplicates(request: HttpRequest, slug: str, kind: str, payload: IdsIn) -> Any:
    """Remember that these accounts are different people (never suggested together again)."""
    k = _kind(kind)
    scope, _ = scope_from_request(request, slug)
    return {"pairs_added": services.not_duplicates_mark(scope=scope, kind=k, ids=payload.ids)}


@router.post(
    "/districts/{slug}/dedup/{kind}/merges/{merge_id}/undo", response={200: UndoOut, **ERRORS}
)
def dedup_undo(request: HttpRequest, slug: str, kind: str, merge_id: int) -> Any:
    """Undo a merge: every row back exactly as before."""
    k = _kind(kind)
    scope, _ = scope_from_request(request, slug)
    merge = services.get_merge_for(scope, merge_id, k)
    undo = services.students_merge_undo if k == Kind.STUDENT else services.teachers_merge_undo
    undo(scope=scope, merge=merge)
    return {"merge_id": merge.pk, "undone": True}
