"""De-dup reads: duplicate groups of students and teachers, with in-use figures and seats freed.

Each group says which account is in use (last sign-in, activity, enrollments, seats held), the
recommended keeper, and the seats a merge frees, counted from the seat
ledger (`seats.selectors.seats_of_students`; R1: one seat per student, school and product; R3:
duplicates each take one; after a merge the keeper holds the union of the group's seats,
`seats.whatif.freed_by_merge`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q

from seatkeeper.dedup import matching
from seatkeeper.dedup.models import Kind, NotDuplicate
from seatkeeper.errors import InvalidInput
from seatkeeper.orgs.models import District
from seatkeeper.orgs.scoping import ADMIN_ROLES, Scope, get_school_for, require_role
from seatkeeper.roster.models import (
    ActivityKind,
    Classroom,
    ClassroomTeacher,
    Enrollment,
    Student,
    StudentActivity,
    Teacher,
)
from seatkeeper.roster.scoping import teachers_visible
from seatkeeper.seats.models import TeacherAccess
from seatkeeper.seats.selectors import seats_of_students
from seatkeeper.seats.whatif import freed_by_merge

Progress = Callable[[int, int], None]
CHUNK = 5000
TEACHER_PRIOR = -5.0  # teachers are few per school and have no birth date: names carry more


@dataclass(frozen=True)
class Account:
    id: int
    sourced_id: str
    first_name: str
    last_name: str
    in_use: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sourced_id": self.sourced_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "in_use": self.in_use,
        }


@dataclass(frozen=True)
class PossibleMember:
    """An account linked to a group only below the threshold (issue 14.1): shown apart, not
    merged with the group, with the score and evidence of its best link."""

    account: Account
    score: float
    linked_to: int
    evidence: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "account": self.account.as_dict(),
            "score": self.score,
            "linked_to": self.linked_to,
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True)
class DuplicateGroup:
    """Accounts of one student: score 0..1, evidence in words, keeper and seats a merge frees."""

    score: float
    student_ids: tuple[int, ...]
    keeper_id: int
    evidence: tuple[str, ...]
    seats_freed: int
    accounts: tuple[Account, ...] = field(default=(), compare=False)
    pairs: tuple[matching.Link, ...] = field(default=(), compare=False)
    possible: tuple[PossibleMember, ...] = field(default=(), compare=False)

    @property
    def ids(self) -> tuple[int, ...]:
        return self.student_ids

    def as_dict(self) -> dict[str, Any]:
        return _group_dict(self)


@dataclass(frozen=True)
class TeacherDuplicateGroup:
    """Accounts of one teacher; merging frees no seat (seats are students'), so seats_freed=0."""

    score: float
    teacher_ids: tuple[int, ...]
    keeper_id: int
    evidence: tuple[str, ...]
    seats_freed: int = 0
    accounts: tuple[Account, ...] = field(default=(), compare=False)
    pairs: tuple[matching.Link, ...] = field(default=(), compare=False)
    possible: tuple[PossibleMember, ...] = field(default=(), compare=False)

    @property
    def ids(self) -> tuple[int, ...]:
        return self.teacher_ids

    def as_dict(self) -> dict[str, Any]:
        return _group_dict(self)


def _group_dict(g: DuplicateGroup | TeacherDuplicateGroup) -> dict[str, Any]:
    return {
        "score": g.score,
        "accounts": [a.as_dict() for a in g.accounts],
        "keeper": g.keeper_id,
        "evidence": list(g.evidence),
        "seats_freed": g.seats_freed,
        # issue 14.1 (added keys): each certain link with its own evidence, and the accounts
        # linked only below the threshold, apart (never part of "accounts" or a merge)
        "pairs": [
            {"ids": list(p.ids), "score": p.score, "evidence": list(p.evidence)} for p in g.pairs
        ],
        "possible": [p.as_dict() for p in g.possible],
    }


def _possible(m: matching.Match, account: Callable[[int], Account]) -> tuple[PossibleMember, ...]:
    return tuple(
        PossibleMember(account(p.id), p.score, p.linked_to, p.evidence) for p in m.possible
    )


def _all_ids(matches: Iterable[matching.Match]) -> list[int]:
    return sorted({i for m in matches for i in (*m.ids, *(p.id for p in m.possible))})


def groups_as_dict(
    district: District, groups: Iterable[DuplicateGroup | TeacherDuplicateGroup]
) -> dict[str, Any]:
    """The `--json` / API contract: {"district", "groups": [...]} sorted by score."""
    return {"district": district.slug, "groups": [g.as_dict() for g in groups]}


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _threshold(min_score: float | None) -> float:
    if min_score is None:
        return matching.DEFAULT_THRESHOLD
    if not 0.0 <= float(min_score) <= 1.0:
        raise InvalidInput("min_score must be between 0 and 1")
    return float(min_score)


def scope_school_ids(scope: Scope, school_ids: Iterable[int] | None) -> frozenset[int] | None:
    if school_ids is None:
        return scope.school_ids
    return frozenset(get_school_for(scope, s).pk for s in school_ids)


def excluded_pairs(district_id: int, kind: str) -> set[frozenset[int]]:
    rows = NotDuplicate.objects.filter(district_id=district_id, kind=kind)
    return {frozenset(p) for p in rows.values_list("low_id", "high_id")}


# --- students ----------------------------------------------------------------------------------


STUDENT_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "middle_name",
    "preferred_first_name",
    "date_of_birth",
    "grade",
    "student_number",
    "email",
    "username",
    "school_id",
)


