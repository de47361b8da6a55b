"""`seatkeeper dedup students|teachers --district SLUG [--school ID] [--json] [--min-score X]`.

`--json` prints the contract other tools read: {"district", "groups": [{"score", "accounts",
"keeper", "evidence", "seats_freed"}]}, groups sorted by score (highest first).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn
from rich.table import Table

from seatkeeper.cli.support import add_actor_argument, cli_scope, dumps, fail
from seatkeeper.dedup.selectors import (
    groups_as_dict,
    student_duplicate_groups,
    teacher_duplicate_groups,
)
from seatkeeper.errors import SeatkeeperError
from seatkeeper.orgs.scoping import district_for


class Command(BaseCommand):
    help = "Find duplicate student or teacher accounts in a district or school."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["students", "teachers"])
        parser.add_argument("--district", required=True, help="district slug")
        parser.add_argument("--school", type=int, action="append", help="school id (repeatable)")
        parser.add_argument("--json", action="store_true", help="print the JSON contract")
        parser.add_argument("--min-score", type=float, default=None, help="threshold 0..1")
        add_actor_argument(parser)

    def handle(self, *args: Any, **opts: Any) -> None:
        find = student_duplicate_groups if opts["kind"] == "students" else teacher_duplicate_groups
        show = not opts["json"] and sys.stderr.isatty()
        bar = Progress(
            TextColumn("comparing candidate pairs"),
            BarColumn(),
            TaskProgressColumn(),
            console=Console(file=sys.stderr),
            disable=not show,
        )
        task = bar.add_task("compare", total=None)
        try:
            scope, district = district_for(cli_scope(opts), opts["district"])
            with bar:
                groups = find(
                    scope=scope,
                    district=district,
                    school_ids=opts["school"],
                    min_score=opts["min_score"],
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
        except SeatkeeperError as exc:
            raise fail(exc) from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if opts["json"]:
            self.stdout.write(dumps(groups_as_dict(district, groups)))
            return
        console = Console(file=self.stdout, width=140)
        table = Table(title=f"{district.name} · duplicate {opts['kind']} · {len(groups)} groups")
        for col in ("Score", "Accounts (keeper first)", "Evidence", "Seats freed"):
            table.add_column(col)
        for g in groups:
            ordered = sorted(g.accounts, key=lambda a: a.id != g.keeper_id)
            names = "\n".join(
                f"{'*' if a.id == g.keeper_id else ' '} {a.id} {a.first_name} {a.last_name}"
                f" · last sign-in {(a.in_use.get('last_sign_in') or 'never')[:10]}"
                for a in ordered
            )
            table.add_row(f"{g.score:.2f}", names, "; ".join(g.evidence), str(g.seats_freed))
        console.print(table)
        freed = sum(g.seats_freed for g in groups)
        console.print(f"Merging every group frees {freed} seat{'s' if freed != 1 else ''}.")
