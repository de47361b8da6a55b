"""De-dup writes: merge student or teacher accounts, undo a merge, mark "not duplicates".

Every write runs in one transaction, is scoped to the actor's district and audited. A merge never
raises usage: the keeper ends with the union of the group's seats, so it frees exactly
sum(seats) - |union| (R1, R3) and others are soft-deleted with `merged_into` (R5). Row updates go
through `QuerySet.update()` so `updated_at` stays untouched and undo restores rows exactly.
Enrollments of a merged account in a classroom the keeper is already in stay on the merged
(deleted, so uncounted) account: nothing is deleted, and undo only moves rows back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from seatkeeper.audit import actions
from seatkeeper.audit.services import audit_batch, audit_record
from seatkeeper.dedup.models import Kind, Merge, NotDuplicate
from seatkeeper.errors import Conflict, InvalidInput, NotFound
from seatkeeper.orgs.scoping import ADMIN_ROLES, Scope, require_role
from seatkeeper.roster.models import (
    Classroom,
    ClassroomTeacher,
    Enrollment,
    Student,
    StudentActivity,
    Teacher,
)
from seatkeeper.roster.scoping import get_student_for, get_teacher_for
from seatkeeper.seats.ledger import seat_change
from seatkeeper.seats.models import TeacherAccess


@dataclass(frozen=True)
class MergeResult:
    merge: Merge
    keeper_id: int
    other_ids: tuple[int, ...]
    seats_freed: int
    enrollments_moved: int
    activity_moved: int


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: str | None) -> Any:
    return parse_datetime(value) if value else None


def _user(scope: Scope) -> Any:
    return scope.user if scope.user is not None and scope.user.pk else None


def _check_group(keeper_id: int, other_ids: Sequence[int]) -> None:
    if not other_ids:
        raise InvalidInput("Choose at least one account to merge into the keeper.")
    if keeper_id in other_ids or len(set(other_ids)) != len(other_ids):
        raise InvalidInput("The keeper and the merged accounts must all be different accounts.")


# --- students ----------------------------------------------------------------------------------


@transaction.atomic
def students_merge(
    *, scope: Scope, keeper: Student, others: Iterable[Student], batch: uuid.UUID | None = None
) -> MergeResult:
    """Merge `others` into `keeper`: every enrollment and all activity move to the keeper, the
    others are soft-deleted and linked (merged_into). Frees sum(seats) - |union of seats|."""
    require_role(scope, *ADMIN_ROLES, doing="merge students")
    keeper = get_student_for(scope, keeper.pk)
    others = [get_student_for(scope, o.pk) for o in others]
    other_ids = [o.pk for o in others]
    _check_group(keeper.pk, other_ids)
    ids = [keeper.pk, *other_ids]
    locked = {s.pk: s for s in Student.objects.select_for_update().filter(pk__in=ids)}
    for s in locked.values():
        if s.deleted_at is not None:
            raise Conflict(f"Student {s.pk} ({s}) is deleted; restore it before merging.")
    d = keeper.district_id
    with seat_change(district_id=d, enforce=False) as change:  # a merge never raises usage
        keeper_rooms = set(
            Enrollment.objects.filter(district_id=d, student_id=keeper.pk).values_list(
                "classroom_id", flat=True
            )
        )
        moved: list[list[int]] = []  # [enrollment id, original student id]
        for eid, sid, cid in (
            Enrollment.objects.filter(district_id=d, student_id__in=other_ids)
            .order_by("id")
            .values_list("id", "student_id", "classroom_id")
        ):
            if cid not in keeper_rooms:
                keeper_rooms.add(cid)
                moved.append([eid, sid])
        Enrollment.objects.filter(pk__in=[m[0] for m in moved]).update(student_id=keeper.pk)
        activity = [
            [aid, sid]
            for aid, sid in StudentActivity.objects.filter(district_id=d, student_id__in=other_ids)
            .order_by("id")
            .values_list("id", "student_id")
        ]
        StudentActivity.objects.filter(pk__in=[a[0] for a in activity]).update(student_id=keeper.pk)
        k = locked[keeper.pk]
        keeper_old = {
            "last_sign_in_at": _iso(k.last_sign_in_at),
            "last_activity_at": _iso(k.last_activity_at),
        }
        latest = {}
        for f in ("last_sign_in_at", "last_activity_at"):
            values = [getattr(s, f) for s in locked.values() if getattr(s, f) is not None]
            latest[f] = max(values) if values else None
        Student.objects.filter(pk=keeper.pk).update(**latest)
        others_old = {str(o): {"deleted_at": None, "merged_into": None} for o in other_ids}
        Student.objects.filter(pk__in=other_ids).update(
            deleted_at=timezone.now(), merged_into_id=keeper.pk
        )
    seats_freed = sum(change.freed().values())  # R3: exactly what the ledger moved
    merge = Merge.objects.create(
        district_id=d,
        kind=Kind.STUDENT,
        keeper_id=keeper.pk,
        other_ids=other_ids,
        seats_freed=seats_freed,
        batch=batch,
        created_by=_user(scope),
        undo={
            "enrollments": moved,
            "activity": activity,
            "keeper": keeper_old,
            "others": others_old,
        },
    )
    audit_record(
        scope=scope,
        action=actions.DEDUP_STUDENTS_MERGED,
        target=keeper,
        batch=batch,
        data={
            "merge_id": merge.pk,
            "keeper": keeper.pk,
            "others": other_ids,
            "seats_freed": seats_freed,
            "enrollments_moved": len(moved),
            "activity_moved": len(activity),
        },
    )
    return MergeResult(merge, keeper.pk, tuple(other_ids), seats_freed, len(moved), len(activity))


def get_merge_for(scope: Scope, pk: Any, kind: str = Kind.STUDENT) -> Merge:
    """A merge of the scope's district whose keeper the scope can see (else NotFound)."""
    try:
        merge = Merge.objects.get(pk=int(pk), district_id=scope.require_district(), kind=kind)
    except (Merge.DoesNotExist, TypeError, ValueError):
        raise NotFound(f"No merge {pk!r}.") from None
    getter = get_student_for if kind == Kind.STUDENT else get_teacher_for
    try:
        getter(scope, merge.keeper_id)
    except NotFound:
        raise NotFound(f"No merge {pk!r}.") from None
    return merge


