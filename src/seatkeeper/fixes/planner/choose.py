"""Choosing steps: candidates, seat moves, exact search and the greedy (a covering problem)."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from seatkeeper.fixes.planner.model import (
    ALLOCATE_POOL,
    EXACT_LIMIT,
    MERGE_DUPLICATES,
    MOVE_ALLOCATION,
    TEACHER_ACCESS_OFF,
    TIER,
    UNENROLL_INACTIVE_STUDENT,
    UNENROLL_SECOND_SCHOOL,
    UNENROLL_STALE_CLASSROOM,
    Action,
    ClassroomFacts,
    PlannerInput,
    SchoolFacts,
    StudentFacts,
)
from seatkeeper.fixes.planner.state import State, simulate

# --- candidates --------------------------------------------------------------------------------


def _days(today: dt.date, then: dt.date | None) -> int | None:
    return None if then is None else (today - then).days


def is_stale(inp: PlannerInput, c: ClassroomFacts) -> bool:
    if c.term_ends_on is not None and c.term_ends_on < inp.today:
        return True
    last = c.last_activity_on or c.created_on
    return last is not None and (inp.today - last).days > inp.stale_days


def is_inactive(inp: PlannerInput, s: StudentFacts) -> bool:
    last = s.last_sign_in_on or s.created_on
    return last is not None and (inp.today - last).days > inp.inactive_days


def candidates(inp: PlannerInput, short: set[int]) -> list[Action]:
    """Every roster action that could free a seat at a short school."""
    state = State(inp)
    out: list[Action] = []
    kinds = inp.kinds
    if MERGE_DUPLICATES in kinds:
        for g in inp.duplicates:
            others = tuple(i for i in g.student_ids if i != g.keeper_id)
            schools = [sch for i in g.student_ids for sch in state.held(i)]
            at = sorted(sch for sch, n in Counter(schools).items() if n > 1 and sch in short)
            if at and others:
                out.append(Action(MERGE_DUPLICATES, (g.keeper_id, others), at[0], len(others)))
    grouped = state.group_of
    if UNENROLL_STALE_CLASSROOM in kinds:
        for c in sorted(inp.classrooms.values(), key=lambda c: c.id):
            if c.school_id in short and state.members.get(c.id) and is_stale(inp, c):
                out.append(Action(UNENROLL_STALE_CLASSROOM, (c.id,), c.school_id, c.enrolled))
    seats_at: dict[int, set[int]] = defaultdict(set)
    for s, c in inp.rows:
        seats_at[s].add(state.school_of[c])
    for s in sorted(seats_at):
        if s in grouped:
            continue  # duplicates are merged, not un-enrolled
        facts = inp.students.get(s)
        schools = seats_at[s]
        if UNENROLL_INACTIVE_STUDENT in kinds and facts is not None and is_inactive(inp, facts):
            for school in sorted(schools & short):
                out.append(Action(UNENROLL_INACTIVE_STUDENT, (s, school), school, 1))
        elif UNENROLL_SECOND_SCHOOL in kinds and len(schools) > 1:
            home = facts.home_school_id if facts else None
            keep = home if home in schools else min(schools)
            for school in sorted((schools - {keep}) & short):
                out.append(Action(UNENROLL_SECOND_SCHOOL, (s, school), school, 1))
    if TEACHER_ACCESS_OFF in kinds:
        for t in sorted(state.teacher_classes):
            classes = state.teacher_classes[t]
            schools = {state.school_of[c] for c in classes}
            students = set().union(*(state.members.get(c, set()) for c in classes))
            if students and schools & short:
                at = min(schools & short)
                out.append(Action(TEACHER_ACCESS_OFF, (t,), at, len(students)))
    return out


# --- choosing ----------------------------------------------------------------------------------


def seat_actions(inp: PlannerInput, need: dict[int, int]) -> list[Action]:
    """Pool seats first, then moves of spare allocation (never seats a school is using)."""
    if not inp.allow_allocation:
        return []
    out: list[Action] = []
    need = dict(need)
    order = sorted((s for s in need if need[s] > 0), key=lambda s: (-need[s], s))
    pool = max(0, inp.pool_unallocated)
    if ALLOCATE_POOL in inp.kinds:
        for s in order:
            n = min(pool, need[s])
            if n > 0:
                out.append(Action(ALLOCATE_POOL, (s, n), s))
                pool -= n
                need[s] -= n
    if MOVE_ALLOCATION in inp.kinds:
        spare = {
            f.id: min(f.allocated, f.capacity - f.used)
            for f in inp.schools
            if f.id not in need and f.capacity - f.used > 0 and f.allocated > 0
        }
        donors = sorted(spare, key=lambda s: (-spare[s], s))
        for s in order:
            for d in donors:
                n = min(spare[d], need[s])
                if n > 0:
                    out.append(Action(MOVE_ALLOCATION, (d, s, n), s))
                    spare[d] -= n
                    need[s] -= n
    return out


def _targets(inp: PlannerInput) -> list[SchoolFacts]:
    return [s for s in inp.schools if inp.targets is None or s.id in inp.targets]


def _needs(state: State, schools: Iterable[int]) -> dict[int, int]:
    return {s: state.used[s] - state.capacity[s] for s in schools}


def coverable_needs(
    inp: PlannerInput, seats: Sequence[Action], cands: Sequence[Action]
) -> dict[int, int]:
    """What each short school can be brought down by at most (every candidate applied)."""
    state, _ = simulate(inp, seats)
    need = {s: n for s, n in _needs(state, (t.id for t in _targets(inp))).items() if n > 0}
    best, _ = simulate(inp, [*seats, *cands])
    return {s: min(n, state.used[s] - best.used[s]) for s, n in need.items()}


def _covers(
    inp: PlannerInput, seats: Sequence[Action], chosen: Iterable[Action], need: dict[int, int]
) -> bool:
    state, _ = simulate(inp, [*seats, *chosen])
    base, _ = simulate(inp, seats)
    return all(base.used[s] - state.used[s] >= n for s, n in need.items())


def exact_choice(
    inp: PlannerInput, seats: Sequence[Action], cands: Sequence[Action], need: dict[int, int]
) -> list[Action]:
    """Cheapest subset of `cands` meeting every coverable need (exhaustive; small cases)."""
    best: tuple[float, list[Action]] | None = None
    for k in range(len(cands) + 1):
        for combo in itertools.combinations(cands, k):
            cost = sum(a.cost for a in combo)
            if best is not None and cost >= best[0]:
                continue
            if _covers(inp, seats, combo, need):
                best = (cost, list(combo))
    return best[1] if best else list(cands)


def greedy_choice(
    inp: PlannerInput, seats: Sequence[Action], cands: Sequence[Action], need: dict[int, int]
) -> list[Action]:
    """Tier by tier, lazily pick the best (seats freed + progress) per cost, then drop any pick
    the others make redundant (reverse delete, costliest first)."""
    state, _ = simulate(inp, seats)
    left = {s: n for s, n in need.items() if n > 0}
    chosen: list[Action] = []

    def score(a: Action) -> float:
        freed, progress = state.trial(a)
        gain = sum(min(max(freed.get(s, 0), 0), n) for s, n in left.items())
        part = sum(progress.get(s, 0.0) for s in left)
        return (gain + 0.01 * part) / max(a.cost, 1e-9)

    for tier in (1, 2, 3):
        # Start from an upper bound (students touched per cost) so only promising candidates
        # are evaluated; a popped candidate is re-scored and taken if still the best (lazy).
        heap = [(-_bound(state, a), i, a) for i, a in enumerate(cands) if TIER[a.kind] == tier]
        heapq.heapify(heap)
        while heap and left:
            _, i, a = heapq.heappop(heap)
            sc = score(a)
            if sc <= 0:
                continue
            if heap and -heap[0][0] > sc + 1e-12:
                heapq.heappush(heap, (-sc, i, a))
                continue
            freed = state.apply(a)
            chosen.append(a)
            for s, n in freed.items():
                if s in left:
                    left[s] -= n
                    if left[s] <= 0:
                        del left[s]
    return _reverse_delete(inp, seats, chosen, need)


def _bound(state: State, a: Action) -> float:
    n = len(state.students_of(a))
    many = 2.02 if a.kind in (TEACHER_ACCESS_OFF, MERGE_DUPLICATES) else 1.01
    return many * n / max(a.cost, 1e-9)


def _sole(state: State, a: Action, others: set[int], removed: set[int]) -> bool:
    """Cheap sufficient test that a single-school pick frees a seat no other pick frees.

    `others`: students some classroom/teacher/merge pick touches; `removed`: students of
    student picks. A student pick is sole when no other pick touches its student; a classroom
    pick when one of its students holds a seat there only through it and has no student pick.
    """
    if a.kind != UNENROLL_STALE_CLASSROOM:
        return a.ref[0] not in others
    return any(
        s not in removed and state.held(s).get(a.school_id) == 1
        for s in state.members.get(a.ref[0], ())
    )


def _reverse_delete(
    inp: PlannerInput, seats: Sequence[Action], chosen: list[Action], need: dict[int, int]
) -> list[Action]:
    """Drop picks the rest make redundant; re-simulates only the students each pick touches."""
    full = State(inp)
    for a in seats:
        full.apply(a)
    base_used = dict(full.used)
    for a in chosen:
        full.apply(a)
    surplus = {s: (base_used[s] - full.used[s]) - n for s, n in need.items()}
    touching: dict[int, list[int]] = defaultdict(list)
    probe = State(inp)
    for i, a in enumerate(chosen):
        for s in probe.students_of(a):
            touching[s].append(i)
        for s in probe.students_of(a):
            for g in probe.group_of.get(s, ()):
                if i not in touching[g]:
                    touching[g].append(i)
    rows_of: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for s, c in inp.rows:
        rows_of[s].append((s, c))
    keep = [True] * len(chosen)
    order = sorted(range(len(chosen)), key=lambda i: (-chosen[i].cost, -i))
    single = (UNENROLL_STALE_CLASSROOM, UNENROLL_INACTIVE_STUDENT, UNENROLL_SECOND_SCHOOL)
    per_student = (UNENROLL_INACTIVE_STUDENT, UNENROLL_SECOND_SCHOOL)
    removed = {a.ref[0] for a in chosen if a.kind in per_student}
    others: set[int] = set()
    for a in chosen:
        if a.kind not in per_student:
            others |= probe.students_of(a)
    for i in order:
        a = chosen[i]
        if (
            a.kind in single
            and surplus.get(a.school_id, 0) <= 0
            and _sole(probe, a, others, removed)
        ):
            continue  # it alone frees a seat where none is spare: this pick cannot go
        students = probe.students_of(a)
        students |= {g for s in students for g in probe.group_of.get(s, ())}
        rel = sorted({j for s in students for j in touching[s] if keep[j]})

        def freed_by(indexes: list[int], students: set[int] = students) -> Counter[int]:
            st = State(inp, rows=[r for s in students for r in rows_of.get(s, ())])
            before = Counter(sch for s in students for sch in st.held(s))
            for j in indexes:
                st._mutate(chosen[j])
            after = Counter(sch for s in students for sch in st.held(s))
            return before - after

        with_a = freed_by(rel)
        without = freed_by([j for j in rel if j != i])
        loss = {s: with_a.get(s, 0) - without.get(s, 0) for s in set(with_a) | set(without)}
        if all(surplus.get(s, 0) >= v for s, v in loss.items() if s in need and v > 0):
            keep[i] = False
            for s, v in loss.items():
                if s in surplus:
                    surplus[s] -= v
    return [a for i, a in enumerate(chosen) if keep[i]]


def choose(
    inp: PlannerInput, seats: Sequence[Action], cands: Sequence[Action], need: dict[int, int]
) -> tuple[list[Action], bool]:
    useful = [a for a in cands if TIER[a.kind] > 0]
    if not any(n > 0 for n in need.values()):
        return [], True
    if len(useful) <= EXACT_LIMIT:
        return exact_choice(inp, seats, useful, need), True
    return greedy_choice(inp, seats, useful, need), False
