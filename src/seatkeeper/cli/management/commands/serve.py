"""`seatkeeper serve [--host H] [--port P] [--workers N]`: gunicorn, static files by WhiteNoise."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Serve Seatkeeper with gunicorn (production WSGI server; WhiteNoise serves static files)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("SEATKEEPER_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("SEATKEEPER_PORT", "8000"))
        )
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("SEATKEEPER_WORKERS", "2"))
        )
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("SEATKEEPER_THREADS", "4"))
        )
        parser.add_argument("--no-worker", action="store_true", help="do not start the task worker")

    def handle(self, *args: Any, **opts: Any) -> None:
        from gunicorn.app.base import BaseApplication

        call_command("collectstatic", interactive=False, verbosity=0)
        from seatkeeper.wsgi import application  # after collectstatic: WhiteNoise scans at start

        worker = None
        if not opts["no_worker"]:
            worker = _start_task_worker()
        bind = f"{opts['host']}:{opts['port']}"
        self.stdout.write(f"Seatkeeper serving on http://{bind}/ (Ctrl-C stops)")
        self.stdout.flush()

        class App(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                self.cfg.set("bind", bind)
                self.cfg.set("workers", opts["workers"])
                self.cfg.set("threads", opts["threads"])
                self.cfg.set("accesslog", "-" if settings.DEBUG else None)
                self.cfg.set("graceful_timeout", 5)
                self.cfg.set("timeout", 120)

            def load(self) -> Any:
                return application

        try:
            App().run()
        finally:
            if worker is not None:
                worker.terminate()


def _start_task_worker() -> Any:
    """Background tasks (big imports, district-wide de-dup) run in a django-tasks db_worker."""
    import subprocess
    import sys

    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "seatkeeper", "db_worker", "--interval", "1"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "seatkeeper.settings"},
    )
