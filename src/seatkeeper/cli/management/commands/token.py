"""`seatkeeper token create USERNAME [--label L]` | `token list [USERNAME]` | `token revoke ID`.

Create and revoke are audited (`api.token.created` / `api.token.revoked`). Without `--as` the
command acts as the platform (any user); `--as USERNAME` narrows it to the users that user may
manage (orgs.scoping.users_managed), like the API tokens page.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from seatkeeper.api import selectors, services
from seatkeeper.cli.support import add_actor_argument, cli_scope
from seatkeeper.errors import SeatkeeperError
from seatkeeper.orgs.scoping import users_managed


class Command(BaseCommand):
    help = "Create, list and revoke API tokens (Authorization: Bearer <token>)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token; the secret is printed once.")
        create.add_argument("username")
        create.add_argument("--label", default="")
        lst = sub.add_parser("list", help="List tokens (prefix only).")
        lst.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="Revoke a token by id.")
        revoke.add_argument("id", type=int)
        for p in (create, lst, revoke):
            add_actor_argument(p)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, f"_{opts['action']}")(opts)
        except SeatkeeperError as exc:
            raise CommandError(exc.message) from None

    def _create(self, opts: dict[str, Any]) -> None:
        scope = cli_scope(opts)
        user = users_managed(scope).filter(username=opts["username"]).first()
        if user is None:
            raise CommandError(f"No user named {opts['username']!r}.")
        token, secret = services.token_create(scope=scope, user=user, label=opts["label"])
        self.stderr.write(f"Token {token.pk} for {user.get_username()} (shown once, keep it safe):")
        self.stdout.write(secret)

    def _list(self, opts: dict[str, Any]) -> None:
        rows = selectors.token_list(scope=cli_scope(opts), username=opts.get("username"))
        self.stdout.write(
            f"{'id':>5}  {'prefix':<10} {'user':<20} {'label':<20} {'created':<16} status"
        )
        for t in rows:
            status = "revoked" if t.revoked_at else "active"
            created = f"{t.created_at:%Y-%m-%d %H:%M}"
            self.stdout.write(
                f"{t.pk:>5}  {t.prefix:<10} {t.user.get_username():<20} {t.label[:20]:<20} "
                f"{created:<16} {status}"
            )

    def _revoke(self, opts: dict[str, Any]) -> None:
        token = services.token_revoke(scope=cli_scope(opts), pk=opts["id"])
        self.stdout.write(f"Token {token.pk} ({token.prefix}…) revoked.")
