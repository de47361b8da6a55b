"""Helpers shared by the management commands: errors as clear one-line messages, exit codes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from seatkeeper.errors import SeatkeeperError
from seatkeeper.orgs.scoping import Scope, system_scope
from seatkeeper.roster.scoping import scope_for_username


def add_actor_argument(parser: CommandParser, *aliases: str) -> None:
    """`--as USERNAME`: act with that user's role and scope (audited as them)."""
    parser.add_argument(
        "--as",
        *aliases,
        dest="as_user",
        metavar="USERNAME",
        help="act as this user, with their role and scope (default: the platform itself)",
    )


def cli_scope(opts: dict[str, Any]) -> Scope:
    """The scope a command acts in: the `--as` user's, else the platform's (operator powers)."""
    if opts.get("as_user"):
        return scope_for_username(opts["as_user"], via="cli")
    return system_scope(via="cli")


def fail(exc: SeatkeeperError) -> CommandError:
    """Turn a SeatkeeperError into a CommandError naming every field problem."""
    lines = [exc.message]
    for p in exc.problems:
        where = ":".join(str(x) for x in (p.file, p.line, p.column) if x is not None)
        value = f" (value {p.value!r})" if p.value is not None else ""
        lines.append(f"  {where + ' ' if where else ''}{p.field}: {p.message}{value}")
    err = CommandError("\n".join(lines))
    err.returncode = 2 if exc.status in (404, 422) else 1
    return err


def parse_date(value: str | None, *, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: {value!r} is not a date (use YYYY-MM-DD)") from None


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)
