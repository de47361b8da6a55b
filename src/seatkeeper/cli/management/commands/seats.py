"""`seatkeeper seats verify [--district SLUG] [--repair] [--json]`: the seat ledger against a
recount, per school and product; `--repair` rebuilds it in one audited transaction.

`seatkeeper seats snapshot [--district SLUG]`: take today's usage history row of every school
and product by hand (what the daily task does, issue 16.1), then evaluate the alerts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from seatkeeper.cli.support import add_actor_argument, cli_scope, dumps, fail
from seatkeeper.errors import SeatkeeperError
from seatkeeper.orgs.models import District
from seatkeeper.orgs.scoping import district_for, require_district_admin
from seatkeeper.seats.services import daily, ledger_repair
from seatkeeper.seats.verify import Report, verify


class Command(BaseCommand):
    help = "The seat ledger: verify it against a recount (and repair it)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        v = sub.add_parser("verify", help="compare the ledger with a recount, per school")
        v.add_argument("--district", help="district slug (default: every district)")
        v.add_argument("--repair", action="store_true", help="rebuild what differs (audited)")
        v.add_argument("--json", action="store_true", help="print the report as JSON")
        add_actor_argument(v)
        snap = sub.add_parser("snapshot", help="take today's usage history (and check alerts)")
        snap.add_argument("--district", help="district slug (default: every district)")
        snap.add_argument("--json", action="store_true", help="print what was written as JSON")
        add_actor_argument(snap)

    def handle(self, *args: Any, **opts: Any) -> None:
        scope = cli_scope(opts)
        slugs = (
            [opts["district"]]
            if opts["district"]
            else list(District.objects.order_by("slug").values_list("slug", flat=True))
        )
        if opts["action"] == "snapshot":
            self._snapshot(scope, slugs, as_json=opts["json"])
            return
        reports: list[Report] = []
        try:
            for slug in slugs:
                s, district = district_for(scope, slug)
                if opts["repair"]:
                    before = ledger_repair(scope=s, district=district)
                    reports.append(before)
                    after = verify(district)
                    if not after.ok:
                        raise CommandError(f"{slug}: the ledger still differs after repair")
                else:
                    reports.append(verify(district))
        except SeatkeeperError as exc:
            raise fail(exc) from None
        if opts["json"]:
            self.stdout.write(dumps({"districts": [r.as_dict() for r in reports]}))
        else:
            for r in reports:
                self._print(r, repaired=opts["repair"])
        if not opts["repair"] and any(not r.ok for r in reports):
            err = CommandError(
                "the seat ledger differs from a recount (run with --repair to rebuild it)"
            )
            err.returncode = 1
            raise err

    def _snapshot(self, scope: Any, slugs: list[str], *, as_json: bool) -> None:
        out = []
        try:
            for slug in slugs:
                s, district = district_for(scope, slug)
                require_district_admin(s, doing="take a usage snapshot")
                out.append({"district": slug, **daily(district=district)})
        except SeatkeeperError as exc:
            raise fail(exc) from None
        if as_json:
            self.stdout.write(dumps({"districts": out}))
            return
        for row in out:
            self.stdout.write(
                f"{row['district']}: {row['rows']} history rows for today; alerts started "
                f"{row['started']}, ended {row['ended']}."
            )

    def _print(self, r: Report, *, repaired: bool) -> None:
        if r.ok:
            self.stdout.write(f"{r.district}: {r.seats} seats, ledger equals the recount.")
            return
        verb = "repaired" if repaired else "DIFFERS"
        self.stdout.write(
            f"{r.district}: {r.seats} seats by recount; ledger {verb} "
            f"({len(r.differences)} school/product rows, {r.pending} unsynced journal rows):"
        )
        for d in r.differences:
            self.stdout.write(
                f"  {d.school} · {d.product}: recount {d.recount}, counter {d.counter}, "
                f"rows {d.rows}"
                + (f", missing students {list(d.missing[:10])}" if d.missing else "")
                + (f", extra students {list(d.extra[:10])}" if d.extra else "")
            )
