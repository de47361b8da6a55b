"""`seatkeeper fix plan --district SLUG [--school ID] [--product CODE] [--json]`,
`seatkeeper fix apply ID [--steps 0,2] [--json]`, `seatkeeper fix undo ID [--json]`.

Runs as the platform (operator scope, `via=cli`), or as `--user NAME` when given."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.table import Table

from seatkeeper.cli.support import add_actor_argument, cli_scope, dumps, fail
from seatkeeper.errors import SeatkeeperError
from seatkeeper.fixes import services
from seatkeeper.fixes.selectors import get_fix_plan_for
from seatkeeper.orgs.models import District
from seatkeeper.orgs.scoping import Scope, district_for, get_product_for


class Command(BaseCommand):
    help = "Plan, apply and undo overallocation fixes."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("plan", help="make (and save) a plan")
        p.add_argument("--district", required=True, help="district slug")
        p.add_argument("--school", type=int, action="append", help="school id (repeatable)")
        p.add_argument("--product", help="product code (default: the district's first)")
        p.add_argument(
            "--without", action="append", default=[], help="step kind the plan may not use"
        )
        for name in ("apply", "undo"):
            q = sub.add_parser(name, help=f"{name} a saved plan")
            q.add_argument("id", type=int)
            if name == "apply":
                q.add_argument("--steps", help="comma-separated step numbers (default: all)")
        for q in sub.choices.values():
            q.add_argument("--json", action="store_true", help="print the JSON contract")
            add_actor_argument(q, "--user")

    def _scope(self, opts: dict[str, Any]) -> Scope:
        return cli_scope(opts)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            scope = self._scope(opts)
            if opts["action"] == "plan":
                scope, district = district_for(scope, opts["district"])
                product = get_product_for(scope, opts["product"]) if opts["product"] else None
                from seatkeeper.fixes.planner import STEP_ORDER

                kinds = [k for k in STEP_ORDER if k not in opts["without"]]
                fix = services.plan_create(
                    scope=scope,
                    district=district,
                    product=product,
                    school_ids=opts["school"],
                    kinds=kinds if opts["without"] else None,
                )
                body = services.plan_as_dict(fix)
            else:
                fix, scope = self._plan(scope, opts["id"])
                if opts["action"] == "apply":
                    steps = None
                    if opts.get("steps"):
                        try:
                            steps = [int(x) for x in opts["steps"].split(",") if x.strip()]
                        except ValueError:
                            raise CommandError("--steps: use step numbers, e.g. 0,1,3") from None
                    body = services.plan_apply(scope=scope, fix=fix, steps=steps)
                else:
                    body = services.plan_undo(scope=scope, fix=fix)
        except SeatkeeperError as exc:
            raise fail(exc) from None
        if opts["json"]:
            self.stdout.write(dumps(body))
            return
        self._print(opts["action"], body)

    def _plan(self, scope: Scope, pk: int) -> tuple[Any, Scope]:
        from seatkeeper.fixes.models import FixPlan

        if scope.district_id is None:  # operator: bind to the plan's district
            row = FixPlan.objects.filter(pk=pk).values_list("district_id", flat=True).first()
            if row is None:
                raise CommandError(f"No fix plan {pk}.")
            scope, _ = district_for(scope, District.objects.get(pk=row).slug)
        return get_fix_plan_for(scope, pk), scope

    def _print(self, action: str, body: dict[str, Any]) -> None:
        console = Console(file=self.stdout, width=140)
        if action == "undo":
            console.print(f"Fix plan {body['id']} undone.")
            for s in body["schools"]:
                console.print(f"  {s['name']}: capacity {s['capacity']}, used {s['used']}")
            return
        verb = "applied" if action == "apply" else "planned"
        console.print(f"Fix plan {body['id']} ({verb}) · {body['district']} · {body['product']}")
        table = Table(title="Schools")
        for col in ("School", "Before cap/used/rem", "After cap/used/rem"):
            table.add_column(col)
        for s in body["schools"]:
            b, a = s["before"], s["after"]
            table.add_row(
                s["name"],
                f"{b['capacity']}/{b['used']}/{b['remaining']}",
                f"{a['capacity']}/{a['used']}/{a['remaining']}",
            )
        console.print(table)
        steps = Table(title="Steps")
        for col in ("#", "Kind", "Seats freed", "Students", "Reason"):
            steps.add_column(col)
        for i, st in enumerate(body["steps"]):
            steps.add_row(
                str(i),
                st["kind"],
                str(st["seats_freed"]),
                str(st["students_affected"]),
                st["reason"],
            )
        console.print(steps)
        for u in body["unresolved"]:
            console.print(
                f"[bold red]Still short[/] school {u['school']} by {u['short_by']}: {u['why']}"
            )
        if action == "plan":
            console.print(f"Apply with: seatkeeper fix apply {body['id']}")
