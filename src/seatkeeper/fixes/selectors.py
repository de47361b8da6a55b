"""Fix-plan reads: gather the planner's input in bulk, and fetch saved plans by scope.

Seats come only from `seats.selectors`: usage_for_district (the ledger's counters) for the
figures, licensed_enrollments for the rows the planner's what-if model replays, the ledger's
Seat rows for second seats (R6) and duplicates' seats; nothing here counts seats.
Duplicate groups come from the de-dup feature when it is installed (lazy import).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Max, Q
from django.utils import timezone

from seatkeeper.errors import NotFound
from seatkeeper.fixes import planner as P
from seatkeeper.fixes.models import FixPlan
from seatkeeper.orgs.models import District, Product
from seatkeeper.orgs.scoping import ADMIN_ROLES, Scope, can_manage_district, require_role
from seatkeeper.roster.models import Classroom, Enrollment, Student, Teacher
from seatkeeper.seats.counting import DistrictUsage
from seatkeeper.seats.selectors import (
    licensed_classroom_q,
    licensed_enrollments,
    seats_of_students,
    second_seat_schools,
    usage_for_district,
)

log = logging.getLogger(__name__)


def _day(value: dt.datetime | None, tz: Any = None) -> dt.date | None:
    if value is None:
        return None
    return value.astimezone(tz or timezone.get_current_timezone()).date()


RUN_MAX_AGE = dt.timedelta(hours=24)


def _duplicates(scope: Scope, district: District, short: Iterable[int]) -> tuple[P.DupGroup, ...]:
    """Duplicate groups at the short schools: from a district-wide de-dup run finished in the
    last 24 hours when there is one (the background job), else detected now."""
    try:
        from seatkeeper.dedup.models import DetectionRun, Kind, RunStatus
        from seatkeeper.dedup.selectors import student_duplicate_groups
    except ImportError:  # the de-dup feature is not installed: skip the merge step
        return ()
    run = (
        DetectionRun.objects.filter(
            district=district,
            kind=Kind.STUDENT,
            status=RunStatus.DONE,
            school_ids__isnull=True,
            min_score__isnull=True,
            finished_at__gte=timezone.now() - RUN_MAX_AGE,
        )
        .order_by("-finished_at")
        .first()
    )
    if run is not None and run.result:
        groups = [
            P.DupGroup(
                student_ids=tuple(a["id"] for a in g["accounts"]),
                keeper_id=g["keeper"],
                score=g["score"],
                evidence=tuple(g["evidence"]),
            )
            for g in run.result.get("groups", [])
        ]
        ids = [i for g in groups for i in g.student_ids]
        short = set(short)
        home: dict[int, int | None] = {}
        gone: set[int] = set()
        for i in range(0, len(ids), 5000):
            for pk, school, deleted in Student.objects.filter(
                district=district, pk__in=ids[i : i + 5000]
            ).values_list("id", "school_id", "deleted_at"):
                home[pk] = school
                if deleted is not None:
                    gone.add(pk)
        return tuple(
            g
            for g in groups
            if not gone & set(g.student_ids) and any(home.get(i) in short for i in g.student_ids)
        )
    groups_now = student_duplicate_groups(scope=scope, district=district, school_ids=sorted(short))
    return tuple(
        P.DupGroup(
            student_ids=tuple(g.student_ids),
            keeper_id=g.keeper_id,
            score=g.score,
            evidence=tuple(g.evidence),
        )
        for g in groups_now
    )


def planner_input(
    *,
    scope: Scope,
    district: District,
    product: Product,
    school_ids: Iterable[int] | None = None,
    kinds: Iterable[str] | None = None,
    duplicates: Iterable[P.DupGroup] | None = None,
) -> tuple[P.PlannerInput, DistrictUsage, list[int]]:
    """Everything the planner needs for one product, in a handful of bulk queries.

    The one loader: plan time and apply time call it with the same arguments (a saved plan
    keeps its targets, kinds and duplicate groups), so on an unchanged roster they load the
    same input by construction. `duplicates` None means "detect them now" (plan time).

    Rows are loaded for the short target schools, plus the schools of every licensed
    classroom of their teachers (switching a teacher off frees seats there too), the schools
    where their R6 students hold their other seat, and those of the duplicate groups'
    accounts. Returns the input, the usage and the loaded school ids.
    """
    require_role(scope, *ADMIN_ROLES, doing="plan overallocation fixes")
    d, p = district.pk, product.pk
    usage = usage_for_district(scope=scope, district=district, product=product)
    targets = frozenset(school_ids) if school_ids is not None else None
    if targets is None and scope.school_ids is not None:
        targets = frozenset(scope.school_ids)
    short = {
        s.id for s in usage.schools if s.overallocated and (targets is None or s.id in targets)
    }
    kinds = set(P.TIER) if kinds is None else set(kinds) & set(P.TIER)
    school_facts = tuple(
        P.SchoolFacts(s.id, s.name, s.sourced_id, s.allocated, s.school_purchased, s.used)
        for s in usage.schools
    )
    if short:  # schools that seat moves alone fix need no roster rows (same pure rule)
        seats_only = P.PlannerInput(
            today=usage.on,
            schools=school_facts,
            rows=(),
            classrooms={},
            pool_unallocated=max(0, usage.unallocated),
            targets=targets,
            allow_allocation=can_manage_district(scope),
            kinds=frozenset(kinds),
        )
        state, _ = P.simulate(
            seats_only,
            P.seat_actions(
                seats_only, {f.id: f.used - f.capacity for f in school_facts if f.id in short}
            ),
        )
        short = {s for s in short if state.used[s] > state.capacity[s]}
    if duplicates is not None:
        dups = tuple(duplicates)
    elif short and P.MERGE_DUPLICATES in kinds:
        dups = _duplicates(scope, district, short)
    else:
        dups = ()
    live = {f.id for f in school_facts}
    teachers = set(
        Classroom.objects.filter(licensed_classroom_q(p), district_id=d, school_id__in=short)
        .values_list("primary_teacher_id", flat=True)
        .distinct()
    )
    loaded = set(short)
    loaded |= set(
        Classroom.objects.filter(
            licensed_classroom_q(p), district_id=d, primary_teacher_id__in=teachers
        )
        .order_by()
        .values_list("school_id", flat=True)
        .distinct()
    )
    group_students = {i for g in dups for i in g.student_ids}
    loaded |= second_seat_schools(district_id=d, product_id=p, school_ids=short)
    if group_students:
        for held in seats_of_students(district_id=d, student_ids=group_students).values():
            loaded |= {school for school, prod in held if prod == p}
    loaded &= live
    # Rows only of the students a step can touch: those in a licensed classroom of the short
    # schools' teachers (every holder at a short school is one) and the duplicate groups'
    # accounts, with all their rows at the loaded schools (their other seats, R6). Nobody
    # else's seat can move, and their counts come from the ledger (`used`), so loading them
    # would only cost time (bench_ledger planner).
    mine = Q(classroom__primary_teacher_id__in=teachers)
    got = list(
        licensed_enrollments(district_id=d, product_id=p, school_ids=loaded)
        .filter(mine)
        .order_by()
        .values_list("student_id", "classroom_id")
    )
    movable = {s for s, _ in got} | group_students
    got += [  # their other rows (R6 second seats), in one pass over the other loaded schools
        r
        for r in licensed_enrollments(district_id=d, product_id=p, school_ids=loaded - short)
        .exclude(mine)
        .order_by()
        .values_list("student_id", "classroom_id")
        .iterator(chunk_size=5000)
        if r[0] in movable
    ]
    rows = tuple(got)
    in_rows = {c for _, c in rows}
    classrooms = {}
    for r in Classroom.objects.filter(
        licensed_classroom_q(p), district_id=d, school_id__in=loaded
    ).values(
        "id",
        "school_id",
        "name",
        "primary_teacher_id",
        "term__ends_on",
        "last_activity_at",
        "created_at",
    ):
        if r["id"] in in_rows or r["school_id"] in short or r["primary_teacher_id"] in teachers:
            classrooms[r["id"]] = r
    enrolled = dict(
        Enrollment.objects.filter(district_id=d, classroom__school_id__in=short)
        .values("classroom_id")
        .annotate(n=Count("id"))
        .values_list("classroom_id", "n")
    )
    class_facts = {
        pk: P.ClassroomFacts(
            id=pk,
            school_id=r["school_id"],
            name=r["name"],
            teacher_id=r["primary_teacher_id"],
            enrolled=enrolled.get(pk, 0),
            term_ends_on=r["term__ends_on"],
            last_activity_on=_day(r["last_activity_at"]),
            created_on=_day(r["created_at"]),
        )
        for pk, r in classrooms.items()
    }
    tids = {c.teacher_id for c in class_facts.values()}
    last_by_teacher = dict(
        Classroom.objects.filter(district_id=d, primary_teacher_id__in=tids)
        .values("primary_teacher_id")
        .annotate(last=Max("last_activity_at"))
        .values_list("primary_teacher_id", "last")
    )
    teacher_facts = {
        t["id"]: P.TeacherFacts(
            id=t["id"],
            name=f"{t['first_name']} {t['last_name']}".strip(),
            last_activity_on=_day(last_by_teacher.get(t["id"])),
        )
        for t in Teacher.objects.filter(district_id=d, pk__in=tids).values(
            "id", "first_name", "last_name"
        )
    }
    # Facts only for students a step could name: long inactive (by the district threshold),
    # counted at two schools (R6), or in a duplicate group; everyone else only counts.
    cutoff = timezone.now() - dt.timedelta(days=district.inactive_student_days)
    seat_schools: dict[int, set[int]] = {}
    school_of = {pk: r["school_id"] for pk, r in classrooms.items()}
    for sid, cid in rows:
        seat_schools.setdefault(sid, set()).add(school_of[cid])
    wanted = {sid for sid, sch in seat_schools.items() if len(sch) > 1} | group_students
    seat_students = {sid for sid, _ in rows}
    inactive_q = Q(last_sign_in_at__lt=cutoff) | Q(
        last_sign_in_at__isnull=True, created_at__lt=cutoff
    )
    tz = timezone.get_current_timezone()
    fields = ("id", "first_name", "last_name", "school_id", "last_sign_in_at", "created_at")
    found = [  # the district's inactive students, kept where they hold a loaded seat
        r
        for r in Student.objects.filter(inactive_q, district_id=d, deleted_at__isnull=True)
        .order_by()
        .values(*fields)
        .iterator(chunk_size=5000)
        if r["id"] in seat_students
    ]
    have = {r["id"] for r in found}
    ids = sorted(wanted - have)
    for i in range(0, len(ids), 5000):
        found += Student.objects.filter(district_id=d, pk__in=ids[i : i + 5000]).values(*fields)
    student_facts = {
        s["id"]: P.StudentFacts(
            id=s["id"],
            name=f"{s['first_name']} {s['last_name']}".strip(),
            home_school_id=s["school_id"],
            last_sign_in_on=_day(s["last_sign_in_at"], tz),
            created_on=_day(s["created_at"], tz),
        )
        for s in found
    }
    inp = P.PlannerInput(
        today=usage.on,
        schools=school_facts,
        rows=rows,
        classrooms=class_facts,
        teachers=teacher_facts,
        students=student_facts,
        duplicates=dups,
        pool_unallocated=max(0, usage.unallocated),
        stale_days=district.stale_classroom_days,
        inactive_days=district.inactive_student_days,
        targets=targets,
        allow_allocation=can_manage_district(scope),
        kinds=frozenset(kinds),
    )
    return inp, usage, sorted(loaded)


def get_fix_plan_for(scope: Scope, pk: Any) -> FixPlan:
    """A plan of the scope's district whose schools the scope covers (else NotFound)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(f"No fix plan {pk!r}.") from None
    plan = (
        FixPlan.objects.filter(district_id=scope.require_district(), pk=pk)
        .select_related("product")
        .first()
    )
    if plan is None:
        raise NotFound(f"No fix plan {pk}.")
    if scope.school_ids is not None:
        ids = set(plan.school_ids or [])
        if not ids or not ids <= set(scope.school_ids):
            raise NotFound(f"No fix plan {pk}.")
    return plan
