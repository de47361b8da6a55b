"""The plan: steps in least-disruption order with reasons, before/after, fingerprint."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from seatkeeper.fixes.planner.choose import (
    _days,
    _needs,
    _targets,
    candidates,
    choose,
    coverable_needs,
    exact_choice,
    greedy_choice,
    is_inactive,
    is_stale,
    seat_actions,
)
from seatkeeper.fixes.planner.model import (
    ALLOCATE_POOL,
    EXACT_LIMIT,
    MERGE_DUPLICATES,
    MOVE_ALLOCATION,
    STEP_ORDER,
    TEACHER_ACCESS_OFF,
    TIER,
    UNENROLL_INACTIVE_STUDENT,
    UNENROLL_SECOND_SCHOOL,
    UNENROLL_STALE_CLASSROOM,
    Action,
    Plan,
    PlannerInput,
    Step,
)
from seatkeeper.fixes.planner.state import State, simulate

# --- the plan ----------------------------------------------------------------------------------


def plan(inp: PlannerInput, *, exact: bool | None = None) -> Plan:
    """Choose steps for every short target school, then describe them (see module docstring)."""
    targets = _targets(inp)
    need0 = {s.id: s.used - s.capacity for s in targets if s.used > s.capacity}
    seats = seat_actions(inp, need0)
    state, _ = simulate(inp, seats)
    short = {s for s, n in _needs(state, need0).items() if n > 0}
    cands = candidates(inp, short)
    useful = [a for a in cands if TIER[a.kind] > 0]
    small = exact is True or (exact is None and len(useful) <= EXACT_LIMIT)
    # The greedy reaches the most it can by itself; the exact search needs the bound first.
    need = (
        coverable_needs(inp, seats, cands)
        if small
        else {s: n for s, n in _needs(state, short).items() if n > 0}
    )
    if exact is True:
        chosen, was_exact = exact_choice(inp, seats, cands, need), True
    elif exact is False:
        chosen, was_exact = greedy_choice(inp, seats, cands, need), False
    else:
        chosen, was_exact = choose(inp, seats, cands, need)
    steps = build_steps(inp, [*seats, *chosen])
    out = describe(inp, steps, list(range(len(steps))))
    out.exact = was_exact
    return out


def plan_cost(actions: Iterable[Action]) -> float:
    return sum(a.cost for a in actions)


def build_steps(inp: PlannerInput, actions: Sequence[Action]) -> list[Step]:
    """Group actions into steps in least-disruption order, with objects and reasons."""
    by: dict[tuple[str, Any], list[Action]] = defaultdict(list)
    for a in actions:
        if a.kind in (MERGE_DUPLICATES, UNENROLL_INACTIVE_STUDENT, UNENROLL_SECOND_SCHOOL):
            by[(a.kind, a.school_id)].append(a)
        else:
            by[(a.kind, a.ref)].append(a)
    steps = [_step(inp, kind, acts) for (kind, _), acts in by.items()]
    rank = {k: i for i, k in enumerate(STEP_ORDER)}
    names = {s.id: s.name for s in inp.schools}
    steps.sort(key=lambda s: (rank[s.kind], names.get(s.school_id or 0, ""), s.school_id or 0))
    return steps


def _school_obj(inp: PlannerInput, pk: int, **extra: Any) -> dict[str, Any]:
    f = inp.school(pk)
    return {"type": "school", "id": pk, "name": f.name, **extra}


def _step(inp: PlannerInput, kind: str, acts: list[Action]) -> Step:
    today = inp.today
    a0 = acts[0]
    school = a0.school_id
    sname = inp.school(school).name
    if kind == ALLOCATE_POOL:
        return Step(
            kind,
            acts,
            [_school_obj(inp, school, seats=a0.ref[1])],
            f"{inp.pool_unallocated} seats of the district pool are not allocated to any school;"
            f" allocate {a0.ref[1]} to {sname}",
            0,
            school_id=school,
        )
    if kind == MOVE_ALLOCATION:
        src, dst, n = a0.ref
        f = inp.school(src)
        return Step(
            kind,
            acts,
            [
                _school_obj(inp, src, role="from", seats=n),
                _school_obj(inp, dst, role="to", seats=n),
            ],
            f"{f.name} has {f.capacity - f.used} seats to spare (capacity {f.capacity}, used "
            f"{f.used}); move {n} of them to {inp.school(dst).name}",
            0,
            school_id=dst,
        )
    if kind == UNENROLL_STALE_CLASSROOM:
        c = inp.classrooms[a0.ref[0]]
        why = []
        if c.term_ends_on is not None and c.term_ends_on < today:
            why.append(f"term ended {c.term_ends_on.isoformat()}")
        days = _days(today, c.last_activity_on)
        why.append(f"no activity for {days} days" if days is not None else "no activity recorded")
        teacher = inp.teachers.get(c.teacher_id)
        return Step(
            kind,
            acts,
            [
                {
                    "type": "classroom",
                    "id": c.id,
                    "name": c.name,
                    "school": school,
                    "teacher": teacher.name if teacher else None,
                    "then": "archive",
                }
            ],
            "; ".join(why),
            c.enrolled,
            school_id=school,
        )
    if kind == TEACHER_ACCESS_OFF:
        t = inp.teachers.get(a0.ref[0])
        classes = [c for c in inp.classrooms.values() if c.teacher_id == a0.ref[0]]
        days = _days(today, t.last_activity_on if t else None)
        act = (
            f"last classroom activity {days} days ago"
            if days is not None
            else "no classroom activity recorded"
        )
        return Step(
            kind,
            acts,
            [{"type": "teacher", "id": a0.ref[0], "name": t.name if t else str(a0.ref[0])}],
            f"{len(classes)} licensed classroom{'s' if len(classes) != 1 else ''} "
            f"({', '.join(c.name for c in classes[:3])}{'…' if len(classes) > 3 else ''}); {act};"
            " switching access off stops counting their students (R4)",
            a0.affected,
            school_id=school,
        )
    if kind == MERGE_DUPLICATES:
        groups = {g.keeper_id: g for g in inp.duplicates}
        objs, ev = [], []
        for a in acts:
            g = groups.get(a.ref[0])
            objs.append(
                {
                    "type": "duplicate_group",
                    "keeper": a.ref[0],
                    "others": list(a.ref[1]),
                    "name": _sname(inp, a.ref[0]),
                }
            )
            if g is not None:
                ev.append(
                    f"{_sname(inp, a.ref[0])}: {', '.join(g.evidence[:2]) or 'same student'} (score {g.score:.2f})"
                )
        n = sum(len(a.ref[1]) for a in acts)
        return Step(
            kind,
            acts,
            objs,
            f"{n} duplicate account{'s' if n != 1 else ''} of {len(acts)} student"
            f"{'s' if len(acts) != 1 else ''} at {sname} each take a seat (R3); keep the account "
            f"in use. " + "; ".join(ev[:5]) + ("; …" if len(ev) > 5 else ""),
            sum(1 + len(a.ref[1]) for a in acts),
            school_id=school,
        )
    if kind == UNENROLL_INACTIVE_STUDENT:
        days = sorted(
            d
            for a in acts
            if (f := inp.students.get(a.ref[0])) is not None
            and (d := _days(today, f.last_sign_in_on or f.created_on)) is not None
        )
        span = (
            f"{days[0]}–{days[-1]}"
            if days and days[0] != days[-1]
            else (str(days[0]) if days else "?")
        )
        return Step(
            kind,
            acts,
            [
                {"type": "student", "id": a.ref[0], "name": _sname(inp, a.ref[0]), "school": school}
                for a in acts
            ],
            f"{len(acts)} student{'s' if len(acts) != 1 else ''} at {sname} with no sign-in for "
            f"{span} days (threshold {inp.inactive_days} days); accounts are kept (R2)",
            len(acts),
            school_id=school,
        )
    # UNENROLL_SECOND_SCHOOL
    return Step(
        kind,
        acts,
        [
            {"type": "student", "id": a.ref[0], "name": _sname(inp, a.ref[0]), "school": school}
            for a in acts
        ],
        f"{len(acts)} student{'s' if len(acts) != 1 else ''} also counted at another school "
        f"(their home school) take a second seat at {sname} (R6); probably moved",
        len(acts),
        school_id=school,
    )


def _sname(inp: PlannerInput, pk: int) -> str:
    f = inp.students.get(pk)
    return f.name if f else f"#{pk}"


def describe(inp: PlannerInput, steps: Sequence[Step], chosen: Iterable[int]) -> Plan:
    """Before/after per school and seats freed per step, for the chosen steps only (unticking
    recomputes through here: the totals come from the same simulation as apply)."""
    keep = [steps[i] for i in sorted(set(chosen)) if 0 <= i < len(steps)]
    state = State(inp)
    for step in keep:
        total = 0
        for a in step.actions:
            total += sum(state.apply(a).values())
        step.seats_freed = total
    listed = {s.school_id for s in steps if s.school_id is not None}
    for s in steps:
        for a in s.actions:
            if a.kind == MOVE_ALLOCATION:
                listed.add(a.ref[0])
    targets = {t.id for t in _targets(inp)}
    out_schools = []
    for f in inp.schools:
        changed = state.used[f.id] != f.used or state.capacity[f.id] != f.capacity
        if f.id in listed or changed or (f.id in targets and f.used > f.capacity):
            out_schools.append(
                {
                    "id": f.id,
                    "name": f.name,
                    "sourced_id": f.sourced_id,
                    "before": {
                        "capacity": f.capacity,
                        "used": f.used,
                        "remaining": f.capacity - f.used,
                    },
                    "after": {
                        "capacity": state.capacity[f.id],
                        "used": state.used[f.id],
                        "remaining": state.capacity[f.id] - state.used[f.id],
                    },
                }
            )
    unresolved = []
    for row in out_schools:
        short = -row["after"]["remaining"]
        if short > 0 and row["id"] in targets:
            unresolved.append(
                {"school": row["id"], "short_by": short, "why": _why(inp, row["id"], keep)}
            )
    return Plan(schools=out_schools, steps=list(keep), unresolved=unresolved)


def _why(inp: PlannerInput, school: int, keep: Sequence[Step]) -> str:
    if len(keep) and any(s.school_id == school for s in keep):
        base = "the remaining students are active, in current classrooms"
    else:
        base = "no stale classroom, inactive, duplicate or second-school student frees a seat here"
    parts = [base]
    if not inp.allow_allocation:
        parts.append("a district admin can move spare seats or allocate pool seats")
    else:
        parts.append("no school has spare seats left and the pool has none unallocated")
    if TEACHER_ACCESS_OFF not in inp.kinds:
        parts.append("turning teachers' access off was not allowed")
    return "; ".join(parts)


# --- persistence helpers -----------------------------------------------------------------------


def action_to_json(a: Action) -> list[Any]:
    ref: list[Any] = [list(x) if isinstance(x, tuple) else x for x in a.ref]
    return [a.kind, ref, a.school_id, a.affected]


def action_from_json(row: Sequence[Any]) -> Action:
    kind, ref, school, affected = row
    return Action(
        kind, tuple(tuple(x) if isinstance(x, list) else x for x in ref), school, affected
    )


def steps_from_json(inp: PlannerInput, rows: Sequence[Sequence[Sequence[Any]]]) -> list[Step]:
    """Rebuild the saved steps (in saved order) against a fresh input."""
    return [
        _step(inp, acts[0].kind, acts) for acts in ([action_from_json(a) for a in r] for r in rows)
    ]


def involved(actions: Iterable[Action]) -> tuple[set[int], set[int], set[int]]:
    """Schools, students and teachers a list of actions touches directly."""
    schools: set[int] = set()
    students: set[int] = set()
    teachers: set[int] = set()
    for a in actions:
        schools.add(a.school_id)
        if a.kind == MOVE_ALLOCATION:
            schools.add(a.ref[0])
        elif a.kind == MERGE_DUPLICATES:
            students |= {a.ref[0], *a.ref[1]}
        elif a.kind in (UNENROLL_INACTIVE_STUDENT, UNENROLL_SECOND_SCHOOL):
            students.add(a.ref[0])
        elif a.kind == TEACHER_ACCESS_OFF:
            teachers.add(a.ref[0])
    return schools, students, teachers


def fingerprint_facts(inp: PlannerInput, actions: Sequence[Action]) -> dict[str, Any]:
    """The facts of the state the actions touch: if they are equal, every subset of them replays
    to the same counts, so apply yields what the preview showed. Saved with the plan, so a stale
    apply can say which object changed."""
    st = State(inp)
    students: set[int] = set()
    classes: set[int] = set()
    teachers: set[int] = set()
    for a in actions:
        students |= st.students_of(a)
        if a.kind == UNENROLL_STALE_CLASSROOM:
            classes.add(a.ref[0])
        if a.kind == TEACHER_ACCESS_OFF:
            teachers.add(a.ref[0])
    schools, direct, _ = involved(actions)
    students |= direct
    rows = sorted((s, c) for s, c in inp.rows if s in students)
    schools |= {st.school_of[c] for _, c in rows}
    return {
        "schools": sorted(
            [f.id, f.allocated, f.school_purchased, f.used] for f in inp.schools if f.id in schools
        ),
        "rows": [list(r) for r in rows],
        "stale": sorted(
            c for c in classes if c in inp.classrooms and is_stale(inp, inp.classrooms[c])
        ),
        "classes": sorted(classes & set(inp.classrooms)),
        "teachers": sorted([t, sorted(st.teacher_classes.get(t, ()))] for t in teachers),
        "inactive": sorted(
            s for s in direct if s in inp.students and is_inactive(inp, inp.students[s])
        ),
        "home": sorted(
            [s, inp.students[s].home_school_id or 0] for s in direct if s in inp.students
        ),
        "pool": inp.pool_unallocated if any(a.kind == ALLOCATE_POOL for a in actions) else None,
    }


def fingerprint(inp: PlannerInput, actions: Sequence[Action]) -> str:
    """Digest of `fingerprint_facts`."""
    import hashlib
    import json

    facts = fingerprint_facts(inp, actions)
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()
