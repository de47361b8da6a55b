"""`seatkeeper usage --district SLUG [--product CODE] [--on DATE] [--json]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from rich.console import Console
from rich.table import Table

from seatkeeper.cli.support import add_actor_argument, cli_scope, dumps, fail, parse_date
from seatkeeper.errors import SeatkeeperError
from seatkeeper.orgs.scoping import district_for, get_product_for
from seatkeeper.seats.selectors import default_product, usage_for_district

# The stable `--json` contract other tools read (issue 2): these keys, no more, no fewer.
CONTRACT_KEYS = (
    "district",
    "product",
    "on",
    "purchased",
    "allocated",
    "unallocated",
    "used",
    "schools",
)


class Command(BaseCommand):
    help = "Seats used and remaining for every school of a district (one product, one day)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--district", required=True, help="district slug")
        parser.add_argument("--product", help="product code (default: the district's first)")
        parser.add_argument("--on", help="day to count capacity on (YYYY-MM-DD, default today)")
        parser.add_argument("--json", action="store_true", help="print the JSON contract")
        add_actor_argument(parser)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            scope, district = district_for(cli_scope(opts), opts["district"])
            product = (
                get_product_for(scope, opts["product"])
                if opts["product"]
                else default_product(district.pk)
            )
            usage = usage_for_district(
                scope=scope,
                district=district,
                product=product,
                on=parse_date(opts["on"], option="--on"),
            )
        except SeatkeeperError as exc:
            raise fail(exc) from None
        if opts["json"]:
            data = usage.as_dict()
            self.stdout.write(dumps({k: data[k] for k in CONTRACT_KEYS}))
            return
        console = Console(file=self.stdout, width=120)
        table = Table(
            title=f"{district.name} · {product.name} ({product.code}) · {usage.on.isoformat()}"
        )
        for col in ("School", "Capacity", "Allocated", "School-bought", "Used", "Remaining", ""):
            table.add_column(col, justify="left" if col in ("School", "") else "right")
        for s in usage.schools:
            table.add_row(
                s.name,
                str(s.capacity),
                str(s.allocated),
                str(s.school_purchased),
                str(s.used),
                str(s.remaining),
                "[bold red]OVERALLOCATED[/]" if s.overallocated else "",
            )
        console.print(table)
        console.print(
            f"District: purchased {usage.purchased} (pool {usage.pool}, school-bought "
            f"{usage.school_purchased}) · allocated {usage.allocated} · unallocated "
            f"{usage.unallocated} · used {usage.used}"
            + (" · [bold red]OVERALLOCATED[/]" if usage.overallocated else "")
        )
        over = usage.overallocated_schools
        if over:
            console.print(
                f"{len(over)} school{'s' if len(over) != 1 else ''} over capacity: "
                + ", ".join(f"{s.name} ({-s.remaining} over)" for s in over)
            )
