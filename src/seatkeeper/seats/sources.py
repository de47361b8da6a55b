"""The roster rows seats are counted from, reached through Django's app registry.

`seats` sits below `roster` in the layers (docs/architecture.md): roster's services call the
ledger, so seats may not import roster's code. It still counts roster's facts (enrollments,
classrooms, teachers, students, R1-R8), so it names roster's models by app label, exactly as
its foreign keys do ("roster.Teacher"), and reads their tables; it never calls roster code.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps

ACTIVE = "active"  # roster.models.ClassroomStatus.ACTIVE: the only status that counts (R5)


def roster_model(name: str) -> Any:
    """roster's model `name` (Enrollment, Classroom, Teacher, Student)."""
    return apps.get_model("roster", name)


def table(name: str) -> str:
    """The database table of roster's model `name`, for the ledger's set-based SQL."""
    return str(roster_model(name)._meta.db_table)
