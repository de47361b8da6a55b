"""The pure planner: joint seats freed (R1, R3, R4, R6), never moving seats in use, every
coverable school fixed, and the greedy's gap to the exact answer on small random cases."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from seatkeeper.fixes import planner as P
from tests.fixes.rosters import TODAY, random_input


def _facts(used: int, cap: int, sid: int = 1) -> P.SchoolFacts:
    return P.SchoolFacts(sid, f"S{sid}", f"s{sid}", cap, 0, used)


def _room(cid: int, teacher: int, stale: bool, school: int = 1) -> P.ClassroomFacts:
    import datetime as dt

    return P.ClassroomFacts(
        cid,
        school,
        f"C{cid}",
        teacher,
        enrolled=0,
        term_ends_on=dt.date(2026, 6, 12) if stale else dt.date(2027, 6, 1),
        last_activity_on=dt.date(2026, 6, 1) if stale else TODAY,
    )


def test_r1_a_student_in_two_stale_classrooms_is_freed_only_when_both_go() -> None:
    rows = ((1, 1), (1, 2), (2, 1), (3, 3))
    inp = P.PlannerInput(
        TODAY,
        (_facts(3, 1),),
        rows,
        {1: _room(1, 1, True), 2: _room(2, 2, True), 3: _room(3, 3, False)},
        {t: P.TeacherFacts(t, f"T{t}") for t in (1, 2, 3)},
        allow_allocation=False,
    )
    state = P.State(inp)
    assert state.apply(P.Action(P.UNENROLL_STALE_CLASSROOM, (1,), 1)) == {1: 1}  # student 2
    assert state.apply(P.Action(P.UNENROLL_STALE_CLASSROOM, (2,), 1)) == {1: 1}  # student 1
    plan = P.plan(inp)
    assert [s.kind for s in plan.steps] == [P.UNENROLL_STALE_CLASSROOM] * 2
    assert [s.seats_freed for s in plan.steps] == [1, 1]
    assert plan.steps[0].reason.startswith("term ended 2026-06-12; no activity for 180 days")
    assert plan.unresolved == []


def test_r3_merge_frees_the_duplicate_seat_before_any_unenroll() -> None:
    rows = ((1, 1), (2, 1), (3, 1))
    inp = P.PlannerInput(
        TODAY,
        (_facts(3, 2),),
        rows,
        {1: _room(1, 1, True)},
        {1: P.TeacherFacts(1, "T1")},
        duplicates=(P.DupGroup((1, 2), 1),),
        allow_allocation=False,
    )
    plan = P.plan(inp)
    assert [(s.kind, s.seats_freed) for s in plan.steps] == [(P.MERGE_DUPLICATES, 1)]


def test_moves_take_only_spare_seats_and_pool_comes_first() -> None:
    inp = P.PlannerInput(
        TODAY,
        (_facts(30, 20, 1), _facts(10, 14, 2), _facts(5, 5, 3)),
        (),
        {},
        pool_unallocated=3,
    )
    plan = P.plan(inp)
    got = [(s.kind, s.seats_freed) for s in plan.steps]
    assert got == [(P.ALLOCATE_POOL, 3), (P.MOVE_ALLOCATION, 4)]
    after = {s["id"]: s["after"] for s in plan.schools}
    assert after[2] == {"capacity": 10, "used": 10, "remaining": 0}
    assert 3 not in after
    assert plan.unresolved == [{"school": 1, "short_by": 3, "why": plan.unresolved[0]["why"]}]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**9))
def test_plans_never_move_seats_in_use_and_fix_every_coverable_school(seed: int) -> None:
    inp = random_input(random.Random(seed))
    plan = P.plan(inp)
    facts = {f.id: f for f in inp.schools}
    moved: dict[int, int] = {}
    for step in plan.steps:
        for a in step.actions:
            if a.kind == P.MOVE_ALLOCATION:
                moved[a.ref[0]] = moved.get(a.ref[0], 0) + a.ref[2]
    for donor, n in moved.items():
        f = facts[donor]
        assert f.used <= f.capacity - n  # only seats remaining after its own needs
    # Every candidate applied at once frees the most each school can free: compare.
    need = {f.id: f.used - f.capacity for f in inp.schools if f.used > f.capacity}
    seats = P.seat_actions(inp, need)
    st0, _ = P.simulate(inp, seats)
    short = {s for s in need if st0.used[s] > st0.capacity[s]}
    best, _ = P.simulate(inp, [*seats, *P.candidates(inp, short)])
    after = {s["id"]: s["after"] for s in plan.schools}
    for s in need:
        if best.used[s] <= best.capacity[s]:
            assert after[s]["remaining"] >= 0, (seed, s)
        else:
            assert after[s]["remaining"] == best.capacity[s] - best.used[s]
    assert {u["school"] for u in plan.unresolved} == {s for s in need if after[s]["remaining"] < 0}


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**9), st.data())
def test_describe_of_any_selection_matches_a_replay(seed: int, data: st.DataObject) -> None:
    inp = random_input(random.Random(seed))
    plan = P.plan(inp)
    chosen = data.draw(st.sets(st.integers(0, max(0, len(plan.steps) - 1))))
    out = P.describe(inp, P.build_steps(inp, [a for s in plan.steps for a in s.actions]), chosen)
    state, _ = P.simulate(
        inp, [a for i in sorted(chosen) if i < len(plan.steps) for a in plan.steps[i].actions]
    )
    for row in out.schools:
        assert row["after"]["used"] == state.used[row["id"]]
        assert row["after"]["capacity"] == state.capacity[row["id"]]


def test_greedy_gap_to_exact_on_small_random_cases() -> None:
    """The heuristic is always feasible; its cost gap to the exact optimum is measured."""
    rng = random.Random(20261128)
    ratios = []
    for _ in range(400):
        inp = random_input(rng, allow_allocation=False)
        need0 = {f.id: f.used - f.capacity for f in inp.schools if f.used > f.capacity}
        if not need0:
            continue
        cands = P.candidates(inp, set(need0))
        if not 0 < len(cands) <= 10:
            continue
        need = P.coverable_needs(inp, [], cands)
        exact = P.exact_choice(inp, [], cands, need)
        greedy = P.greedy_choice(inp, [], cands, need)
        st_g, _ = P.simulate(inp, greedy)
        for s, n in need.items():
            assert inp.school(s).used - st_g.used[s] >= n  # greedy meets every coverable need
        ce, cg = P.plan_cost(exact), P.plan_cost(greedy)
        assert cg >= ce - 1e-6
        ratios.append(cg / ce if ce else 1.0)
    assert len(ratios) > 100
    optimal = sum(1 for r in ratios if r <= 1 + 1e-9) / len(ratios)
    mean = sum(ratios) / len(ratios)
    print(
        f"greedy vs exact: {len(ratios)} cases, optimal {optimal:.0%}, mean ratio {mean:.3f}, max {max(ratios):.2f}"
    )
    assert optimal >= 0.8
    assert mean <= 1.15
