"""Errors every layer raises: a stable `code`, a human `message`, and `where` it happened.

The API maps them to RFC 9457 problem details, the CLI prints them, the web UI shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one input value: which field, where (file/line/column), why."""

    field: str
    message: str
    value: Any = None
    file: str | None = None
    line: int | None = None
    column: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class SeatkeeperError(Exception):
    """Base of every error we raise on purpose. Never shown as a 500."""

    code = "error"
    status = 400
    title = "Request failed"

    def __init__(self, message: str, *, problems: list[FieldProblem] | None = None, **extra: Any):
        super().__init__(message)
        self.message = message
        self.problems = problems or []
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "detail": self.message, **self.extra}
        if self.problems:
            out["errors"] = [p.as_dict() for p in self.problems]
        return out


class NotFound(SeatkeeperError):
    """Absent, or outside the caller's scope: the same answer for both (never confirm existence)."""

    code = "not_found"
    status = 404
    title = "Not found"


class Forbidden(SeatkeeperError):
    """Visible to the caller, but their role may not do this (e.g. a teacher changing access)."""

    code = "forbidden"
    status = 403
    title = "Not allowed"


class InvalidInput(SeatkeeperError):
    code = "invalid"
    status = 422
    title = "Invalid input"


class Conflict(SeatkeeperError):
    code = "conflict"
    status = 409
    title = "Conflict"


@dataclass
class ProblemCollector:
    """Collects field problems (up to a limit) so a caller reports all of them at once."""

    limit: int = 200
    problems: list[FieldProblem] = field(default_factory=list)

    def add(self, field_name: str, message: str, **where: Any) -> None:
        if len(self.problems) < self.limit:
            self.problems.append(FieldProblem(field=field_name, message=message, **where))

    def raise_if_any(self, summary: str = "The input has problems") -> None:
        if self.problems:
            n = len(self.problems)
            raise InvalidInput(
                f"{summary}: {n} problem{'s' if n != 1 else ''}", problems=self.problems
            )


def invalid(field_name: str, message: str, value: Any = None) -> InvalidInput:
    """An InvalidInput about one field."""
    return InvalidInput(
        message, problems=[FieldProblem(field=field_name, message=message, value=value)]
    )
