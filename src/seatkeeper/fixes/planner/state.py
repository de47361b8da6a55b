"""Simulation: licensed enrollment rows replayed with the services' semantics."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from seatkeeper.fixes.planner.model import (
    ALLOCATE_POOL,
    MERGE_DUPLICATES,
    MOVE_ALLOCATION,
    TEACHER_ACCESS_OFF,
    UNENROLL_INACTIVE_STUDENT,
    UNENROLL_SECOND_SCHOOL,
    UNENROLL_STALE_CLASSROOM,
    Action,
    PlannerInput,
)

# --- simulation --------------------------------------------------------------------------------


def _static(
    inp: PlannerInput,
) -> tuple[dict[int, int], dict[int, set[int]], dict[int, tuple[int, ...]]]:
    """Classroom -> school, teacher -> classrooms, student -> duplicate group (cached on inp)."""
    cached = inp.__dict__.get("_static")
    if cached is None:
        school_of = {c.id: c.school_id for c in inp.classrooms.values()}
        teacher_classes: dict[int, set[int]] = defaultdict(set)
        for c in inp.classrooms.values():
            teacher_classes[c.teacher_id].add(c.id)
        group_of = {i: g.student_ids for g in inp.duplicates for i in g.student_ids}
        cached = (school_of, dict(teacher_classes), group_of)
        object.__setattr__(inp, "_static", cached)
    return cached


def _index(rows: Iterable[tuple[int, int]]) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    hold: dict[int, set[int]] = defaultdict(set)
    members: dict[int, set[int]] = defaultdict(set)
    for s, c in rows:
        hold[s].add(c)
        members[c].add(s)
    return dict(hold), dict(members)


def _base(inp: PlannerInput) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """Student -> licensed classrooms and classroom -> students, built once per input."""
    cached = inp.__dict__.get("_base")
    if cached is None:
        cached = _index(inp.rows)
        object.__setattr__(inp, "_base", cached)
    return cached


class _Layer:
    """A dict of sets over a shared read-only base: a set is copied on its first write, so a
    State costs nothing to make and the base index is built once per input."""

    def __init__(self, base: dict[int, set[int]]) -> None:
        self.base = base
        self.top: dict[int, set[int]] = {}

    def get(self, key: int, default: Any = frozenset()) -> Any:
        """Read-only view (do not mutate the result)."""
        v = self.top.get(key)
        return v if v is not None else self.base.get(key, default)

    def __getitem__(self, key: int) -> set[int]:
        """Writable set for `key`."""
        v = self.top.get(key)
        if v is None:
            v = self.top[key] = set(self.base.get(key, ()))
        return v

    def __setitem__(self, key: int, value: set[int]) -> None:
        self.top[key] = value

    def pop(self, key: int, default: Any = frozenset()) -> Any:
        v = self.get(key, default)
        self.top[key] = set()
        return v


class State:
    """Licensed enrollment rows, replayed with the services' semantics (see module docstring)."""

    def __init__(self, inp: PlannerInput, rows: Iterable[tuple[int, int]] | None = None) -> None:
        self.inp = inp
        self.school_of, self.teacher_classes, self.group_of = _static(inp)
        hold, members = _index(rows) if rows is not None else _base(inp)
        self.hold = _Layer(hold)
        self.members = _Layer(members)
        self.unlicensed: set[int] = set()
        self.deleted: set[int] = set()
        self.used = {s.id: s.used for s in inp.schools}
        self.capacity = {s.id: s.capacity for s in inp.schools}

    def held(self, s: int) -> dict[int, int]:
        """Licensed classrooms per school the student holds a seat through (empty: no seat)."""
        out: dict[int, int] = {}
        if s in self.deleted:
            return out
        school_of, unlicensed = self.school_of, self.unlicensed
        for c in self.hold.get(s, ()):
            if c not in unlicensed:
                sch = school_of[c]
                out[sch] = out.get(sch, 0) + 1
        return out

    def schools_held(self, s: int) -> set[int]:
        if s in self.deleted:
            return set()
        school_of, unlicensed = self.school_of, self.unlicensed
        return {school_of[c] for c in self.hold.get(s, ()) if c not in unlicensed}

    def students_of(self, a: Action) -> set[int]:
        if a.kind == UNENROLL_STALE_CLASSROOM:
            return set(self.members.get(a.ref[0], ()))
        if a.kind == TEACHER_ACCESS_OFF:
            out: set[int] = set()
            for c in self.teacher_classes.get(a.ref[0], ()):
                out |= self.members.get(c, set())
            return out
        if a.kind in (UNENROLL_INACTIVE_STUDENT, UNENROLL_SECOND_SCHOOL):
            return {a.ref[0]}
        if a.kind == MERGE_DUPLICATES:
            return {a.ref[0], *a.ref[1]}
        return set()

    def _mutate(self, a: Action) -> None:
        if a.kind == ALLOCATE_POOL:
            self.capacity[a.ref[0]] += a.ref[1]
        elif a.kind == MOVE_ALLOCATION:
            self.capacity[a.ref[0]] -= a.ref[2]
            self.capacity[a.ref[1]] += a.ref[2]
        elif a.kind == UNENROLL_STALE_CLASSROOM:
            c = a.ref[0]
            for s in self.members.pop(c, set()):
                self.hold[s].discard(c)
            self.unlicensed.add(c)  # archived (R5)
        elif a.kind == TEACHER_ACCESS_OFF:
            self.unlicensed |= self.teacher_classes.get(a.ref[0], set())  # R4, R8
        elif a.kind in (UNENROLL_INACTIVE_STUDENT, UNENROLL_SECOND_SCHOOL):
            s, school = a.ref
            for c in [c for c in self.hold.get(s, ()) if self.school_of[c] == school]:
                self.hold[s].discard(c)
                self.members[c].discard(s)
        elif a.kind == MERGE_DUPLICATES:
            # students_merge: rows move to the keeper unless it is in that classroom already;
            # the others are soft-deleted (R5).
            keeper, others = a.ref[0], a.ref[1]
            if keeper in self.deleted:
                return
            for o in others:
                for c in list(self.hold.get(o, ())):
                    if c not in self.hold[keeper]:
                        self.hold[o].discard(c)
                        self.members[c].discard(o)
                        self.hold[keeper].add(c)
                        self.members[c].add(keeper)
                self.deleted.add(o)

    def apply(self, a: Action) -> dict[int, int]:
        """Apply one action; return seats freed per school (capacity gained for seat moves)."""
        if a.kind == ALLOCATE_POOL:
            self._mutate(a)
            return {a.ref[0]: a.ref[1]}
        if a.kind == MOVE_ALLOCATION:
            self._mutate(a)
            return {a.ref[1]: a.ref[2]}
        students = self.students_of(a)
        before = {s: self.schools_held(s) for s in students}
        self._mutate(a)
        freed: Counter[int] = Counter()
        for s in students:
            after = self.schools_held(s)
            for school in before[s] - after:
                freed[school] += 1
            for school in after - before[s]:
                freed[school] -= 1
        for school, n in freed.items():
            self.used[school] = self.used.get(school, 0) - n
        return dict(freed)

    def trial(self, a: Action) -> tuple[dict[int, int], dict[int, float]]:
        """Seats `a` would free per school, and partial progress (share of holders' classrooms
        removed), without changing the state."""
        students = self.students_of(a)
        before = {s: self.held(s) for s in students}
        saved_hold = {s: set(self.hold.get(s, ())) for s in students}
        if a.kind == MERGE_DUPLICATES:
            saved_hold.update({s: set(self.hold.get(s, ())) for s in (a.ref[0], *a.ref[1])})
        touched_classes = {c for s in saved_hold for c in saved_hold[s]}
        if a.kind == UNENROLL_STALE_CLASSROOM:
            touched_classes.add(a.ref[0])
        saved_members = {c: set(self.members.get(c, ())) for c in touched_classes}
        saved_unlicensed, saved_deleted = set(self.unlicensed), set(self.deleted)
        self._mutate(a)
        freed: Counter[int] = Counter()
        progress: Counter[int] = Counter()
        for s in students:
            after = self.held(s)
            for school, n in before[s].items():
                if school not in after:
                    freed[school] += 1
                progress[school] += (n - after.get(school, 0)) / n
            for school in after:
                if school not in before[s]:
                    freed[school] -= 1
        for s, h in saved_hold.items():
            self.hold[s] = h
        for c, m in saved_members.items():
            self.members[c] = m
        self.unlicensed, self.deleted = saved_unlicensed, saved_deleted
        return dict(freed), dict(progress)


def simulate(inp: PlannerInput, actions: Iterable[Action]) -> tuple[State, list[dict[int, int]]]:
    state = State(inp)
    return state, [state.apply(a) for a in actions]
