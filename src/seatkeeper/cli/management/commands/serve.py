"""`seatkeeper serve [--host H] [--port P] [--workers N]`: gunicorn, static files by WhiteNoise,
and a supervised background task worker (`cli/supervisor.py`).

`serve` collects static files, makes sure the database is ready (the cache table), then runs the
supervisor: gunicorn and `seatkeeper db_worker` as child processes, the worker restarted with
backoff when it dies, runs without a live owner failed. `--no-worker` serves gunicorn alone in
this process (what the supervisor itself starts for the web part).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Serve Seatkeeper with gunicorn (production WSGI server; WhiteNoise serves static "
        "files) and a supervised background task worker."
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
        parser.add_argument(
            "--no-worker", action="store_true", help="gunicorn only: no task worker, no supervisor"
        )
        parser.add_argument("--no-collectstatic", action="store_true", help=argparse_hidden())

    def handle(self, *args: Any, **opts: Any) -> None:
        if not opts["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
            call_command("createcachetable", verbosity=0)  # databases migrated before the cache
        bind = f"{opts['host']}:{opts['port']}"
        if opts["no_worker"]:
            self._gunicorn(bind, opts)
            return
        from seatkeeper.cli.supervisor import Supervisor
        from seatkeeper.jobs.processes import this_host

        web = [sys.executable, "-m", "seatkeeper", "serve", "--no-worker", "--no-collectstatic"]
        web += ["--host", opts["host"], "--port", str(opts["port"])]
        web += ["--workers", str(opts["workers"]), "--threads", str(opts["threads"])]
        self.stdout.write(f"Seatkeeper serving on http://{bind}/ (Ctrl-C stops)")
        self.stdout.flush()
        code = Supervisor(key=f"supervisor:{this_host()}:{opts['port']}", web=web).run()
        if code:
            sys.exit(code)

    def _gunicorn(self, bind: str, opts: dict[str, Any]) -> None:
        from gunicorn.app.base import BaseApplication

        from seatkeeper.wsgi import application  # after collectstatic: WhiteNoise scans at start

        if opts["no_collectstatic"] is False:
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
                if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 24
                    # One control socket per user ($HOME/.gunicorn): servers would take it
                    # from each other. Seatkeeper does not use it.
                    self.cfg.set("control_socket_disable", True)

            def load(self) -> Any:
                return application

        App().run()


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS
