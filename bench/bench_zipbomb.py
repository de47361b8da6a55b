"""Zip bomb refusal (issue 18.1): peak memory over idle and time to refuse.

    .venv/bin/python bench/bench_zipbomb.py            # 1 GB bzip2 and deflate bombs
    .venv/bin/python bench/bench_zipbomb.py --quick    # 256 MB bombs
    .venv/bin/python bench/bench_zipbomb.py --size-mb 4096

Generates each bomb into a temporary folder (a OneRoster set whose users.csv is a header and
then zeros, streamed through the compressor 1 MiB at a time, so the generator stays small),
then, each in a fresh process so its peak RSS is its own:

- reader: `reader.open_source` on the zip (what the background task and `seatkeeper import` both
  call), expecting the refusal;
- web: a district admin posts the zip on the Import page with Django's test Client (an SQLite
  database in the temp folder, tasks run by the immediate backend, so the answer includes the
  worker's refusal), expecting a failed run naming SEATKEEPER_IMPORT_MAX_RATIO.

Prints per bomb and path: the zip's size, the peak RSS over the process's RSS when idle (after
Django setup, before the refusal), and the refusal time. Goals: < 100 MB, < 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
GOAL_MB, GOAL_S = 100, 2.0
METHODS = {"bzip2": zipfile.ZIP_BZIP2, "deflate": zipfile.ZIP_DEFLATED}


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode: str, zip_path: str, var: str) -> None:
    os.environ["SEATKEEPER_VAR_DIR"] = var
    os.environ["SEATKEEPER_TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seatkeeper.settings")
    import django

    django.setup()
    from seatkeeper.roster.oneroster.archive import LimitExceeded
    from seatkeeper.roster.oneroster.reader import open_source

    client = None
    if mode == "web":
        from django.conf import settings
        from django.core.management import call_command
        from django.test import Client
        from django.urls import reverse

        settings.MEDIA_ROOT = Path(var) / "media"
        call_command("migrate", verbosity=0)
        from tests.factories import PASSWORD, make_world

        world = make_world("bomb")
        client = Client()
        assert client.login(username=world.users["district_admin"].username, password=PASSWORD)
        url = reverse("web:imports")
        payload = Path(zip_path).read_bytes()
        client.get(url)  # warm up the page and its templates
    idle, idle_peak = rss_mb(), peak_mb()
    t0 = time.perf_counter()
    if mode == "reader":
        try:
            open_source(zip_path).close()
            outcome = "NOT refused"
        except LimitExceeded as exc:
            outcome = exc.problems[0].field
    else:
        import io

        from seatkeeper.roster.models import ImportRun

        assert client is not None
        fh = io.BytesIO(payload)
        fh.name = Path(zip_path).name
        response = client.post(url, {"kind": "oneroster", "file": fh})
        run = ImportRun.objects.order_by("-id").first()
        outcome = (
            run.errors[0].get("field", "?") if run and run.status == "failed" else "NOT refused"
        )
        outcome += f" (HTTP {response.status_code})"
    elapsed = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "peak_over_idle_mb": max(peak_mb(), idle_peak) - idle,
                "idle_mb": idle,
                "outcome": outcome,
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=int, default=1024, help="expanded size of each bomb")
    ap.add_argument("--quick", action="store_true", help="256 MB bombs")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "ZIP", "VAR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seatkeeper.settings")
    os.environ.setdefault("SEATKEEPER_VAR_DIR", tempfile.gettempdir() + "/zipbomb-var")
    import django

    django.setup()  # the bomb's valid files come from the test helpers (models imported)
    from tests.roster.oneroster.bombs import bomb

    size = (256 if args.quick else args.size_mb) * 2**20
    ok = True
    with tempfile.TemporaryDirectory(prefix="zipbomb-") as tmp:
        print(
            f"bombs of {size / 2**20:,.0f} MB expanded (users.csv of zeros); goals: "
            f"< {GOAL_MB} MB peak RSS over idle, refused in < {GOAL_S:g} s"
        )
        print(
            f"{'bomb':8} {'zip':>10} {'gen s':>6}  {'path':7} {'peak MB':>8} {'refuse s':>9}  outcome"
        )
        for name, method in METHODS.items():
            t0 = time.perf_counter()
            z = bomb(Path(tmp) / f"{name}.zip", size, method=method)
            gen = time.perf_counter() - t0
            for mode in ("reader", "web"):
                var = Path(tmp) / f"var-{name}-{mode}"
                var.mkdir()
                env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}
                env.pop("DATABASE_URL", None)  # the web run uses its own SQLite file
                out = subprocess.run(
                    [sys.executable, __file__, "--child", mode, str(z), str(var)],
                    capture_output=True,
                    text=True,
                    env=env,
                    cwd=ROOT,
                )
                if out.returncode:
                    print(out.stderr[-3000:])
                    raise SystemExit(out.returncode)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                good = (
                    r["peak_over_idle_mb"] < GOAL_MB
                    and r["seconds"] < GOAL_S
                    and "NOT" not in r["outcome"]
                )
                ok &= good
                print(
                    f"{name:8} {z.stat().st_size / 1024:>8,.0f}kB {gen:>6.1f}  {mode:7} "
                    f"{r['peak_over_idle_mb']:>8.1f} {r['seconds']:>9.3f}  {r['outcome']}"
                    f"{'' if good else '  <-- MISSES THE GOAL'}"
                )
    print(f"load average: {os.getloadavg()[0]:.2f}")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