def _student_people(district_id: int, school_ids: frozenset[int] | None) -> list[matching.Person]:
    qs = Student.objects.filter(district_id=district_id, deleted_at__isnull=True)
    if school_ids is not None:
        enrolled = Enrollment.objects.filter(
            district_id=district_id, classroom__school_id__in=school_ids
        ).values("student_id")
        qs = qs.filter(Q(school_id__in=school_ids) | Q(pk__in=enrolled))
    people = []
    for row in qs.order_by("id").values_list(*STUDENT_COLUMNS).iterator(chunk_size=5000):
        (pk, first, last, middle, pref, dob, grade, number, email, username, school) = row
        people.append(
            matching.Person(
                id=pk,
                first_name=first,
                last_name=last,
                middle_name=middle,
                preferred_first_name=pref,
                date_of_birth=dob,
                grade=grade,
                number=number,
                email=email,
                username=username,
                school_id=school,
            )
        )
    return people


def student_seats(district_id: int, ids: list[int]) -> dict[int, set[tuple[int, int]]]:
    """(school, product) seats each student holds now (R1), from the seat ledger."""
    return seats_of_students(district_id=district_id, student_ids=ids)


def seats_freed_by_merge(seats: dict[int, set[tuple[int, int]]], ids: Iterable[int]) -> int:
    """Seats a merge of `ids` frees (the what-if model's rule: the keeper holds the union)."""
    return freed_by_merge(seats, ids)


def student_in_use(district_id: int, ids: list[int]) -> dict[int, dict[str, Any]]:
    """last sign-in, activity count, enrollments and seats held, per student."""
    out: dict[int, dict[str, Any]] = {
        i: {"last_sign_in": None, "activity": 0, "enrollments": 0, "seats": 0} for i in ids
    }
    seats = student_seats(district_id, ids)
    for chunk in _chunks(ids):
        for sid, last in Student.objects.filter(pk__in=chunk).values_list("id", "last_sign_in_at"):
            out[sid]["_last"] = last
        rows = (
            StudentActivity.objects.filter(district_id=district_id, student_id__in=chunk)
            .values("student_id")
            .annotate(n=Count("id"), last=Max("at", filter=Q(kind=ActivityKind.SIGN_IN)))
        )
        for r in rows:
            out[r["student_id"]]["activity"] = r["n"]
            prev = out[r["student_id"]].get("_last")
            if r["last"] is not None and (prev is None or r["last"] > prev):
                out[r["student_id"]]["_last"] = r["last"]
        rows = (
            Enrollment.objects.filter(district_id=district_id, student_id__in=chunk)
            .values("student_id")
            .annotate(n=Count("id"))
        )
        for r in rows:
            out[r["student_id"]]["enrollments"] = r["n"]
    for sid, d in out.items():
        last = d.pop("_last", None)
        d["last_sign_in"] = last.isoformat() if last else None
        d["seats"] = len(seats.get(sid, ()))
    return out


