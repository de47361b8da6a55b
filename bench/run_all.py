"""Run every benchmark in bench/ (bench_*.py) with quick settings and print what each reports.

    .venv/bin/python bench/run_all.py [--only usage,dedup] [--timeout 900]

Each module runs in its own process with its quick arguments: the module's `QUICK_ARGS` list
(a literal, read without importing the module, so a missing optional dependency cannot break
this runner), else `--quick` if its source mentions that flag; a module offering neither is
listed as skipped. A module that fails on a missing import (an optional `bench` extra not
installed) is reported as skipped with the missing module's name, not as a failure.
Exit status: 0 when nothing failed.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def quick_args(path: Path) -> list[str] | None:
    source = path.read_text()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "QUICK_ARGS" for t in node.targets
        ):
            try:
                return [str(a) for a in ast.literal_eval(node.value)]
            except ValueError:
                return None
    return ["--quick"] if "--quick" in source else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="run every bench_*.py quickly")
    ap.add_argument("--only", default="", help="comma-separated names, e.g. usage,dedup")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per benchmark")
    args = ap.parse_args(argv)
    wanted = {w.strip() for w in args.only.split(",") if w.strip()}
    summary: list[tuple[str, str, float]] = []
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        print(f"=== {path.name}", flush=True)
        qa = quick_args(path)
        if qa is None:
            print("skipped: no QUICK_ARGS and no --quick option (run it by hand)")
            summary.append((name, "skipped", 0.0))
            continue
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(
                [sys.executable, str(path), *qa],
                capture_output=True,
                text=True,
                timeout=args.timeout,
                cwd=HERE.parent,
            )
        except subprocess.TimeoutExpired:
            print(f"timed out after {args.timeout} s")
            summary.append((name, "timeout", time.perf_counter() - t0))
            continue
        took = time.perf_counter() - t0
        print(proc.stdout.rstrip())
        missing = re.search(r"ModuleNotFoundError: No module named '([^']+)'", proc.stderr)
        if proc.returncode != 0 and missing:
            print(
                f"skipped: optional dependency {missing.group(1)!r} missing (pip install -e .[bench])"
            )
            status = "skipped"
        elif proc.returncode != 0:
            print(proc.stderr.rstrip()[-3000:])
            status = f"FAILED ({proc.returncode})"
        else:
            status = "ok"
        summary.append((name, status, took))
    print("=== summary")
    for name, status, took in summary:
        print(f"{name:16} {status:12} {took:7.1f} s")
    return 0 if all(s in ("ok", "skipped") for _, s, _ in summary) else 1


if __name__ == "__main__":
    raise SystemExit(main())
