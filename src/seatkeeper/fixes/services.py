"""Fix-plan writes: make a plan, preview a selection of its steps, apply it, undo it.

Apply runs the chosen steps in ONE transaction through the existing services (allocations,
access, classrooms, un-enrolls, merges), so every rule, scope check and audit row is theirs; the
audit rows of one apply share a batch uuid. Apply refuses ("roster changed, make a fresh plan")
when the digest of the state the plan touches changed since the preview, and checks after the
steps that the counts are exactly the preview's (else it rolls back). Undo replays the inverse
of every applied action in reverse order (enrollments come back with the same ids).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from django.db import transaction
from django.utils import timezone

from seatkeeper.audit import actions as codes
from seatkeeper.audit.services import audit_batch, audit_record
from seatkeeper.errors import Conflict, invalid
from seatkeeper.fixes import planner as P
from seatkeeper.fixes.models import FixPlan, PlanStatus
from seatkeeper.fixes.selectors import planner_input
from seatkeeper.orgs.models import District, Product, School
from seatkeeper.orgs.scoping import Scope, get_school_for
from seatkeeper.roster import services as roster
from seatkeeper.roster.models import Classroom, Enrollment, Student
from seatkeeper.roster.scoping import get_classroom_for, get_student_for, get_teacher_for
from seatkeeper.roster.services import access_set
from seatkeeper.roster.services._common import enrollment_rows
from seatkeeper.seats import services as lic
from seatkeeper.seats.models import Allocation
from seatkeeper.seats.selectors import default_product, usage_for_district


class PlanStale(Conflict):
    code = "plan_stale"
    title = "The roster changed since this plan was made"


class PlanState(Conflict):
    code = "plan_state"
    title = "This plan cannot do that now"


def _user(scope: Scope) -> Any:
    return scope.user if scope.user is not None and scope.user.pk else None


def plan_as_dict(fix: FixPlan, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `seatkeeper fix plan --json` contract."""
    body = body if body is not None else fix.plan
    return {
        "id": fix.pk,
        "district": body.get("district"),
        "product": body.get("product"),
        "schools": body.get("schools", []),
        "steps": body.get("steps", []),
        "unresolved": body.get("unresolved", []),
    }


def _actions(fix: FixPlan) -> list[list[P.Action]]:
    return [[P.action_from_json(a) for a in step] for step in fix.actions]


@transaction.atomic
def plan_create(
    *,
    scope: Scope,
    district: District,
    product: Product | None = None,
    school_ids: list[int] | None = None,
    kinds: list[str] | None = None,
) -> FixPlan:
    """Plan fixes for every overallocated school in scope (or the given schools) and save it.

    `kinds` limits the step kinds the planner may use (default: all of them)."""
    product = product or default_product(district.pk)
    if product.district_id != district.pk:
        raise invalid("product", "not a product of this district", product.code)
    if school_ids is not None:
        school_ids = sorted({get_school_for(scope, s).pk for s in school_ids})
    if kinds is not None and set(kinds) - set(P.TIER):
        raise invalid("kinds", f"must be among {', '.join(P.STEP_ORDER)}", sorted(kinds))
    inp, _, loaded = planner_input(
        scope=scope, district=district, product=product, school_ids=school_ids, kinds=kinds
    )
    result = P.plan(inp)
    flat = [a for s in result.steps for a in s.actions]
    fix = FixPlan.objects.create(
        district=district,
        product=product,
        school_ids=sorted(inp.targets) if inp.targets is not None else None,
        actions=[[P.action_to_json(a) for a in s.actions] for s in result.steps],
        fingerprint=P.fingerprint(inp, flat),
        facts=P.fingerprint_facts(inp, flat),
        kinds=sorted(kinds) if kinds is not None else None,
        duplicates=[_group_json(g) for g in inp.duplicates],
        loaded_schools=loaded,
        exact=result.exact,
        created_by=_user(scope),
    )
    fix.plan = {"district": district.slug, "product": product.code, **result.as_dict()}
    fix.plan = plan_as_dict(fix)
    fix.save(update_fields=["plan"])
    audit_record(
        scope=scope,
        action=codes.FIX_PLAN_CREATED,
        target=fix,
        label=f"fix plan {fix.pk}: {len(result.steps)} steps, {product.code}",
        data={"new": {"steps": len(result.steps), "unresolved": result.unresolved}},
    )
    return fix


def _group_json(g: P.DupGroup) -> dict[str, Any]:
    return {
        "student_ids": list(g.student_ids),
        "keeper": g.keeper_id,
        "score": g.score,
        "evidence": list(g.evidence),
    }


