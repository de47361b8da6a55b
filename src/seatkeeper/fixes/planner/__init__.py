"""The overallocation fix planner: pure computation, no ORM (domain.md "Overallocation fixes").

Input: one product's facts for a district (schools' capacity and used, the licensed enrollment
rows of the schools involved, classroom/teacher/student facts, duplicate groups, the pool's
unallocated seats). Output: ordered steps that bring every target school to used <= capacity
with the least disruption, each with the seats it frees *given the steps before it*.

Seats are counted the way the selectors count them (R1: a student holds a seat at S while in at
least one licensed classroom of S; R3: duplicates each count; R4/R8: a teacher OFF unlicenses
the classrooms they are primary of; R5: archived classrooms and deleted students count nothing;
R6: a student can hold seats at two schools). `simulate()` replays steps on the input rows with
exactly the semantics of the services that apply them, so preview == apply.

Choosing roster steps is a covering problem (a student is freed only when all their licensed
classrooms at the school go). `choose()` is exact (exhaustive) for small candidate sets and a
greedy with a progress potential plus a reverse-delete pass otherwise; tests measure the gap.
"""

from __future__ import annotations

from seatkeeper.fixes.planner.choose import (  # noqa: F401
    candidates,
    choose,
    coverable_needs,
    exact_choice,
    greedy_choice,
    is_inactive,
    is_stale,
    seat_actions,
)
from seatkeeper.fixes.planner.model import (  # noqa: F401
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
    WEIGHT,
    Action,
    ClassroomFacts,
    DupGroup,
    Plan,
    PlannerInput,
    SchoolFacts,
    Step,
    StudentFacts,
    TeacherFacts,
)
from seatkeeper.fixes.planner.state import (  # noqa: F401
    State,
    _Layer,
    simulate,
)
from seatkeeper.fixes.planner.steps import (  # noqa: F401
    action_from_json,
    action_to_json,
    build_steps,
    describe,
    fingerprint,
    fingerprint_facts,
    involved,
    plan,
    plan_cost,
    steps_from_json,
)
