"""The planner's state: the seats what-if model (`seats.whatif.SeatModel`) driven by planner
actions. Each step kind is one of the model's changes, so the planner, its previews and apply
count seats by the same rules as the ledger (R1, R3-R6, R8)."""

from __future__ import annotations

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
from seatkeeper.seats import whatif
from seatkeeper.seats.whatif import Change, Layer, SeatFacts, SeatModel

_Layer = Layer  # the name earlier code and tests use

CHANGE_OF = {
    ALLOCATE_POOL: whatif.ADD_CAPACITY,
    MOVE_ALLOCATION: whatif.MOVE_CAPACITY,
    UNENROLL_STALE_CLASSROOM: whatif.UNENROLL_CLASSROOM,  # un-enroll all, then archive
    TEACHER_ACCESS_OFF: whatif.ACCESS_OFF,
    UNENROLL_INACTIVE_STUDENT: whatif.UNENROLL_AT,
    UNENROLL_SECOND_SCHOOL: whatif.UNENROLL_AT,
    MERGE_DUPLICATES: whatif.MERGE,
}


def change_of(a: Action | Change) -> Change:
    """The what-if change a planner action makes."""
    if isinstance(a, Change):
        return a
    return Change(CHANGE_OF[a.kind], a.ref)


def seat_facts(inp: PlannerInput) -> SeatFacts:
    """The model's facts for a planner input (built once per input)."""
    cached = inp.__dict__.get("_facts")
    if cached is None:
        cached = SeatFacts(
            rows=inp.rows,
            school_of={c.id: c.school_id for c in inp.classrooms.values()},
            teacher_of={c.id: c.teacher_id for c in inp.classrooms.values()},
            used={s.id: s.used for s in inp.schools},
            capacity={s.id: s.capacity for s in inp.schools},
        )
        object.__setattr__(inp, "_facts", cached)
    return cached


def _groups(inp: PlannerInput) -> dict[int, tuple[int, ...]]:
    cached = inp.__dict__.get("_groups")
    if cached is None:
        cached = {i: g.student_ids for g in inp.duplicates for i in g.student_ids}
        object.__setattr__(inp, "_groups", cached)
    return cached


class State(SeatModel):
    """The what-if model of a planner input; accepts planner actions where the model takes
    changes (`rows` restricts it to some rows, for the planner's local re-simulations)."""

    def __init__(self, inp: PlannerInput, rows: Iterable[tuple[int, int]] | None = None) -> None:
        super().__init__(seat_facts(inp), rows)
        self.inp = inp
        self.group_of = _groups(inp)

    def students_of(self, a: Any) -> set[int]:
        return super().students_of(change_of(a))

    def mutate(self, a: Any) -> None:
        super().mutate(change_of(a))

    _mutate = mutate

    def apply(self, a: Any) -> dict[int, int]:
        return super().apply(change_of(a))

    def trial(self, a: Any) -> tuple[dict[int, int], dict[int, float]]:
        return super().trial(change_of(a))


def simulate(inp: PlannerInput, actions: Iterable[Action]) -> tuple[State, list[dict[int, int]]]:
    state = State(inp)
    return state, [state.apply(a) for a in actions]
