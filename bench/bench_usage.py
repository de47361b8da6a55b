"""Usage benchmark: Seatkeeper's selectors vs the best hand-written SQL, same data, one run.

    .venv/bin/python bench/bench_usage.py                       # 100k, SQLite and PostgreSQL
    .venv/bin/python bench/bench_usage.py --backend postgres --students 1000000
    .venv/bin/python bench/bench_usage.py --quick               # 20k students, 3 runs

For each backend it generates one synthetic district (bench/generate.py; SQLite in
bench/data/usage-<N>.sqlite3, kept and reused; PostgreSQL in a throw-away database created and
dropped here), then times, warm (one discarded run first), median of --runs runs:

- district: `usage_for_district` (every school + totals, rules R1-R8) against one hand-written
  SQL statement giving the same figures (best of a few query shapes, timed the same way);
- school: `usage_for_school` of the largest school against hand-written SQL for it;

checks both give identical numbers (exit 1 if not) and prints ms and the ratio
selectors / hand SQL (goals: district <= 1.5x, one school < 50 ms at 100k students).
A backend's run happens in a child process (Django is configured once per process).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
DATA = ROOT / "bench" / "data"
PG_ADMIN = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
QUICK_ARGS = ["--quick"]
GEN_BUDGET_S = 600  # skip a size whose generation would take longer than this

# --- hand-written SQL ------------------------------------------------------------------------
# The same rules as the selectors: a seat = a distinct (school, student) over enrollments of
# non-deleted students in licensed classrooms (active, not deleted, primary teacher not deleted
# with access ON for the product: R1, R4, R5, R8); capacity = allocation + school-owned
# purchases whose term contains the day (R7); the pool = district purchases active that day.

_LICENSED = """
    c.district_id = %(d)s AND c.status = 'active' AND c.deleted_at IS NULL
    AND t.deleted_at IS NULL AND a.product_id = %(p)s AND a."on" {true}
"""

USED_JOIN = """
SELECT c.school_id AS school_id, COUNT(DISTINCT e.student_id) AS n
FROM roster_enrollment e
JOIN roster_classroom c ON c.id = e.classroom_id
JOIN roster_teacher t ON t.id = c.primary_teacher_id
JOIN seats_teacheraccess a ON a.teacher_id = t.id
JOIN roster_student s ON s.id = e.student_id
WHERE {licensed} AND s.deleted_at IS NULL {school}
GROUP BY c.school_id
"""

USED_PAIRS = """
SELECT school_id, COUNT(*) AS n FROM (
  SELECT DISTINCT c.school_id AS school_id, e.student_id AS student_id
  FROM roster_classroom c
  JOIN roster_teacher t ON t.id = c.primary_teacher_id
  JOIN seats_teacheraccess a ON a.teacher_id = t.id
  JOIN roster_enrollment e ON e.classroom_id = c.id
  JOIN roster_student s ON s.id = e.student_id
  WHERE {licensed} AND s.deleted_at IS NULL {school}
) pairs GROUP BY school_id
"""

USED_EXISTS = """
SELECT c.school_id AS school_id, COUNT(DISTINCT e.student_id) AS n
FROM roster_classroom c
JOIN roster_enrollment e ON e.classroom_id = c.id
WHERE c.district_id = %(d)s AND c.status = 'active' AND c.deleted_at IS NULL {school}
  AND EXISTS (SELECT 1 FROM roster_teacher t JOIN seats_teacheraccess a
              ON a.teacher_id = t.id AND a.product_id = %(p)s AND a."on" {true}
              WHERE t.id = c.primary_teacher_id AND t.deleted_at IS NULL)
  AND EXISTS (SELECT 1 FROM roster_student s WHERE s.id = e.student_id AND s.deleted_at IS NULL)
GROUP BY c.school_id
"""

DISTRICT = """
WITH used AS ({used}),
bought AS (
  SELECT school_id, SUM(seats) AS n FROM seats_purchase
  WHERE district_id = %(d)s AND product_id = %(p)s AND deleted_at IS NULL
    AND starts_on <= %(on)s AND ends_on >= %(on)s
  GROUP BY school_id)
