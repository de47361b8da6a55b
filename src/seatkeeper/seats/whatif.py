"""The what-if model: seats under changes not made yet, by the ledger's rules. Pure, no ORM.

It replays licensed enrollment rows (student, classroom) with exactly the semantics of the
services that would make each change, so a preview equals what applying yields:

- R1: a student holds a seat at school S while in at least one licensed classroom of S;
- R3: duplicate accounts each hold one; a merge moves the others' enrollments to the keeper
  (unless it is in that classroom already) and deletes them (R5), so the keeper holds the union;
- R4/R8: switching a teacher's access OFF unlicenses the classrooms they are primary of;
- R2/R5: un-enrolling removes rows; archiving a classroom or deleting a student counts nothing;
- R6: a student can hold seats at two schools.

Used by the fix planner (`fixes.planner.State` is this model), plan previews, the "seats freed
if OFF" and "seats only here" figures of the school pages, and the seats a merge frees.
`seats.selectors.seat_facts` loads it in bulk; tests prove it equals the ledger after the
services apply the same changes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ADD_CAPACITY = "add_capacity"  # ref (school, seats): pool seats allocated
MOVE_CAPACITY = "move_capacity"  # ref (from school, to school, seats)
UNENROLL_CLASSROOM = "unenroll_classroom"  # ref (classroom,): un-enroll all, then archive
ACCESS_OFF = "access_off"  # ref (teacher,)
UNENROLL_AT = "unenroll_at"  # ref (student, school): every enrollment of it at the school
MERGE = "merge"  # ref (keeper, (others, ...))
DELETE_STUDENT = "delete_student"  # ref (student,)
KINDS = (
    ADD_CAPACITY,
    MOVE_CAPACITY,
    UNENROLL_CLASSROOM,
    ACCESS_OFF,
    UNENROLL_AT,
    MERGE,
    DELETE_STUDENT,
)


@dataclass(frozen=True)
class Change:
    """One change the model can replay: a kind above and its reference."""

    kind: str
    ref: tuple[Any, ...]


@dataclass(frozen=True)
class SeatFacts:
    """What the model replays, for one product, loaded in bulk (`seats.selectors.seat_facts`).

    `rows` are the licensed enrollments of the loaded schools; `used`/`capacity` per school
    come from the ledger and purchases (for every school, loaded or not)."""

    rows: tuple[tuple[int, int], ...]
    school_of: Mapping[int, int]  # licensed classroom -> school
    teacher_of: Mapping[int, int]  # licensed classroom -> primary teacher
    used: Mapping[int, int] = field(default_factory=dict)
    capacity: Mapping[int, int] = field(default_factory=dict)

    def indexes(self) -> tuple[dict[int, set[int]], dict[int, set[int]], dict[int, set[int]]]:
        """student -> classrooms, classroom -> students, teacher -> classrooms (built once)."""
        cached = self.__dict__.get("_indexes")
        if cached is None:
            hold, members = index(self.rows)
            teacher_classes: dict[int, set[int]] = defaultdict(set)
            for c, t in self.teacher_of.items():
                teacher_classes[t].add(c)
            cached = (hold, members, dict(teacher_classes))
            object.__setattr__(self, "_indexes", cached)
        return cached


def index(rows: Iterable[tuple[int, int]]) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    hold: dict[int, set[int]] = defaultdict(set)
    members: dict[int, set[int]] = defaultdict(set)
    for s, c in rows:
        hold[s].add(c)
        members[c].add(s)
    return dict(hold), dict(members)


class Layer:
    """A dict of sets over a shared read-only base: a set is copied on its first write, so a
    model costs nothing to make and the base index is built once per facts."""

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


class SeatModel:
    """Licensed enrollment rows of one product, replayed change by change (module docstring).

    `used` and `capacity` per school move with every applied change; `apply` returns the seats
    freed per school (capacity gained, for seat moves), `trial` the same without applying.
    """

    def __init__(self, facts: SeatFacts, rows: Iterable[tuple[int, int]] | None = None) -> None:
        self.facts = facts
        base_hold, base_members, self.teacher_classes = facts.indexes()
        hold, members = index(rows) if rows is not None else (base_hold, base_members)
        self.school_of = facts.school_of
        self.hold = Layer(hold)
        self.members = Layer(members)
        self.unlicensed: set[int] = set()
        self.deleted: set[int] = set()
        self.used = dict(facts.used)
        self.capacity = dict(facts.capacity)

    # --- reads ---------------------------------------------------------------------------

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

    def students_of(self, ch: Change) -> set[int]:
        """The students whose seats the change can move."""
        if ch.kind == UNENROLL_CLASSROOM:
            return set(self.members.get(ch.ref[0], ()))
        if ch.kind == ACCESS_OFF:
            out: set[int] = set()
            for c in self.teacher_classes.get(ch.ref[0], ()):
                out |= self.members.get(c, set())
            return out
        if ch.kind in (UNENROLL_AT, DELETE_STUDENT):
            return {ch.ref[0]}
        if ch.kind == MERGE:
            return {ch.ref[0], *ch.ref[1]}
        return set()

    # --- changes -------------------------------------------------------------------------

    def mutate(self, ch: Change) -> None:
        """Make the change (no accounting)."""
        if ch.kind == ADD_CAPACITY:
            self.capacity[ch.ref[0]] = self.capacity.get(ch.ref[0], 0) + ch.ref[1]
        elif ch.kind == MOVE_CAPACITY:
            self.capacity[ch.ref[0]] = self.capacity.get(ch.ref[0], 0) - ch.ref[2]
            self.capacity[ch.ref[1]] = self.capacity.get(ch.ref[1], 0) + ch.ref[2]
        elif ch.kind == UNENROLL_CLASSROOM:
            c = ch.ref[0]
            for s in self.members.pop(c, set()):
                self.hold[s].discard(c)
            self.unlicensed.add(c)  # archived (R5)
        elif ch.kind == ACCESS_OFF:
            self.unlicensed |= self.teacher_classes.get(ch.ref[0], set())  # R4, R8
        elif ch.kind == UNENROLL_AT:
            s, school = ch.ref
            for c in [c for c in self.hold.get(s, ()) if self.school_of[c] == school]:
                self.hold[s].discard(c)
                self.members[c].discard(s)
        elif ch.kind == DELETE_STUDENT:
            self.deleted.add(ch.ref[0])
        elif ch.kind == MERGE:
            # students_merge: rows move to the keeper unless it is in that classroom already;
            # the others are soft-deleted (R5).
            keeper, others = ch.ref[0], ch.ref[1]
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
        else:
            raise ValueError(f"unknown change {ch.kind!r}")

    def apply(self, ch: Change) -> dict[int, int]:
        """Make the change; return seats freed per school (capacity gained for seat moves)."""
        if ch.kind == ADD_CAPACITY:
            self.mutate(ch)
            return {ch.ref[0]: ch.ref[1]}
        if ch.kind == MOVE_CAPACITY:
            self.mutate(ch)
            return {ch.ref[1]: ch.ref[2]}
        students = self.students_of(ch)
        before = {s: self.schools_held(s) for s in students}
        self.mutate(ch)
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

    def trial(self, ch: Change) -> tuple[dict[int, int], dict[int, float]]:
        """Seats the change would free per school, and partial progress (share of holders'
        classrooms removed), without changing the model."""
        students = self.students_of(ch)
        before = {s: self.held(s) for s in students}
        saved_hold = {s: set(self.hold.get(s, ())) for s in students}
        if ch.kind == MERGE:
            saved_hold.update({s: set(self.hold.get(s, ())) for s in (ch.ref[0], *ch.ref[1])})
        touched_classes = {c for s in saved_hold for c in saved_hold[s]}
        if ch.kind == UNENROLL_CLASSROOM:
            touched_classes.add(ch.ref[0])
        saved_members = {c: set(self.members.get(c, ())) for c in touched_classes}
        saved_unlicensed, saved_deleted = set(self.unlicensed), set(self.deleted)
        self.mutate(ch)
        freed: Counter[int] = Counter()
        progress: dict[int, float] = {}
        for s in students:
            after = self.held(s)
            for school, n in before[s].items():
                if school not in after:
                    freed[school] += 1
                progress[school] = progress.get(school, 0.0) + (n - after.get(school, 0)) / n
            for school in after:
                if school not in before[s]:
                    freed[school] -= 1
        for s, h in saved_hold.items():
            self.hold[s] = h
        for c, m in saved_members.items():
            self.members[c] = m
        self.unlicensed, self.deleted = saved_unlicensed, saved_deleted
        return dict(freed), progress

    # --- the school pages' figures, in one pass ------------------------------------------

    def by_teacher(self, school: int) -> dict[int, tuple[int, int]]:
        """teacher -> (seats held at the school through their licensed classrooms, seats their
        access OFF would free there: holders in no other teacher's licensed classroom, R4)."""
        held: Counter[int] = Counter()
        freed: Counter[int] = Counter()
        for s in self._holders(school):
            owners = {self.facts.teacher_of[c] for c in self._classes_at(s, school)}
            for t in owners:
                held[t] += 1
            if len(owners) == 1:
                freed[next(iter(owners))] += 1
        return {t: (held[t], freed[t]) for t in held}

    def by_classroom(self, school: int) -> dict[int, tuple[int, int]]:
        """classroom -> (seats held through it, seats un-enrolling it would free: holders in no
        other licensed classroom of the school, R1)."""
        held: Counter[int] = Counter()
        only: Counter[int] = Counter()
        for s in self._holders(school):
            classes = self._classes_at(s, school)
            for c in classes:
                held[c] += 1
            if len(classes) == 1:
                only[classes[0]] += 1
        return {c: (held[c], only[c]) for c in held}

    def _holders(self, school: int) -> list[int]:
        return sorted(s for s in set(self.hold.base) | set(self.hold.top) if school in self.held(s))

    def _classes_at(self, s: int, school: int) -> list[int]:
        return sorted(
            c
            for c in self.hold.get(s, ())
            if c not in self.unlicensed and self.school_of[c] == school
        )


def freed_by_merge(seats_of: Mapping[int, set[tuple[int, int]]], ids: Iterable[int]) -> int:
    """Seats a merge frees: the group's seats now minus those the keeper holds after taking
    every enrollment (the union of the group's (school, product) seats; R1, R3)."""
    ids = list(ids)
    before = sum(len(seats_of.get(i, ())) for i in ids)
    after: set[tuple[int, int]] = set()
    for i in ids:
        after |= seats_of.get(i, set())
    return before - len(after)
