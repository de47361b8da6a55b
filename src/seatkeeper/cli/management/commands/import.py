"""`seatkeeper import oneroster PATH --district SLUG [--dry-run] [--json]` and
`seatkeeper import csv PATH --district SLUG [--dry-run] [--json]` (`--template` prints the CSV
template), and `seatkeeper import undo RUN [--dry-run] [--json]`: undo a whole applied import
(issue 17.10; RUN is the number the import printed as `import_run`). Exit code 0 when applied (or dry-run clean), 2 when the files were refused."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from seatkeeper.cli.support import dumps, fail
from seatkeeper.errors import SeatkeeperError
from seatkeeper.orgs.scoping import system_scope
from seatkeeper.roster.csv_upload import TEMPLATE, csv_import
from seatkeeper.roster.oneroster.importer import describe_error, oneroster_import
from seatkeeper.roster.oneroster.summary import render_text
from seatkeeper.roster.oneroster.undo import import_undo_by_id, render_undo_text
from seatkeeper.roster.scoping import scope_for_username


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # do not fail on unrelated URL/app checks
    help = "Import a roster: OneRoster CSV (zip or folder) or a plain student CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", choices=["oneroster", "csv", "undo"])
        parser.add_argument(
            "path", nargs="?", help="zip file or folder (oneroster), .csv (csv), run number (undo)"
        )
        parser.add_argument("--district", help="district slug (created if new: oneroster only)")
        parser.add_argument(
            "--dry-run", action="store_true", help="compute everything, write nothing"
        )
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")
        parser.add_argument("--as", dest="as_user", help="act as this user (default: system)")
        parser.add_argument("--template", action="store_true", help="csv: print the template")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["template"]:
            self.stdout.write(TEMPLATE, ending="")
            return
        if opts["format"] == "undo":
            self._undo(opts)
            return
        if not opts["path"] or not opts["district"]:
            raise CommandError("PATH and --district SLUG are required.")
        try:
            scope = (
                scope_for_username(opts["as_user"], via="cli")
                if opts["as_user"]
                else system_scope(via="cli")
            )
            run = oneroster_import if opts["format"] == "oneroster" else csv_import
            # On a terminal, a progress bar on stderr (reading, checking, writing).
            bar = Progress(
                TextColumn("{task.description:<20}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=Console(file=sys.stderr),
                disable=opts["json"] or not sys.stderr.isatty(),
            )
            task = bar.add_task("starting", total=None)

            def progress(stage: str, done: int, total: int) -> None:
                bar.update(task, description=stage, completed=done, total=total or None)

            with bar:
                summary = run(
                    scope=scope,
                    path=opts["path"],
                    district_slug=opts["district"],
                    dry_run=opts["dry_run"],
                    progress=progress,
                )
        except SeatkeeperError as exc:
            if opts["json"]:
                self.stdout.write(
                    dumps({"code": exc.code, "detail": exc.message, **describe_error(exc)})
                )
                err = CommandError(exc.message)
                err.returncode = 2 if exc.status in (404, 422) else 1
                raise err from None
            raise fail(exc) from None
        if opts["json"]:
            self.stdout.write(dumps(summary))
        else:
            self.stdout.write(render_text(summary), ending="")

    def _undo(self, opts: dict[str, Any]) -> None:
        if not opts["path"]:
            raise CommandError("Give the number of the import to undo: seatkeeper import undo RUN.")
        try:
            scope = (
                scope_for_username(opts["as_user"], via="cli")
                if opts["as_user"]
                else system_scope(via="cli")
            )
            summary = import_undo_by_id(scope=scope, run_id=opts["path"], dry_run=opts["dry_run"])
        except SeatkeeperError as exc:
            if opts["json"]:
                self.stdout.write(dumps(exc.as_dict()))
            raise fail(exc) from None
        if opts["json"]:
            self.stdout.write(dumps(summary))
        else:
            self.stdout.write(render_undo_text(summary), ending="")