SELECT sc.id, sc.name, sc.sourced_id, COALESCE(al.seats, 0), COALESCE(b.n, 0), COALESCE(u.n, 0)
FROM orgs_school sc
LEFT JOIN seats_allocation al ON al.school_id = sc.id AND al.product_id = %(p)s
LEFT JOIN bought b ON b.school_id = sc.id
LEFT JOIN used u ON u.school_id = sc.id
WHERE sc.district_id = %(d)s AND sc.deleted_at IS NULL
UNION ALL
SELECT NULL, NULL, NULL, 0, COALESCE((SELECT n FROM bought WHERE school_id IS NULL), 0), 0
"""

SCHOOL = """
SELECT
  (SELECT COALESCE(SUM(seats), 0) FROM seats_purchase
   WHERE district_id = %(d)s AND product_id = %(p)s AND school_id = %(s)s
     AND deleted_at IS NULL AND starts_on <= %(on)s AND ends_on >= %(on)s),
  (SELECT COALESCE(MAX(seats), 0) FROM seats_allocation
   WHERE district_id = %(d)s AND school_id = %(s)s AND product_id = %(p)s),
  (SELECT COALESCE(SUM(n), 0) FROM ({used}) u)
"""

SHAPES = {"join": USED_JOIN, "pairs": USED_PAIRS, "exists": USED_EXISTS}


def _sql(template: str, used: str, *, pg: bool, school: bool) -> str:
    true = "" if pg else "= 1"
    used_sql = used.format(
        licensed=_LICENSED.format(true=true),
        true=true,
        school="AND c.school_id = %(s)s" if school else "",
    )
    return template.format(used=used_sql)


def _medians_ms(fns: dict[str, Callable[[], Any]], runs: int) -> dict[str, tuple[float, Any]]:
    """Median ms of each callable, warm (one discarded call each), runs interleaved.

    Interleaving (A B C, B C A, ...) makes every candidate see the same background load, so
    the ratios hold on a shared machine even when absolute times drift.
    """
    results = {name: fn() for name, fn in fns.items()}
    times: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for i in range(runs):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            t0 = time.perf_counter()
            results[name] = fns[name]()
            times[name].append((time.perf_counter() - t0) * 1000)
    return {name: (statistics.median(times[name]), results[name]) for name in fns}


# --- one backend, in a child process ---------------------------------------------------------


def child(students: int, runs: int, seed: int) -> dict[str, Any]:
    from bench.generate import generate_district, setup_django

    setup_django()
    from django.db import connection

    from seatkeeper.orgs.models import District, Product, School
    from seatkeeper.orgs.scoping import system_scope
    from seatkeeper.seats.selectors import today, usage_for_district, usage_for_school

    slug = f"bench-{students}-s{seed}"
    district = District.objects.filter(slug=slug).first()
    gen: dict[str, Any] = {"reused": True}
    if district is None:
        district = generate_district(slug, students=students, seed=seed)
        gen = district.bench_stats
    pg = connection.vendor == "postgresql"
    scope = system_scope(district, via="bench")
    product = Product.objects.get(district=district, code="core")
    on = today()
    params = {"d": district.pk, "p": product.pk, "on": on if pg else on.isoformat()}

    def selectors() -> dict[str, Any]:
        u = usage_for_district(scope=scope, district=district, product=product, on=on)
        return {
            "pool": u.pool,
            "schools": {s.id: (s.allocated, s.school_purchased, s.used) for s in u.schools},
            "totals": (u.purchased, u.allocated, u.unallocated, u.used),
        }

    def hand(used: str) -> Callable[[], dict[str, Any]]:
        sql = _sql(DISTRICT, used, pg=pg, school=False)

        def run() -> dict[str, Any]:
            with connection.cursor() as c:
                c.execute(sql, params)
                rows = c.fetchall()
            pool = next(r[4] for r in rows if r[0] is None)
            schools = {r[0]: (r[3], r[4], r[5]) for r in rows if r[0] is not None}
            sp = sum(v[1] for v in schools.values())
            al = sum(v[0] for v in schools.values())
            used_total = sum(v[2] for v in schools.values())
            return {
                "pool": pool,
                "schools": schools,
                "totals": (pool + sp, al, pool - al, used_total),
            }

        return run

    out: dict[str, Any] = {"backend": connection.vendor, "students": students, "gen": gen}
    timed = _medians_ms(
        {"selectors": selectors} | {name: hand(used) for name, used in SHAPES.items()}, runs
    )
    out["district_selectors_ms"], sel = timed.pop("selectors")
    shapes = {name: round(ms, 2) for name, (ms, _) in timed.items()}
    best = min(shapes, key=shapes.__getitem__)
    out["district_hand_ms"] = shapes
    out["district_best_shape"] = best
    out["district_ratio"] = round(out["district_selectors_ms"] / shapes[best], 2)
    out["district_identical"] = all(res == sel for _, res in timed.values())
    out["district_used"] = sel["totals"][3]
    out["schools"] = len(sel["schools"])

    school = School.objects.get(pk=max(sel["schools"], key=lambda k: sel["schools"][k][2]))

    def sel_school() -> tuple[int, int, int]:
        u = usage_for_school(scope=scope, school=school, product=product, on=on)
        return (u.school_purchased, u.allocated, u.used)

    sparams = {**params, "s": school.pk}
    ssql = _sql(SCHOOL, SHAPES[best], pg=pg, school=True)

    def hand_school() -> tuple[int, int, int]:
        with connection.cursor() as c:
            c.execute(ssql, sparams)
            return tuple(int(x) for x in c.fetchone())  # type: ignore[return-value]

    timed_s = _medians_ms({"selectors": sel_school, "hand": hand_school}, runs)
    out["school_selectors_ms"], s1 = timed_s["selectors"]
    out["school_hand_ms"], s2 = timed_s["hand"]
    out["school_ratio"] = round(out["school_selectors_ms"] / out["school_hand_ms"], 2)
    out["school_identical"] = s1 == s2 and s1[2] == sel["schools"][school.pk][2]
    out["school_used"] = s1[2]
    out["load"] = round(os.getloadavg()[0], 1)  # the box is shared: say how busy it was
    for k in ("district_selectors_ms", "school_selectors_ms", "school_hand_ms"):
        out[k] = round(out[k], 2)
    return out


# --- parent: backends, databases, report -----------------------------------------------------


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN.replace("postgres://", "postgresql://"), autocommit=True) as c:
        c.execute(sql)


def run_backend(backend: str, students: int, runs: int, seed: int) -> dict[str, Any]:
    env = dict(os.environ)
    env.setdefault("SEATKEEPER_VAR_DIR", str(DATA / "var"))
    dbname = None
    if backend == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{DATA / f'usage-{students}.sqlite3'}"
    else:
        dbname = f"bench_usage_{os.getpid()}_{students}"
        _pg_admin(f"CREATE DATABASE {dbname}")
        env["DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + "/" + dbname
    cmd = [sys.executable, __file__, "--child", "--students", str(students)]
    cmd += ["--runs", str(runs), "--seed", str(seed)]
    try:
        proc = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=GEN_BUDGET_S + 300
        )
    except subprocess.TimeoutExpired:
        return {"backend": backend, "students": students, "skipped": "over the time budget"}
    finally:
        if dbname:
            _pg_admin(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
    if proc.returncode != 0:
        return {"backend": backend, "students": students, "error": proc.stderr[-3000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def report(r: dict[str, Any]) -> bool:
    head = f"{r['backend']:10} {r['students']:>9,} students"
    if "skipped" in r or "error" in r:
        print(f"{head}: {'skipped: ' + r['skipped'] if 'skipped' in r else 'ERROR'}")
        if "error" in r:
            print(r["error"])
        return "error" not in r
    g = r["gen"]
    if g.get("reused"):
        print(f"{head}: data reused from an earlier run")
    else:
        print(
            f"{head}: generated {g['total_rows']:,} roster rows in {g['seconds']} s "
            f"({g['rows_per_s']:,} rows/s; {g['students']:,} student rows, {g['schools']} schools)"
        )
    print(f"  (load average at the end: {r.get('load', '?')} on {os.cpu_count()} cores)")
    hands = ", ".join(f"{k} {v} ms" for k, v in r["district_hand_ms"].items())
    best = r["district_hand_ms"][r["district_best_shape"]]
    print(
        f"  district usage ({r['schools']} schools, {r['district_used']:,} seats used): "
        f"selectors {r['district_selectors_ms']} ms | hand SQL best {best} ms "
        f"({r['district_best_shape']}) | ratio {r['district_ratio']}x "
        f"(goal <= 1.5x) | identical: {r['district_identical']}"
    )
    print(f"    hand SQL shapes: {hands}")
    print(
        f"  one school ({r['school_used']:,} used): selectors {r['school_selectors_ms']} ms | "
        f"hand SQL {r['school_hand_ms']} ms | ratio {r['school_ratio']}x (goal < 50 ms) | "
        f"identical: {r['school_identical']}"
    )
    return bool(r["district_identical"] and r["school_identical"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="selectors vs hand-written SQL for seat usage")
    ap.add_argument("--students", type=int, default=None, help="default 100000 (quick: 20000)")
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--quick", action="store_true", help="small district, 3 runs")
    ap.add_argument("--big", type=int, default=0, help="also this size on PostgreSQL (1000000)")
    ap.add_argument("--runs", type=int, default=None, help="timed runs (median); default 9")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    students = args.students or (20_000 if args.quick else 100_000)
    runs = args.runs or (3 if args.quick else 9)
    if args.child:
        print(json.dumps(child(students, runs, args.seed), default=str))
        return 0
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    ok = True
    for b in backends:
        ok = report(run_backend(b, students, runs, args.seed)) and ok
    if args.big and "postgres" in backends:
        ok = report(run_backend("postgres", args.big, runs, args.seed)) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