def _groups(fix: FixPlan) -> list[P.DupGroup]:
    return [
        P.DupGroup(
            student_ids=tuple(g["student_ids"]),
            keeper_id=g["keeper"],
            score=g["score"],
            evidence=tuple(g["evidence"]),
        )
        for g in fix.duplicates
    ]


def _fresh(scope: Scope, fix: FixPlan) -> tuple[P.PlannerInput, list[P.Step]]:
    """Today's input for a saved plan: the same loader with the plan's own arguments (targets,
    kinds, duplicate groups), so an unchanged roster gives the plan-time input. A plan naming a
    school or classroom that is gone is refused as stale, naming it."""
    district = District.objects.get(pk=fix.district_id)
    inp, _, _ = planner_input(
        scope=scope,
        district=district,
        product=fix.product,
        school_ids=fix.school_ids,
        kinds=fix.kinds,
        duplicates=_groups(fix),
    )
    _refuse_if_gone(fix, inp)
    return inp, P.steps_from_json(inp, fix.actions)


def _refuse_if_gone(fix: FixPlan, inp: P.PlannerInput) -> None:
    live = {s.id for s in inp.schools}
    for step in _actions(fix):
        for a in step:
            schools = [a.school_id, *([a.ref[0]] if a.kind == P.MOVE_ALLOCATION else [])]
            for sid in schools:
                if sid not in live:
                    name = School.objects.filter(pk=sid).values_list("name", flat=True).first()
                    raise PlanStale(
                        f"{name or f'A school (id {sid})'} was deleted since this plan was "
                        "made; make a fresh plan. Nothing was changed.",
                        plan=fix.pk,
                        school=sid,
                    )
            if a.kind == P.UNENROLL_STALE_CLASSROOM and a.ref[0] not in inp.classrooms:
                name = Classroom.objects.filter(pk=a.ref[0]).values_list("name", flat=True).first()
                raise PlanStale(
                    f"Classroom {name or a.ref[0]} was archived, deleted or unlicensed since "
                    "this plan was made; make a fresh plan. Nothing was changed.",
                    plan=fix.pk,
                    classroom=a.ref[0],
                )


def what_changed(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The objects whose facts differ between a plan's saved facts and today's, in words."""
    out: list[str] = []
    if not old:
        return ["the roster (this plan was saved before plans recorded what they depend on)"]
    schools = {r[0]: r for r in old.get("schools", [])}
    names = dict(
        School.objects.filter(
            pk__in={r[0] for r in [*old.get("schools", []), *new.get("schools", [])]}
        ).values_list("id", "name")
    )
    for r in new.get("schools", []):
        o = schools.get(r[0])
        if o is None or o != r:
            parts = []
            for i, what in ((1, "allocated"), (2, "school-bought"), (3, "used")):
                if o is None or o[i] != r[i]:
                    parts.append(f"{what} {o[i] if o else '?'} → {r[i]}")
            out.append(f"{names.get(r[0], f'school {r[0]}')}: {', '.join(parts)}")

    def by_student(rows: list[list[int]]) -> dict[int, set[int]]:
        acc: dict[int, set[int]] = {}
        for s, c in rows:
            acc.setdefault(s, set()).add(c)
        return acc

    old_rows, new_rows = by_student(old.get("rows", [])), by_student(new.get("rows", []))
    moved = sorted(s for s in set(old_rows) | set(new_rows) if old_rows.get(s) != new_rows.get(s))
    if moved:
        who = dict(Student.objects.filter(pk__in=moved[:5]).values_list("id", "first_name"))
        last = dict(Student.objects.filter(pk__in=moved[:5]).values_list("id", "last_name"))
        listed = ", ".join(
            f"{who.get(s, '')} {last.get(s, '')}".strip() or f"student {s}" for s in moved[:5]
        )
        more = f" and {len(moved) - 5} more" if len(moved) > 5 else ""
        out.append(f"the licensed enrollments of {listed}{more}")
    for key, what in (
        ("stale", "classrooms no longer stale (or newly stale)"),
        ("classes", "licensed classrooms"),
        ("teachers", "teachers' licensed classrooms"),
        ("inactive", "students who signed in since (or became inactive)"),
        ("home", "students' home schools"),
        ("pool", "the district pool's unallocated seats"),
    ):
        if old.get(key) != new.get(key):
            out.append(what)
    return out or ["the roster"]


def _chosen(fix: FixPlan, steps: list[int] | None) -> list[int]:
    n = len(fix.actions)
    if steps is None:
        return list(range(n))
    bad = [i for i in steps if not isinstance(i, int) or not 0 <= i < n]
    if bad:
        raise invalid("steps", f"must be step numbers from 0 to {n - 1}", bad)
    return sorted(set(steps))


def plan_preview(*, scope: Scope, fix: FixPlan, steps: list[int] | None = None) -> dict[str, Any]:
    """Before/after and seats freed for a selection of the plan's steps, on today's roster
    (unticking a step recomputes through the pure planner, never in the browser)."""
    chosen = _chosen(fix, steps)
    inp, all_steps = _fresh(scope, fix)
    flat = [a for s in all_steps for a in s.actions]
    out = P.describe(inp, all_steps, chosen).as_dict()
    body = plan_as_dict(fix, {**fix.plan, **out})
    body["chosen"] = chosen
    body["stale"] = P.fingerprint(inp, flat) != fix.fingerprint
    if body["stale"]:
        body["changed"] = what_changed(fix.facts, P.fingerprint_facts(inp, flat))
    return body


def _apply_action(scope: Scope, product: Product, a: P.Action, batch: uuid.UUID) -> dict[str, Any]:
    if a.kind == P.ALLOCATE_POOL:
        school = get_school_for(scope, a.ref[0])
        old = (
            Allocation.objects.filter(school=school, product=product)
            .values_list("seats", flat=True)
            .first()
            or 0
        )
        lic.allocation_set(scope=scope, school=school, product=product, seats=old + a.ref[1])
        return {"seats": old}
    if a.kind == P.MOVE_ALLOCATION:
        lic.allocation_move(
            scope=scope,
            product=product,
            from_school=get_school_for(scope, a.ref[0]),
            to_school=get_school_for(scope, a.ref[1]),
            seats=a.ref[2],
        )
        return {}
    if a.kind == P.UNENROLL_STALE_CLASSROOM:
        classroom = get_classroom_for(scope, a.ref[0])
        rows = enrollment_rows(Enrollment.objects.filter(classroom=classroom).order_by("id"))
        roster.classroom_unenroll_all(scope=scope, classroom=classroom)
        roster.classroom_archive(scope=scope, classroom=classroom)
        return {"rows": rows}
    if a.kind in (P.UNENROLL_INACTIVE_STUDENT, P.UNENROLL_SECOND_SCHOOL):
        sid, school_id = a.ref
        narrow = replace(scope, school_ids=frozenset([school_id]))
        get_school_for(scope, school_id)
        student = get_student_for(narrow, sid)
        rows = enrollment_rows(
            Enrollment.objects.filter(student=student, classroom__school_id=school_id).order_by(
                "id"
            )
        )
        roster.student_unenroll(scope=narrow, student=student)
        return {"rows": rows}
    if a.kind == P.MERGE_DUPLICATES:
        from seatkeeper.dedup.services import students_merge

        result = students_merge(
            scope=scope,
            keeper=get_student_for(scope, a.ref[0]),
            others=[get_student_for(scope, o) for o in a.ref[1]],
            batch=batch,
        )
        return {"merge": result.merge.pk}
    if a.kind == P.TEACHER_ACCESS_OFF:
        access_set(scope=scope, teacher=get_teacher_for(scope, a.ref[0]), product=product, on=False)
        return {}
    raise invalid("kind", "unknown step kind", a.kind)


def _undo_action(scope: Scope, product: Product, a: P.Action, data: dict[str, Any]) -> None:
    if a.kind == P.ALLOCATE_POOL:
        school = get_school_for(scope, a.ref[0])
        lic.allocation_set(scope=scope, school=school, product=product, seats=data["seats"])
    elif a.kind == P.MOVE_ALLOCATION:
        lic.allocation_move(
            scope=scope,
            product=product,
            from_school=get_school_for(scope, a.ref[1]),
            to_school=get_school_for(scope, a.ref[0]),
            seats=a.ref[2],
        )
    elif a.kind == P.UNENROLL_STALE_CLASSROOM:
        roster.classroom_restore(scope=scope, classroom=get_classroom_for(scope, a.ref[0]))
        roster.enrollments_restore(scope=scope, rows=data["rows"])
    elif a.kind in (P.UNENROLL_INACTIVE_STUDENT, P.UNENROLL_SECOND_SCHOOL):
        roster.enrollments_restore(scope=scope, rows=data["rows"])
    elif a.kind == P.MERGE_DUPLICATES:
        from seatkeeper.dedup.models import Merge
        from seatkeeper.dedup.services import students_merge_undo

        students_merge_undo(scope=scope, merge=Merge.objects.get(pk=data["merge"]))
    elif a.kind == P.TEACHER_ACCESS_OFF:
        access_set(scope=scope, teacher=get_teacher_for(scope, a.ref[0]), product=product, on=True)


def _lock(fix: FixPlan, status: str, doing: str) -> FixPlan:
    fix = FixPlan.objects.select_for_update().select_related("product").get(pk=fix.pk)
    if fix.status != status:
        raise PlanState(
            f"Fix plan {fix.pk} is {fix.get_status_display().lower()}; it cannot be {doing}."
        )
    return fix


def _counts(scope: Scope, fix: FixPlan) -> dict[int, tuple[int, int]]:
    district = District.objects.get(pk=fix.district_id)
    usage = usage_for_district(scope=scope, district=district, product=fix.product)
    return {s.id: (s.capacity, s.used) for s in usage.schools}


@transaction.atomic
def plan_apply(*, scope: Scope, fix: FixPlan, steps: list[int] | None = None) -> dict[str, Any]:
    """Apply the chosen steps (default: all) in one transaction; returns what was applied."""
    fix = _lock(fix, PlanStatus.DRAFT, "applied")
    chosen = _chosen(fix, steps)
    inp, all_steps = _fresh(scope, fix)
    flat = [a for s in all_steps for a in s.actions]
    if P.fingerprint(inp, flat) != fix.fingerprint:
        changed = what_changed(fix.facts, P.fingerprint_facts(inp, flat))
        raise PlanStale(
            "The roster changed since this plan was previewed ("
            + "; ".join(changed)
            + "); make a fresh plan. Nothing was changed.",
            plan=fix.pk,
            changed=changed,
        )
    expected = P.describe(inp, all_steps, chosen)
    undo = []
    with audit_batch() as batch:
        for i in chosen:
            for a in all_steps[i].actions:
                undo.append([i, P.action_to_json(a), _apply_action(scope, fix.product, a, batch)])
    counts = _counts(scope, fix)
    for row in expected.schools:
        got = counts.get(row["id"])
        want = (row["after"]["capacity"], row["after"]["used"])
        if got != want:
            raise PlanStale(
                f"Applying would give {row['name']} capacity/used {got}, not the previewed "
                f"{want}; make a fresh plan. Nothing was changed.",
                plan=fix.pk,
            )
    body = plan_as_dict(fix, {**fix.plan, **expected.as_dict()})
    fix.status, fix.chosen, fix.undo, fix.batch = PlanStatus.APPLIED, chosen, undo, batch
    fix.applied_at, fix.applied = timezone.now(), body
    fix.save(update_fields=["status", "chosen", "undo", "batch", "applied_at", "applied"])
    audit_record(
        scope=scope,
        action=codes.FIX_PLAN_APPLIED,
        target=fix,
        label=f"fix plan {fix.pk}: {len(chosen)} steps applied",
        batch=batch,
        data={"steps": chosen, "schools": body["schools"], "batch": str(batch)},
    )
    lic.usage_snapshot_take(district=District.objects.get(pk=fix.district_id))  # issue 16.1
    return body


@transaction.atomic
def plan_undo(*, scope: Scope, fix: FixPlan) -> dict[str, Any]:
    """Put back everything the applied plan changed, in reverse order, in one transaction."""
    fix = _lock(fix, PlanStatus.APPLIED, "undone")
    with audit_batch() as batch:
        for _, action, data in reversed(fix.undo):
            _undo_action(scope, fix.product, P.action_from_json(action), data)
    fix.status, fix.undo_batch, fix.undone_at = PlanStatus.UNDONE, batch, timezone.now()
    fix.save(update_fields=["status", "undo_batch", "undone_at"])
    audit_record(
        scope=scope,
        action=codes.FIX_PLAN_UNDONE,
        target=fix,
        label=f"fix plan {fix.pk} undone",
        batch=batch,
        data={"applied_batch": str(fix.batch), "batch": str(batch)},
    )
    counts = _counts(scope, fix)
    return {
        "id": fix.pk,
        "status": fix.status,
        "schools": [
            {
                "id": s["id"],
                "name": s["name"],
                "sourced_id": s["sourced_id"],
                "capacity": counts.get(s["id"], (0, 0))[0],
                "used": counts.get(s["id"], (0, 0))[1],
                "remaining": counts.get(s["id"], (0, 0))[0] - counts.get(s["id"], (0, 0))[1],
            }
            for s in fix.plan.get("schools", [])
        ],
    }
