"""`seatkeeper export oneroster --district SLUG OUT.zip`: a OneRoster 1.1 bulk set."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from seatkeeper.cli.support import fail
from seatkeeper.errors import SeatkeeperError
from seatkeeper.orgs.scoping import district_for, system_scope
from seatkeeper.roster.oneroster.exporter import export_oneroster


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # do not fail on unrelated URL/app checks
    help = "Export a district's roster as OneRoster 1.1 CSV (bulk) in a zip."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", choices=["oneroster"])
        parser.add_argument("out", help="the zip file to write")
        parser.add_argument("--district", required=True, help="district slug")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            scope, district = district_for(system_scope(via="cli"), opts["district"])
            counts = export_oneroster(scope=scope, district=district, out=opts["out"])
        except SeatkeeperError as exc:
            raise fail(exc) from None
        written = ", ".join(f"{n} {name.removesuffix('.csv')}" for name, n in counts.items() if n)
        absent = [name.removesuffix(".csv") for name, n in counts.items() if not n]
        self.stdout.write(
            f"Wrote {opts['out']}: {written}"
            + (f" ({', '.join(absent)}: no rows, absent)" if absent else "")
        )