def _lock_undo(merge: Merge) -> Merge:
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise Conflict(f"Merge {merge.pk} was already undone.")
    return merge


@transaction.atomic
def students_merge_undo(*, scope: Scope, merge: Merge) -> None:
    """Put every row back as before the merge: enrollments, activity, both accounts."""
    require_role(scope, *ADMIN_ROLES, doing="undo merges")
    merge = _lock_undo(get_merge_for(scope, merge.pk, Kind.STUDENT))
    undo, others = merge.undo, [int(o) for o in merge.other_ids]
    live = Student.objects.filter(pk__in=others, merged_into_id=merge.keeper_id)
    if live.filter(deleted_at__isnull=False).count() != len(others):
        raise Conflict("A merged account was restored or changed since; undo it by hand.")
    with seat_change(district_id=merge.district_id):  # hard mode applies to seats coming back
        for sid in others:
            back = [e for e, s in undo["enrollments"] if s == sid]
            Enrollment.objects.filter(pk__in=back, student_id=merge.keeper_id).update(
                student_id=sid
            )
            back = [a for a, s in undo["activity"] if s == sid]
            StudentActivity.objects.filter(pk__in=back).update(student_id=sid)
            old = undo["others"][str(sid)]
            Student.objects.filter(pk=sid).update(
                deleted_at=_dt(old["deleted_at"]), merged_into_id=old["merged_into"]
            )
        Student.objects.filter(pk=merge.keeper_id).update(
            **{f: _dt(v) for f, v in undo["keeper"].items()}
        )
    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_at"])
    keeper = Student.objects.get(pk=merge.keeper_id)
    audit_record(
        scope=scope,
        action=actions.DEDUP_STUDENTS_MERGE_UNDONE,
        target=keeper,
        data={"merge_id": merge.pk, "others": others},
    )


# --- "not duplicates" --------------------------------------------------------------------------


@transaction.atomic
def not_duplicates_mark(*, scope: Scope, kind: str, ids: Iterable[int]) -> int:
    """Remember that these accounts are different people (twins): never suggest them together.

    Returns the number of pairs newly remembered.
    """
    require_role(scope, *ADMIN_ROLES, doing="mark accounts as not duplicates")
    if kind not in Kind.values:
        raise InvalidInput(f"kind must be one of {', '.join(Kind.values)}")
    getter = get_student_for if kind == Kind.STUDENT else get_teacher_for
    people = [getter(scope, i) for i in sorted(set(ids))]
    if len(people) < 2:
        raise InvalidInput("Choose at least two accounts.")
    made = 0
    for a, b in combinations(people, 2):
        _, created = NotDuplicate.objects.get_or_create(
            district_id=a.district_id,
            kind=kind,
            low_id=min(a.pk, b.pk),
            high_id=max(a.pk, b.pk),
            defaults={"created_by": _user(scope)},
        )
        made += int(created)
    audit_record(
        scope=scope,
        action=actions.DEDUP_NOT_DUPLICATES,
        target=people[0],
        data={"kind": kind, "ids": [p.pk for p in people], "pairs_added": made},
    )
    return made


# --- teachers ----------------------------------------------------------------------------------


