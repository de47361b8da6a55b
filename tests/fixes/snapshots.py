"""Snapshot of every table a fix plan can change (auto-now timestamps left out)."""

from __future__ import annotations

from typing import Any

from seatkeeper.roster.models import Classroom, Enrollment, Student, StudentActivity
from seatkeeper.seats.models import Allocation, TeacherAccess


def state(district_id: int) -> dict[str, Any]:
    d = {"district_id": district_id}
    return {
        "enrollments": sorted(
            Enrollment.objects.filter(**d).values_list(
                "id", "student_id", "classroom_id", "sourced_id", "roster_source", "created_at"
            )
        ),
        "classrooms": sorted(
            Classroom.objects.filter(**d).values_list("id", "status", "archived_at", "deleted_at")
        ),
        "access": sorted(
            TeacherAccess.objects.filter(**d).values_list("teacher_id", "product_id", "on")
        ),
        "allocations": sorted(
            Allocation.objects.filter(**d).values_list("school_id", "product_id", "seats")
        ),
        "students": sorted(
            Student.objects.filter(**d).values_list(
                "id", "deleted_at", "merged_into_id", "last_sign_in_at", "last_activity_at"
            )
        ),
        "activity": sorted(StudentActivity.objects.filter(**d).values_list("id", "student_id")),
    }