def _keeper_key(in_use: dict[str, Any], sourced: str, pk: int) -> tuple[Any, ...]:
    last = in_use.get("last_sign_in") or in_use.get("last_login") or ""
    return (
        last,
        in_use.get("activity", 0),
        in_use.get("enrollments", 0) + in_use.get("classrooms", 0),
        in_use.get("seats", 0) + in_use.get("access_on", 0),
        bool(sourced),
        -pk,
    )


def recommend_keeper(accounts: Iterable[Account]) -> int:
    """The account in use: latest sign-in, then activity, enrollments, seats, rostered, oldest."""
    return max(accounts, key=lambda a: _keeper_key(a.in_use, a.sourced_id, a.id)).id


def student_duplicate_groups(
    *,
    scope: Scope,
    district: District,
    school_ids: Iterable[int] | None = None,
    min_score: float | None = None,
    progress: Progress | None = None,
) -> list[DuplicateGroup]:
    """Duplicate student groups in the scope (one school, several, or the district), by score.

    Pairs marked "not duplicates" are never suggested. Admins only (domain.md roles).
    """
    require_role(scope, *ADMIN_ROLES, doing="look for duplicate students")
    threshold = _threshold(min_score)
    schools = scope_school_ids(scope, school_ids)
    people = _student_people(district.pk, schools)
    matches = matching.find_groups(
        people,
        threshold=threshold,
        excluded=excluded_pairs(district.pk, Kind.STUDENT),
        progress=progress,
    )
    ids = _all_ids(matches)
    in_use = student_in_use(district.pk, ids)
    seats = student_seats(district.pk, ids)
    info = {
        r[0]: r[1:]
        for chunk in _chunks(ids)
        for r in Student.objects.filter(pk__in=chunk).values_list(
            "id", "sourced_id", "first_name", "last_name"
        )
    }
    out = []
    for m in matches:
        accounts = tuple(Account(i, *info[i], in_use=in_use[i]) for i in m.ids)
        out.append(
            DuplicateGroup(
                score=m.score,
                student_ids=m.ids,
                keeper_id=recommend_keeper(accounts),
                evidence=m.evidence,
                seats_freed=seats_freed_by_merge(seats, m.ids),
                accounts=accounts,
                pairs=m.pairs,
                possible=_possible(m, lambda i: Account(i, *info[i], in_use=in_use[i])),
            )
        )
    return out


# --- teachers ----------------------------------------------------------------------------------


def _teacher_people(scope: Scope, schools: frozenset[int] | None) -> list[matching.Person]:
    qs = Teacher.objects.filter(teachers_visible(scope), deleted_at__isnull=True)
    if schools is not None:
        qs = qs.filter(
            Q(school_id__in=schools) | Q(primary_classrooms__school_id__in=schools)
        ).distinct()
    return [
        matching.Person(id=pk, first_name=f, last_name=la, email=e, username=u, school_id=s)
        for pk, f, la, e, u, s in qs.order_by("id").values_list(
            "id", "first_name", "last_name", "email", "username", "school_id"
        )
    ]


