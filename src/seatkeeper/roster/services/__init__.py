"""Roster writes. Every function is keyword-only, takes the acting `scope`, runs in one
transaction and appends an audit entry; see the submodules for the rules each applies."""

from seatkeeper.roster.services._common import SeatEffect
from seatkeeper.roster.services.access import access_set, access_switch
from seatkeeper.roster.services.activity import ActivityItem, activity_record
from seatkeeper.roster.services.classrooms import (
    classroom_archive,
    classroom_create,
    classroom_delete,
    classroom_restore,
    classroom_unenroll_all,
    classroom_update,
    term_create,
    term_update,
)
from seatkeeper.roster.services.enrollments import (
    enrollment_create,
    enrollment_delete,
    enrollments_restore,
    get_enrollment_for,
)
from seatkeeper.roster.services.students import (
    student_create,
    student_delete,
    student_restore,
    student_unenroll,
    student_update,
)
from seatkeeper.roster.services.teachers import (
    teacher_create,
    teacher_delete,
    teacher_restore,
    teacher_update,
    user_create,
)
from seatkeeper.roster.services.undo import UNDOABLE, audit_entry_undo, get_entry_for

__all__ = [
    "UNDOABLE",
    "ActivityItem",
    "audit_entry_undo",
    "get_entry_for",
    "access_set",
    "access_switch",
    "SeatEffect",
    "activity_record",
    "classroom_archive",
    "classroom_create",
    "classroom_delete",
    "classroom_restore",
    "classroom_unenroll_all",
    "classroom_update",
    "enrollment_create",
    "enrollment_delete",
    "enrollments_restore",
    "get_enrollment_for",
    "student_create",
    "student_delete",
    "student_restore",
    "student_unenroll",
    "student_update",
    "teacher_create",
    "teacher_delete",
    "teacher_restore",
    "teacher_update",
    "term_create",
    "term_update",
    "user_create",
]
