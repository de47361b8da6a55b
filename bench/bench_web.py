"""Web benchmark: a 5,000-student school's Manage Students page on SQLite (goal < 300 ms), and
a constant number of queries per page whatever the page size or page number.

    .venv/bin/python bench/bench_web.py [--students 5000] [--runs 15] [--quick]

Generates (once, kept in bench/data/web-<N>.sqlite3) one district with a single school of N
students using bench/generate.py, signs in a school admin through Django's test client and
times full GET requests (view, selectors, template) warm: one discarded run, then the median
and max of --runs. Checks the query count is the same for page 1, a middle page, a sorted page,
a search, and 10 vs 100 rows per page (the selector's page size). Exit 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
DATA = ROOT / "bench" / "data"
QUICK_ARGS = ["--quick"]
GOAL_MS = 300.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="7 runs")
    args = parser.parse_args()
    runs = 7 if args.quick else args.runs
    (DATA / "static").mkdir(parents=True, exist_ok=True)  # STATIC_ROOT: WhiteNoise warns without it
    db = DATA / f"web-{args.students}.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("SEATKEEPER_VAR_DIR", str(DATA))
    from bench.generate import generate_district, setup_django

    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from seatkeeper.orgs import services as orgs
    from seatkeeper.orgs.models import District, Role, School
    from seatkeeper.orgs.scoping import system_scope

    slug = f"bench-web-{args.students}"
    district = District.objects.filter(slug=slug).first()
    if district is None:
        t0 = time.perf_counter()
        district = generate_district(slug, students=args.students, seed=1, schools=1)
        print(f"generated {slug} in {time.perf_counter() - t0:.1f}s")
    school = School.objects.filter(district=district).order_by("id").first()
    user = get_user_model().objects.filter(username=f"{slug}-sa").first()
    if user is None:
        user = orgs.user_create(
            scope=system_scope(district),
            username=f"{slug}-sa",
            password="bench-password-1",
            role=Role.SCHOOL_ADMIN,
            district=district,
            school_ids=[school.pk],
        )
    client = Client()
    client.force_login(user)
    base = f"/schools/{school.pk}/students/"
    from seatkeeper.roster.scoping import scope_for_user
    from seatkeeper.roster.selectors import students_at_school

    n_students = students_at_school(scope=scope_for_user(user), school=school).count()
    pages = {
        "page 1 (name)": base,
        "page 20": base + "?page=20",
        "sort -last_sign_in": base + "?sort=-last_sign_in&page=3",
        "search 'an'": base + "?q=an",
        "htmx search": base + "?q=mar",
    }
    print(f"Manage Students, SQLite, school of {n_students} students, {runs} runs (warm)")
    failed = False
    counts: dict[str, int] = {}
    for label, url in pages.items():
        headers = {"HTTP_HX_REQUEST": "true"} if label.startswith("htmx") else {}
        assert client.get(url, **headers).status_code == 200
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            response = client.get(url, **headers)
            times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as q:
            client.get(url, **headers)
        counts[label] = len(q)
        med, worst = statistics.median(times), max(times)
        ok = med < GOAL_MS
        failed |= not ok
        print(
            f"  {label:<20} median {med:6.1f} ms  max {worst:6.1f} ms  {len(q):2d} queries  {'ok' if ok else 'SLOW'}"
        )
    from seatkeeper.roster.selectors import student_page
    from seatkeeper.seats.selectors import default_product

    scope = scope_for_user(user)
    product = default_product(district.pk)
    sizes = {}
    for per_page in (10, 100):
        with CaptureQueriesContext(connection) as q:
            student_page(scope=scope, school=school, product=product, per_page=per_page)
        sizes[per_page] = len(q)
    full = {n for label, n in counts.items() if not label.startswith("htmx")}
    same = len(full) == 1 and sizes[10] == sizes[100]
    print(f"  selector queries: 10 rows/page {sizes[10]}, 100 rows/page {sizes[100]}")
    print(f"  query count constant per page: {'yes' if same else 'NO'}")
    return 1 if failed or not same else 0


if __name__ == "__main__":
    raise SystemExit(main())