def teacher_in_use(district_id: int, ids: list[int]) -> dict[int, dict[str, Any]]:
    """last sign-in (login), classrooms taught as primary, co-taught, products with access ON."""
    out: dict[int, dict[str, Any]] = {
        i: {"last_sign_in": None, "classrooms": 0, "co_taught": 0, "access_on": 0} for i in ids
    }
    for pk, last in Teacher.objects.filter(pk__in=ids).values_list("id", "user__last_login"):
        out[pk]["last_sign_in"] = last.isoformat() if isinstance(last, dt.datetime) else None
    for r in (
        Classroom.objects.filter(district_id=district_id, primary_teacher_id__in=ids)
        .filter(deleted_at__isnull=True)
        .values("primary_teacher_id")
        .annotate(n=Count("id"))
    ):
        out[r["primary_teacher_id"]]["classrooms"] = r["n"]
    for r in (
        ClassroomTeacher.objects.filter(district_id=district_id, teacher_id__in=ids)
        .values("teacher_id")
        .annotate(n=Count("id"))
    ):
        out[r["teacher_id"]]["co_taught"] = r["n"]
    for r in (
        TeacherAccess.objects.filter(district_id=district_id, teacher_id__in=ids, on=True)
        .values("teacher_id")
        .annotate(n=Count("id"))
    ):
        out[r["teacher_id"]]["access_on"] = r["n"]
    return out


def teacher_duplicate_groups(
    *,
    scope: Scope,
    district: District,
    school_ids: Iterable[int] | None = None,
    min_score: float | None = None,
    progress: Progress | None = None,
) -> list[TeacherDuplicateGroup]:
    """Duplicate teacher accounts (a personal and a school email, name variants)."""
    require_role(scope, *ADMIN_ROLES, doing="look for duplicate teachers")
    threshold = _threshold(min_score)
    people = _teacher_people(scope, scope_school_ids(scope, school_ids))
    matches = matching.find_groups(
        people,
        threshold=threshold,
        excluded=excluded_pairs(district.pk, Kind.TEACHER),
        progress=progress,
        prior=TEACHER_PRIOR,
    )
    ids = _all_ids(matches)
    in_use = teacher_in_use(district.pk, ids)
    info = {
        r[0]: r[1:]
        for r in Teacher.objects.filter(pk__in=ids).values_list(
            "id", "sourced_id", "first_name", "last_name"
        )
    }
    out = []
    for m in matches:
        accounts = tuple(Account(i, *info[i], in_use=in_use[i]) for i in m.ids)
        out.append(
            TeacherDuplicateGroup(
                score=m.score,
                teacher_ids=m.ids,
                keeper_id=recommend_keeper(accounts),
                evidence=m.evidence,
                accounts=accounts,
                pairs=m.pairs,
                possible=_possible(m, lambda i: Account(i, *info[i], in_use=in_use[i])),
            )
        )
    return out


# The scorer's prior is a whole district's (thousands of accounts, most pairs unrelated). Within
# one class of a few dozen students, a new account whose name matches, or nearly matches (one
# typo), is far more likely the same child: the warning asks at this lower score (issue 17.4).
IN_CLASS_MIN_SCORE = 0.05


def likely_duplicates_of_new_student(
    *,
    candidates: Iterable[Student],
    first_name: str,
    last_name: str,
    min_score: float | None = None,
) -> list[tuple[Student, float, tuple[str, ...]]]:
    """Accounts among `candidates` that a new student of this name most likely duplicates
    (issue 17.4): the de-dup scorer's score and evidence, best first, at or above the threshold
    `IN_CLASS_MIN_SCORE` unless told otherwise."""
    threshold = _threshold(IN_CLASS_MIN_SCORE if min_score is None else min_score)
    new = matching.Person(id=0, first_name=first_name.strip(), last_name=last_name.strip())
    out = []
    for s in candidates:
        score, evidence = matching.pair_score(
            new,
            matching.Person(
                id=s.pk,
                first_name=s.first_name,
                last_name=s.last_name,
                middle_name=s.middle_name,
                preferred_first_name=s.preferred_first_name,
                school_id=s.school_id,
            ),
        )
        if score >= threshold:
            out.append((s, score, evidence))
    return sorted(out, key=lambda r: -r[1])


def account_schools(*, district_id: int, kind: str, ids: Iterable[int]) -> dict[int, str]:
    """issue 17.9: the home school's name of each account (students or teachers), one query."""
    model = Teacher if kind == "teachers" else Student
    return {
        pk: name or ""
        for pk, name in model.objects.filter(district_id=district_id, pk__in=list(ids)).values_list(
            "pk", "school__name"
        )
    }
