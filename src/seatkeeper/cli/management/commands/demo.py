"""`seatkeeper demo [--no-serve] [--reset]`: load the maple-valley demo, print logins, serve."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from seatkeeper.demo import maple_valley
from seatkeeper.orgs.models import District, Product
from seatkeeper.orgs.scoping import system_scope
from seatkeeper.seats.selectors import usage_for_district


class Command(BaseCommand):
    help = "Load the demo district `maple-valley` (once) and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="load only, do not serve")
        parser.add_argument("--reset", action="store_true", help="drop and reload the demo")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        existed = District.objects.filter(slug=maple_valley.SLUG).exists()
        district = maple_valley.load(force=opts["reset"])
        if existed and not opts["reset"]:
            self.stdout.write(
                f"Demo district {district.slug!r} already loaded (--reset reloads it)."
            )
        else:
            self.stdout.write(f"Loaded demo district {district.slug!r}.")
        core = Product.objects.get(district=district, code="core")
        usage = usage_for_district(scope=system_scope(district), district=district, product=core)
        over = ", ".join(f"{s.name} ({-s.remaining} over)" for s in usage.overallocated_schools)
        self.stdout.write(f"Overallocated for core: {over or 'none'}")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password: {maple_valley.PASSWORD})")
        for username, _, what in maple_valley.LOGINS:
            self.stdout.write(f"  {username:<16} {what}")
        self.stdout.write("")
        if not opts["no_serve"]:
            call_command("serve", host=opts["host"], port=opts["port"])
