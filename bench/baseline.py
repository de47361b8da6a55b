"""A git worktree of an earlier commit, for benchmarks that compare against it in one run."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def worktree(ref: str) -> Path:
    """bench/data/baseline-REF, a detached worktree of REF (created once, then reused)."""
    path = ROOT / "bench" / "data" / f"baseline-{ref}"
    if not path.exists():
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(path), ref],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    return path
