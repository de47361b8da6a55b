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


# Length limits (issue 17.1): the one rule every entry point uses. A text column's limit is its
# model field's `max_length`; forms print it as `maxlength`, API schemas and the importers check
# it before writing, and `check_lengths` (run on every save of our models) refuses the rest, on
# SQLite (which would store past the limit) and PostgreSQL (which would fail with a 500) alike.
SEARCH_MAX = 200  # search and filter boxes


def max_length_of(model: Any, field_name: str) -> int | None:
    """The `max_length` of one text field of a model (None when it has none)."""
    return getattr(model._meta.get_field(field_name), "max_length", None)


def field_label(model: Any, field_name: str) -> str:
    return str(model._meta.get_field(field_name).verbose_name).capitalize()


def too_long_message(limit: int, value: str) -> str:
    return f"is too long: {len(value)} characters, at most {limit}"


def length_problems(model: Any, values: dict[str, Any]) -> list[FieldProblem]:
    """A problem for every value longer than its field allows."""
    out = []
    for name, value in values.items():
        limit = max_length_of(model, name)
        if limit and isinstance(value, str) and len(value) > limit:
            out.append(
                FieldProblem(
                    field=name,
                    message=f"{field_label(model, name)} {too_long_message(limit, value)}",
                )
            )
    return out


def check_lengths(instance: Any) -> None:
    """Refuse to save a row whose text is longer than its column (InvalidInput, never a 500)."""
    values = {
        f.attname: getattr(instance, f.attname, None)
        for f in instance._meta.concrete_fields
        if getattr(f, "max_length", None) and f.get_internal_type() in TEXT_TYPES
    }
    problems = length_problems(type(instance), values)
    if problems:
        raise InvalidInput(
            problems[0].message if len(problems) == 1 else "Some values are too long",
            problems=problems,
        )


TEXT_TYPES = frozenset({"CharField", "SlugField", "EmailField", "URLField"})
