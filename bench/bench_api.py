"""API benchmark: the usage endpoint and a list endpoint under concurrent load, over loopback,
from a second process (wrk), against gunicorn on PostgreSQL at 100k students; and the same
work measured in-process, so the cost of the HTTP layer shows as a ratio.

    .venv/bin/python bench/bench_api.py [--students 100000] [--duration 10] [--connections 8]
        [--database-url postgres://postgres@127.0.0.1:5432/seatkeeper_bench_api] [--quick]

Generates the district once (bench/generate.py, kept in that database), makes a district admin
with an API token, starts `gunicorn seatkeeper.wsgi` (2 workers x 4 threads, the `seatkeeper
serve` defaults) on 127.0.0.1, and runs `wrk` (apt-get install wrk) per endpoint. In-process:
the selector alone (usage_for_district / the list's page query) and the full Django+ninja stack
through the test client (no socket), median of --runs.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/seatkeeper_bench_api"

LUA = """
wrk.headers["Authorization"] = "Bearer TOKEN"
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.1f %.1f %.1f\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), summary.duration))
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _median_ms(fn: Any, runs: int) -> float:
    fn()  # warm
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _wrk(url: str, token: str, duration: int, connections: int) -> dict[str, float]:
    script = Path(f"/tmp/bench-api-{os.getpid()}.lua")
    script.write_text(LUA.replace("TOKEN", token))
    out = subprocess.run(
        ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--timeout", "30s",
         "-s", str(script), url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    script.unlink()
    m = re.search(r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+)", out)
    assert m, out
    n, errors, p50, p99, dur_us = (float(x) for x in m.groups())
    return {"requests": n, "errors": errors, "rps": n / (dur_us / 1e6), "p50_ms": p50 / 1000,
            "p99_ms": p99 / 1000}  # fmt: skip


def _ensure_database(url: str) -> None:
    """Create the benchmark's PostgreSQL database on first use (it is kept between runs)."""
    import psycopg
    from psycopg import sql

    base, name = url.replace("postgres://", "postgresql://").rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=100_000)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--database-url", default=os.environ.get("BENCH_API_DATABASE_URL", DEFAULT_DB))
    ap.add_argument("--quick", action="store_true", help="5 s per endpoint, 5 runs")
    args = ap.parse_args()
    if args.quick:
        args.duration, args.runs = 5, 5
    os.environ["DATABASE_URL"] = args.database_url
    _ensure_database(args.database_url)
    from bench.generate import generate_district, setup_django

    setup_django(args.database_url)
    from django.contrib.auth import get_user_model
    from django.test import Client

    from seatkeeper.api.services import token_create
    from seatkeeper.orgs import services as orgs
    from seatkeeper.orgs.models import District, Role
    from seatkeeper.orgs.scoping import system_scope
    from seatkeeper.roster.models import Student
    from seatkeeper.roster.scoping import scope_for_user, students_visible
    from seatkeeper.seats.selectors import usage_for_district

    slug = f"bench-api-{args.students // 1000}k"
    district = District.objects.filter(slug=slug).first()
    if district is None:
        t0 = time.perf_counter()
        district = generate_district(slug, students=args.students, seed=1)
        print(f"generated {slug} in {time.perf_counter() - t0:.0f} s")
    user = get_user_model().objects.filter(username=f"{slug}-da").first()
    if user is None:
        user = orgs.user_create(scope=system_scope(district), username=f"{slug}-da",
                                password="bench-only-pw", role=Role.DISTRICT_ADMIN, district=district)  # fmt: skip
    _, token = token_create(scope=system_scope(district), user=user, label="bench")
    scope = scope_for_user(user, via="api")
    n_students = Student.objects.filter(district=district).count()
    usage_path = f"/api/v1/districts/{slug}/usage"
    list_path = f"/api/v1/districts/{slug}/students?limit=50&offset=5000"

    def usage_selector() -> None:
        usage_for_district(scope=scope, district=district).as_dict()

    def list_selector() -> None:
        qs = Student.objects.filter(students_visible(scope), deleted_at__isnull=True)
        qs.count()
        list(qs.order_by("last_name", "first_name", "id")[5000:5050].values())

    client = Client()
    auth = {"Authorization": f"Bearer {token}"}

    def via_client(path: str) -> Any:
        def call() -> None:
            assert client.get(path, headers=auth).status_code == 200

        return call

    inproc = {
        "usage": (_median_ms(usage_selector, args.runs), _median_ms(via_client(usage_path), args.runs)),
        "students list": (_median_ms(list_selector, args.runs), _median_ms(via_client(list_path), args.runs)),
    }  # fmt: skip

    port = _free_port()
    env = {**os.environ, "DATABASE_URL": args.database_url, "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "seatkeeper.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", "2", "--threads", "4", "--log-level", "warning"],
        env=env, cwd=ROOT, start_new_session=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        http = {
            (name, c): _wrk(base + path, token, args.duration, c)
            for name, path in (("usage", usage_path), ("students list", list_path))
            for c in sorted({1, args.connections})
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)

    print(f"\nAPI on PostgreSQL, {n_students} students ({slug}), gunicorn 2 workers x 4 threads, "
          f"wrk {args.duration}s per row over loopback; in-process = median of {args.runs}")  # fmt: skip
    print(f"{'endpoint':<15} {'conns':>5} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} "
          f"{'selector ms':>11} {'in-proc ms':>10} {'p50/selector':>12} {'p50/in-proc':>11}")  # fmt: skip
    for (name, c), h in http.items():
        sel, ip = inproc[name]
        print(f"{name:<15} {c:>5} {h['rps']:>7.1f} {h['p50_ms']:>8.1f} {h['p99_ms']:>8.1f} "
              f"{int(h['errors']):>6} {sel:>11.1f} {ip:>10.1f} {h['p50_ms'] / sel:>12.2f} "
              f"{h['p50_ms'] / ip:>11.2f}")  # fmt: skip
    return 0 if all(h["errors"] == 0 for h in http.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