@transaction.atomic
def teachers_merge(
    *, scope: Scope, keeper: Teacher, others: Iterable[Teacher], batch: uuid.UUID | None = None
) -> MergeResult:
    """Merge teacher accounts: classrooms (primary and co-taught), site license access and the
    login move to the keeper; the others are soft-deleted and linked. Hard enforcement applies
    when the keeper gains access its own classrooms did not have (R4, R8)."""
    require_role(scope, *ADMIN_ROLES, doing="merge teachers")
    keeper = get_teacher_for(scope, keeper.pk)
    others = [get_teacher_for(scope, o.pk) for o in others]
    other_ids = [o.pk for o in others]
    _check_group(keeper.pk, other_ids)
    locked = {
        t.pk: t for t in Teacher.objects.select_for_update().filter(pk__in=[keeper.pk, *other_ids])
    }
    for t in locked.values():
        if t.deleted_at is not None:
            raise Conflict(f"Teacher {t.pk} ({t}) is deleted; restore it before merging.")
    d = keeper.district_id
    primary = [
        [cid, tid]
        for cid, tid in Classroom.objects.filter(district_id=d, primary_teacher_id__in=other_ids)
        .order_by("id")
        .values_list("id", "primary_teacher_id")
    ]
    keeper_rooms = set(
        Classroom.objects.filter(district_id=d, primary_teacher_id=keeper.pk).values_list(
            "id", flat=True
        )
    ) | {c for c, _ in primary}
    keeper_rooms |= set(
        ClassroomTeacher.objects.filter(district_id=d, teacher_id=keeper.pk).values_list(
            "classroom_id", flat=True
        )
    )
    co: list[list[int]] = []
    for rid, tid, cid in (
        ClassroomTeacher.objects.filter(district_id=d, teacher_id__in=other_ids)
        .order_by("id")
        .values_list("id", "teacher_id", "classroom_id")
    ):
        if cid not in keeper_rooms:
            keeper_rooms.add(cid)
            co.append([rid, tid])
    on_products = set(
        TeacherAccess.objects.filter(district_id=d, teacher_id__in=other_ids, on=True).values_list(
            "product_id", flat=True
        )
    )
    access: list[dict[str, Any]] = []
    for row in TeacherAccess.objects.filter(district_id=d, teacher_id=keeper.pk):
        if row.product_id in on_products and not row.on:
            access.append({"id": row.pk, "on": False})
    missing = on_products - set(
        TeacherAccess.objects.filter(district_id=d, teacher_id=keeper.pk).values_list(
            "product_id", flat=True
        )
    )
    user_move = None
    with seat_change(district_id=d):  # the keeper gaining access can license classrooms
        Classroom.objects.filter(pk__in=[c for c, _ in primary]).update(
            primary_teacher_id=keeper.pk
        )
        ClassroomTeacher.objects.filter(pk__in=[r for r, _ in co]).update(teacher_id=keeper.pk)
        TeacherAccess.objects.filter(pk__in=[a["id"] for a in access]).update(on=True)
        created = TeacherAccess.objects.bulk_create(
            [
                TeacherAccess(district_id=d, teacher_id=keeper.pk, product_id=p, on=True)
                for p in missing
            ]
        )
        for c in created:
            access.append({"id": c.pk, "on": None})
        if locked[keeper.pk].user_id is None:
            donor = next((locked[o] for o in other_ids if locked[o].user_id is not None), None)
            if donor is not None:
                user_move = [donor.pk, donor.user_id]
                Teacher.objects.filter(pk=donor.pk).update(user_id=None)
                Teacher.objects.filter(pk=keeper.pk).update(user_id=user_move[1])
        Teacher.objects.filter(pk__in=other_ids).update(
            deleted_at=timezone.now(), merged_into_id=keeper.pk
        )
    merge = Merge.objects.create(
        district_id=d,
        kind=Kind.TEACHER,
        keeper_id=keeper.pk,
        other_ids=other_ids,
        batch=batch,
        created_by=_user(scope),
        undo={"primary": primary, "co": co, "access": access, "user": user_move},
    )
    audit_record(
        scope=scope,
        action=actions.DEDUP_TEACHERS_MERGED,
        target=keeper,
        batch=batch,
        data={
            "merge_id": merge.pk,
            "keeper": keeper.pk,
            "others": other_ids,
            "classrooms_moved": len(primary),
            "co_taught_moved": len(co),
            "access_turned_on": len(access),
        },
    )
    return MergeResult(merge, keeper.pk, tuple(other_ids), 0, len(primary) + len(co), 0)


