"""Problems (errors, which stop an import) and notes (how a defect was handled), collected."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from seatkeeper.errors import FieldProblem

ERROR_LIMIT = 200
EXAMPLES = 3


@dataclass
class Notes:
    """Errors up to a limit (each names file, line, column, value), and grouped warnings.

    A warning says how the importer handled a real-world defect (a department used as a school,
    a role contradicted by enrollments); identical warnings are grouped with a count and the
    first few places they occur, so a 100k-row file does not drown the summary.
    """

    errors: list[FieldProblem] = field(default_factory=list)
    error_count: int = 0
    warnings: dict[str, dict[str, Any]] = field(default_factory=dict)

    def error(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
        value: Any = None,
        field_name: str | None = None,
    ) -> None:
        self.error_count += 1
        if len(self.errors) < ERROR_LIMIT:
            self.errors.append(
                FieldProblem(
                    field=field_name or column or "file",
                    message=message,
                    value=value,
                    file=file,
                    line=line,
                    column=column,
                )
            )

    def warn(
        self,
        key: str,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        value: Any = None,
        count: int = 1,
    ) -> None:
        w = self.warnings.setdefault(key, {"message": message, "count": 0, "examples": []})
        w["count"] += count
        if len(w["examples"]) < EXAMPLES and (file or line or value):
            w["examples"].append(
                {k: v for k, v in {"file": file, "line": line, "value": value}.items() if v}
            )

    def warning_list(self) -> list[dict[str, Any]]:
        return [{"code": k, **v} for k, v in self.warnings.items()]
