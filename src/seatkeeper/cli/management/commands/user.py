"""`seatkeeper user create USERNAME --role ROLE [--district SLUG] [--school ID ...] --password-stdin`."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from seatkeeper.cli.support import fail
from seatkeeper.errors import SeatkeeperError
from seatkeeper.orgs.models import District, Role
from seatkeeper.orgs.scoping import system_scope
from seatkeeper.roster.services import user_create


class Command(BaseCommand):
    help = "Manage users: `user create USERNAME --role ROLE ...`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a user with one role")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=list(Role.values))
        create.add_argument("--district", help="district slug (every role but operator)")
        create.add_argument("--school", type=int, action="append", default=[], help="school id")
        create.add_argument("--teacher", type=int, help="link a teacher role to this teacher id")
        create.add_argument("--email", default="")
        create.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        password = None
        if opts["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
            if not password:
                raise CommandError("--password-stdin: no password on standard input")
        district = None
        if opts["district"]:
            district = District.objects.filter(slug=opts["district"]).first()
            if district is None:
                raise CommandError(f"--district: no district {opts['district']!r}")
        try:
            user = user_create(
                scope=system_scope(district, via="cli"),
                username=opts["username"],
                password=password,
                role=opts["role"],
                district=district,
                school_ids=opts["school"],
                teacher_id=opts["teacher"],
                email=opts["email"],
            )
        except SeatkeeperError as exc:
            raise fail(exc) from None
        self.stdout.write(f"Created {user.get_username()} ({opts['role']}).")
