"""Input facts, atomic actions, steps and plans (the planner's data), and step kinds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from seatkeeper.seats.counting import capacity_of

ALLOCATE_POOL = "allocate_pool"
MOVE_ALLOCATION = "move_allocation"
MERGE_DUPLICATES = "merge_duplicates"
UNENROLL_STALE_CLASSROOM = "unenroll_stale_classroom"
UNENROLL_INACTIVE_STUDENT = "unenroll_inactive_student"
UNENROLL_SECOND_SCHOOL = "unenroll_second_school"
TEACHER_ACCESS_OFF = "teacher_access_off"

# Least disruption first: seat moves disrupt nobody, merges of true duplicates nobody, stale
# classrooms and long-inactive students little, switching active teachers off most.
TIER = {
    ALLOCATE_POOL: 0,
    MOVE_ALLOCATION: 0,
    MERGE_DUPLICATES: 1,
    UNENROLL_STALE_CLASSROOM: 2,
    UNENROLL_INACTIVE_STUDENT: 2,
    UNENROLL_SECOND_SCHOOL: 2,
    TEACHER_ACCESS_OFF: 3,
}
WEIGHT = {0: 0.0, 1: 1.0, 2: 1_000.0, 3: 1_000_000.0}
STEP_ORDER = [
    ALLOCATE_POOL,
    MOVE_ALLOCATION,
    MERGE_DUPLICATES,
    UNENROLL_STALE_CLASSROOM,
    UNENROLL_INACTIVE_STUDENT,
    UNENROLL_SECOND_SCHOOL,
    TEACHER_ACCESS_OFF,
]
EXACT_LIMIT = 12  # candidate roster actions up to which `choose` searches exhaustively


# --- input -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolFacts:
    id: int
    name: str
    sourced_id: str
    allocated: int
    school_purchased: int
    used: int

    @property
    def capacity(self) -> int:
        return capacity_of(self.allocated, self.school_purchased)


@dataclass(frozen=True)
class ClassroomFacts:
    id: int
    school_id: int
    name: str
    teacher_id: int
    enrolled: int  # every enrollment row (un-enrolling touches them all)
    term_ends_on: dt.date | None = None
    last_activity_on: dt.date | None = None
    created_on: dt.date | None = None


@dataclass(frozen=True)
class TeacherFacts:
    id: int
    name: str
    last_activity_on: dt.date | None = None


@dataclass(frozen=True)
class StudentFacts:
    id: int
    name: str
    home_school_id: int | None = None
    last_sign_in_on: dt.date | None = None
    created_on: dt.date | None = None


@dataclass(frozen=True)
class DupGroup:
    student_ids: tuple[int, ...]
    keeper_id: int
    score: float = 1.0
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlannerInput:
    today: dt.date
    schools: tuple[SchoolFacts, ...]
    rows: tuple[tuple[int, int], ...]  # licensed enrollments (student, classroom), loaded schools
    classrooms: dict[int, ClassroomFacts]
    teachers: dict[int, TeacherFacts] = field(default_factory=dict)
    students: dict[int, StudentFacts] = field(default_factory=dict)
    duplicates: tuple[DupGroup, ...] = ()
    pool_unallocated: int = 0
    stale_days: int = 90
    inactive_days: int = 120
    targets: frozenset[int] | None = None  # schools to fix; None: every school
    allow_allocation: bool = True  # district admins only (moves and pool seats)
    kinds: frozenset[str] = frozenset(TIER)

    def school(self, pk: int) -> SchoolFacts:
        return {s.id: s for s in self.schools}[pk]


# --- actions and steps -------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One atomic change. `ref` identifies it: classroom id, teacher id, (student, school),
    (keeper, others), or (from school, to school, seats) / (school, seats) for seats."""

    kind: str
    ref: tuple[Any, ...]
    school_id: int  # the school it is for (step grouping)
    affected: int = 0

    @property
    def cost(self) -> float:
        return WEIGHT[TIER[self.kind]] * (1 + self.affected)


@dataclass
class Step:
    kind: str
    actions: list[Action]
    objects: list[dict[str, Any]]
    reason: str
    students_affected: int
    seats_freed: int = 0
    school_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "objects": self.objects,
            "seats_freed": self.seats_freed,
            "students_affected": self.students_affected,
            "reason": self.reason,
        }


@dataclass
class Plan:
    schools: list[dict[str, Any]]
    steps: list[Step]
    unresolved: list[dict[str, Any]]
    exact: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "schools": self.schools,
            "steps": [s.as_dict() for s in self.steps],
            "unresolved": self.unresolved,
        }
