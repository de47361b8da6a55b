"""Usage history benchmark (issue 16.1): the daily snapshot's time and a year's size.

    .venv/bin/python bench/bench_history.py [--sizes 100000,1000000] [--runs 5] [--database-url URL]

For each size, on a generated district (bench/generate.py; SQLite files bench/data/
history-N.sqlite3, kept, or the given database): the median time of `seats.services.
usage_snapshot_take` (one day's upsert of every school and product, the ledger's figures) and
of the daily task's whole work for the district (snapshot + every alert); then a year of
history (365 days of the day's rows, written with the snapshot's own upsert) and what it costs:
rows, and bytes of the table and its index (SQLite: page counts before and after, vacuumed;
PostgreSQL: pg_total_relation_size). Exits 1 if a day's snapshot has not exactly one row per
live school and product.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
DATA = ROOT / "bench" / "data"
QUICK_ARGS = ["--sizes", "5000", "--runs", "3"]


def _table_bytes() -> int:
    from django.db import connection

    from seatkeeper.seats.models import UsageSnapshot

    table = UsageSnapshot._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT pg_total_relation_size(%s)", [table])
            return int(cur.fetchone()[0])
        cur.execute("PRAGMA page_size")
        (page,) = cur.fetchone()
        cur.execute("PRAGMA page_count")
        (pages,) = cur.fetchone()
        cur.execute("PRAGMA freelist_count")
        (free,) = cur.fetchone()
        return int(page * (pages - free))


def run(students: int, runs: int, database_url: str | None) -> bool:
    from django.db import connection, transaction

    from bench.generate import generate_district
    from seatkeeper.orgs.models import District, Product, School
    from seatkeeper.seats import history
    from seatkeeper.seats.models import UsageSnapshot
    from seatkeeper.seats.services import daily, usage_snapshot_take

    slug = f"hist-{students // 1000}k"
    district = District.objects.filter(slug=slug).first()
    if district is None:
        t = time.perf_counter()
        district = generate_district(slug, students=students, seed=1)
        print(f"generated {slug} in {time.perf_counter() - t:.0f} s")
    UsageSnapshot.objects.filter(district=district).delete()
    schools = School.objects.filter(district=district, deleted_at__isnull=True).count()
    products = Product.objects.filter(district=district).count()
    snap, whole = [], []
    for _ in range(runs):
        t = time.perf_counter()
        rows = usage_snapshot_take(district=district)
        snap.append(time.perf_counter() - t)
        t = time.perf_counter()
        daily(district=district)
        whole.append(time.perf_counter() - t)
    ok = rows == schools * products == UsageSnapshot.objects.filter(district=district).count()
    # A year: the day's rows under 365 days (the snapshot's own upsert, one transaction a day).
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("VACUUM")
    before = _table_bytes()
    start = dt.date.today() - dt.timedelta(days=365)
    t = time.perf_counter()
    for i in range(365):
        with transaction.atomic():
            history.take(district, day=start + dt.timedelta(days=i))
    year_s = time.perf_counter() - t
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("VACUUM")
    else:
        with connection.cursor() as cur:
            cur.execute(f"VACUUM ANALYZE {UsageSnapshot._meta.db_table}")
    year_rows = UsageSnapshot.objects.filter(district=district).count() - rows
    year_bytes = _table_bytes() - before
    t = time.perf_counter()
    series = history.district_series(
        district_id=district.pk,
        product_id=Product.objects.get(district=district, code="core").pk,
        start=dt.date.today() - dt.timedelta(days=90),
        end=dt.date.today(),
    )
    series_ms = (time.perf_counter() - t) * 1000
    print(
        f"{connection.vendor} {students:>9,} students, {schools} schools x {products} products: "
        f"snapshot median {statistics.median(snap) * 1000:.0f} ms "
        f"(min {min(snap) * 1000:.0f}), daily task for the district median "
        f"{statistics.median(whole) * 1000:.0f} ms; a year: {year_rows:,} rows, "
        f"{year_bytes / 1e6:.1f} MB ({year_bytes / max(year_rows, 1):.0f} B/row incl. index), "
        f"written in {year_s:.1f} s; 90-day district series {series_ms:.0f} ms "
        f"({len(series)} points); rows ok: {ok}"
    )
    UsageSnapshot.objects.filter(district=district).delete()
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--database-url")
    args = ap.parse_args(argv)
    ok = True
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.database_url or len(sizes) == 1:
        from bench.generate import setup_django

        url = args.database_url or f"sqlite:///{DATA / f'history-{sizes[0]}.sqlite3'}"
        DATA.mkdir(parents=True, exist_ok=True)
        setup_django(url)
        for n in sizes:
            ok &= run(n, args.runs, url)
        print(f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return 0 if ok else 1
    import subprocess

    for n in sizes:  # one process (and SQLite file) per size
        rc = subprocess.call(
            [sys.executable, __file__, "--sizes", str(n), "--runs", str(args.runs)]
        )
        ok &= rc == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
