"""`seatkeeper serve` as real processes against the test database, for fault injection.

The test must use `transactional_db` (the server's processes see only committed rows). The
server gets its own SEATKEEPER_VAR_DIR (static files, uploads, lock files) and the test
database's URL; `stop()` ends every process it started, by pid.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection

SEATKEEPER = [sys.executable, "-m", "seatkeeper"]


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def env_for(var_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SEATKEEPER_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "seatkeeper.settings",
        **extra,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(what: str, check: Callable[[], Any], timeout: float = 60.0, every: float = 0.2) -> Any:
    """Poll `check` until it returns something true; AssertionError naming `what` after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


class Server:
    def __init__(self, var_dir: Path, *, workers: int = 1, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = var_dir / "serve.log"
        var_dir.mkdir(parents=True, exist_ok=True)
        cmd = [*SEATKEEPER, "serve", "--port", str(self.port), "--workers", str(workers)]
        self.proc = subprocess.Popen(
            cmd,
            env=env_for(var_dir, **env),
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends all of it by pgid
        )
        wait_for("the server to answer /status", lambda: self.status(any_code=True), 90)

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as r:  # noqa: S310
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
        except OSError:
            return 0, b""

    def status(self, *, any_code: bool = False) -> dict[str, Any] | None:
        code, body = self.get("/status")
        if code == 0 or (code != 200 and not any_code):
            return None
        return json.loads(body)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        with contextlib.suppress(ProcessLookupError):  # anything of its group still there
            os.killpg(self.proc.pid, signal.SIGKILL)
