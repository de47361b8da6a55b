"""Random small planner inputs (pure, no database) for the planner's property tests."""

from __future__ import annotations

import datetime as dt
import random

from seatkeeper.fixes import planner as P

TODAY = dt.date(2026, 11, 28)


def random_input(rng: random.Random, *, allow_allocation: bool | None = None) -> P.PlannerInput:
    n_schools = rng.randint(1, 3)
    classrooms: dict[int, P.ClassroomFacts] = {}
    teachers: dict[int, P.TeacherFacts] = {}
    cid = 0
    for s in range(1, n_schools + 1):
        for _ in range(rng.randint(1, 4)):
            cid += 1
            t = rng.randint(1, 2 * n_schools + 1)
            teachers[t] = P.TeacherFacts(t, f"T{t}", TODAY - dt.timedelta(days=rng.randint(0, 40)))
            stale = rng.random() < 0.4
            classrooms[cid] = P.ClassroomFacts(
                id=cid,
                school_id=s,
                name=f"C{cid}",
                teacher_id=t,
                enrolled=0,
                term_ends_on=dt.date(2026, 6, 12) if stale else dt.date(2027, 6, 11),
                last_activity_on=TODAY - dt.timedelta(days=150 if stale else 3),
                created_on=dt.date(2025, 8, 1),
            )
    rows: set[tuple[int, int]] = set()
    students: dict[int, P.StudentFacts] = {}
    ids = list(classrooms)
    for sid in range(1, rng.randint(1, 14) + 1):
        mine = rng.sample(ids, rng.randint(1, min(3, len(ids))))
        rows |= {(sid, c) for c in mine}
        inactive = rng.random() < 0.25
        students[sid] = P.StudentFacts(
            id=sid,
            name=f"S{sid}",
            home_school_id=classrooms[mine[0]].school_id,
            last_sign_in_on=TODAY - dt.timedelta(days=200 if inactive else 2),
            created_on=dt.date(2025, 8, 1),
        )
    enrolled = {c: sum(1 for _, x in rows if x == c) for c in classrooms}
    classrooms = {
        c: P.ClassroomFacts(**{**f.__dict__, "enrolled": enrolled[c]})
        for c, f in classrooms.items()
    }
    dups = []
    pool = list(students)
    rng.shuffle(pool)
    while len(pool) >= 2 and rng.random() < 0.4:
        a, b = pool.pop(), pool.pop()
        dups.append(P.DupGroup((a, b), a, 0.95, ("same first name",)))
    used = {
        s: len({st for st, c in rows if classrooms[c].school_id == s})
        for s in range(1, n_schools + 1)
    }
    schools = tuple(
        P.SchoolFacts(s, f"School {s}", f"s{s}", max(0, used[s] + rng.randint(-6, 4)), 0, used[s])
        for s in range(1, n_schools + 1)
    )
    return P.PlannerInput(
        today=TODAY,
        schools=schools,
        rows=tuple(sorted(rows)),
        classrooms=classrooms,
        teachers=teachers,
        students=students,
        duplicates=tuple(dups),
        pool_unallocated=rng.randint(0, 3),
        allow_allocation=rng.random() < 0.5 if allow_allocation is None else allow_allocation,
    )