@transaction.atomic
def teachers_merge_undo(*, scope: Scope, merge: Merge) -> None:
    """Put classrooms, co-teaching, access and the login back; restore the merged accounts."""
    require_role(scope, *ADMIN_ROLES, doing="undo merges")
    merge = _lock_undo(get_merge_for(scope, merge.pk, Kind.TEACHER))
    undo, others = merge.undo, [int(o) for o in merge.other_ids]
    if Teacher.objects.filter(
        pk__in=others, merged_into_id=merge.keeper_id, deleted_at__isnull=False
    ).count() != len(others):
        raise Conflict("A merged account was restored or changed since; undo it by hand.")
    with seat_change(district_id=merge.district_id):
        for cid, tid in undo["primary"]:
            Classroom.objects.filter(pk=cid, primary_teacher_id=merge.keeper_id).update(
                primary_teacher_id=tid
            )
        for rid, tid in undo["co"]:
            ClassroomTeacher.objects.filter(pk=rid).update(teacher_id=tid)
        for a in undo["access"]:
            if a["on"] is None:
                TeacherAccess.objects.filter(pk=a["id"]).delete()
            else:
                TeacherAccess.objects.filter(pk=a["id"]).update(on=a["on"])
        if undo.get("user"):
            donor, user_id = undo["user"]
            Teacher.objects.filter(pk=merge.keeper_id).update(user_id=None)
            Teacher.objects.filter(pk=donor).update(user_id=user_id)
        Teacher.objects.filter(pk__in=others).update(deleted_at=None, merged_into_id=None)
    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_at"])
    audit_record(
        scope=scope,
        action=actions.DEDUP_TEACHERS_MERGE_UNDONE,
        target=Teacher.objects.get(pk=merge.keeper_id),
        data={"merge_id": merge.pk, "others": others},
    )


# --- issue 17.9: merge every certain group at once, with one undo ------------------------------

CERTAIN_SCORE = 0.99
CERTAIN_EVIDENCE = (
    frozenset({"same student number"}),
    frozenset({"same first name", "same last name", "same date of birth"}),
)


def is_certain(group: dict[str, Any]) -> bool:
    """A "certain" group (the district page merges them all at once): it scores at least
    CERTAIN_SCORE and its accounts share the student number, or the exact name and birth
    date. Nicknames, typos and transposed dates stay for a person to review."""
    evidence = set(group.get("evidence", ()))
    return float(group.get("score", 0)) >= CERTAIN_SCORE and any(
        need <= evidence for need in CERTAIN_EVIDENCE
    )


@dataclass(frozen=True)
class BatchMergeResult:
    batch: uuid.UUID | None
    merges: int
    seats_freed: int
    skipped: int  # groups whose accounts changed since the run (deleted, merged, out of scope)


@transaction.atomic
def students_merge_certain(*, scope: Scope, groups: Iterable[dict[str, Any]]) -> BatchMergeResult:
    """Merge every certain group (`is_certain`) into its suggested keeper, all in one
    audit batch (so `students_merge_batch_undo` puts every one back). Groups (the detection
    run's JSON shape) whose accounts were deleted or left the scope since are skipped."""
    require_role(scope, *ADMIN_ROLES, doing="merge students")
    certain = [g for g in groups if is_certain(g)]
    merges = freed = skipped = 0
    with audit_batch() as batch:
        for g in certain:
            keeper_id = int(g["keeper"])
            other_ids = [int(a["id"]) for a in g["accounts"] if int(a["id"]) != keeper_id]
            try:
                keeper = get_student_for(scope, keeper_id)
                others = [get_student_for(scope, i) for i in other_ids]
            except NotFound:
                skipped += 1
                continue
            if any(s.deleted_at is not None for s in (keeper, *others)) or not others:
                skipped += 1
                continue
            result = students_merge(scope=scope, keeper=keeper, others=others, batch=batch)
            merges += 1
            freed += result.seats_freed
        if merges:
            audit_record(
                scope=scope,
                action=actions.DEDUP_CERTAIN_MERGED,
                target=None,
                batch=batch,
                data={
                    "batch": str(batch),
                    "merges": merges,
                    "seats_freed": freed,
                    "skipped": skipped,
                },
            )
    return BatchMergeResult(batch if merges else None, merges, freed, skipped)


@transaction.atomic
def students_merge_batch_undo(*, scope: Scope, batch: uuid.UUID) -> int:
    """Undo every merge of one batch, newest first, all or nothing (each undo refuses when an
    account changed since, and then nothing is undone)."""
    require_role(scope, *ADMIN_ROLES, doing="undo merges")
    merges = list(
        Merge.objects.filter(
            district_id=scope.require_district(),
            kind=Kind.STUDENT,
            batch=batch,
            undone_at__isnull=True,
        ).order_by("-id")
    )
    if not merges:
        raise Conflict("Those merges were already undone.")
    with audit_batch():
        for m in merges:
            students_merge_undo(scope=scope, merge=m)
        audit_record(
            scope=scope,
            action=actions.DEDUP_CERTAIN_UNDONE,
            target=None,
            data={"batch": str(batch), "merges": len(merges)},
        )
    return len(merges)
