"""Enumerated, dotted action codes written to the audit log."""

DISTRICT_CREATED = "orgs.district.created"
DISTRICT_SETTINGS_CHANGED = "orgs.district.settings_changed"
SCHOOL_CREATED = "orgs.school.created"
SCHOOL_CHANGED = "orgs.school.changed"
SCHOOL_DELETED = "orgs.school.deleted"
SCHOOL_RESTORED = "orgs.school.restored"
PRODUCT_CREATED = "orgs.product.created"
PRODUCT_CHANGED = "orgs.product.changed"
USER_CREATED = "orgs.user.created"
USER_ROLE_CHANGED = "orgs.user.role_changed"  # issue 17.12

PURCHASE_CREATED = "licensing.purchase.created"
PURCHASE_CHANGED = "licensing.purchase.changed"
PURCHASE_DELETED = "licensing.purchase.deleted"
PURCHASE_RESTORED = "licensing.purchase.restored"
ALLOCATION_CHANGED = "licensing.allocation.changed"
ALLOCATION_MOVED = "licensing.allocation.moved"
ACCESS_CHANGED = "licensing.access.changed"
ENFORCEMENT_CHANGED = "licensing.enforcement.changed"
LEDGER_REPAIRED = "seats.ledger.repaired"
ALERT_SETTINGS_CHANGED = "seats.alert_settings.changed"

TEACHER_CREATED = "roster.teacher.created"
TEACHER_CHANGED = "roster.teacher.changed"
TEACHER_DELETED = "roster.teacher.deleted"
TEACHER_RESTORED = "roster.teacher.restored"
TERM_CREATED = "roster.term.created"
TERM_CHANGED = "roster.term.changed"
CLASSROOM_CREATED = "roster.classroom.created"
CLASSROOM_CHANGED = "roster.classroom.changed"
CLASSROOM_ARCHIVED = "roster.classroom.archived"
CLASSROOM_UNARCHIVED = "roster.classroom.unarchived"
CLASSROOM_DELETED = "roster.classroom.deleted"
CLASSROOM_RESTORED = "roster.classroom.restored"
CLASSROOM_UNENROLLED_ALL = "roster.classroom.unenrolled_all"
STUDENT_CREATED = "roster.student.created"
STUDENT_CHANGED = "roster.student.changed"
STUDENT_DELETED = "roster.student.deleted"
STUDENT_RESTORED = "roster.student.restored"
STUDENT_UNENROLLED = "roster.student.unenrolled"
ENROLLMENT_CREATED = "roster.enrollment.created"
ENROLLMENT_DELETED = "roster.enrollment.deleted"
ACTIVITY_RECORDED = "roster.activity.recorded"
DEMO_LOADED = "system.demo.loaded"

DEDUP_STUDENTS_MERGED = "dedup.students.merged"
DEDUP_STUDENTS_MERGE_UNDONE = "dedup.students.merge_undone"
DEDUP_TEACHERS_MERGED = "dedup.teachers.merged"
DEDUP_TEACHERS_MERGE_UNDONE = "dedup.teachers.merge_undone"
DEDUP_NOT_DUPLICATES = "dedup.pair.not_duplicates"
DEDUP_CERTAIN_MERGED = "dedup.students.certain_merged"  # issue 17.9: one batch, one undo
DEDUP_CERTAIN_UNDONE = "dedup.students.certain_undone"

FIX_PLAN_CREATED = "fixes.plan.created"
FIX_PLAN_APPLIED = "fixes.plan.applied"
FIX_PLAN_UNDONE = "fixes.plan.undone"

ROSTER_IMPORTED = "roster.import.applied"
ROSTER_IMPORT_UNDONE = "roster.import.undone"  # issue 17.10: a whole import undone

API_TOKEN_CREATED = "api.token.created"  # noqa: S105 (an action code)
API_TOKEN_REVOKED = "api.token.revoked"  # noqa: S105 (an action code)

AUTH_SIGNED_IN = "auth.signed_in"
AUTH_SIGN_IN_FAILED = "auth.sign_in_failed"
AUTH_SIGN_IN_THROTTLED = "auth.sign_in_throttled"
AUTH_SIGNED_OUT = "auth.signed_out"
AUTH_PASSWORD_CHANGED = "auth.password_changed"  # noqa: S105 (an action code)
AUDIT_ENTRY_UNDONE = "audit.entry.undone"  # issue 17.11: an undo made from the audit log

# issue 17.11: plain-language labels for the audit log (one per action kind).
LABELS: dict[str, str] = {
    DISTRICT_CREATED: "District created",
    DISTRICT_SETTINGS_CHANGED: "District settings changed",
    SCHOOL_CREATED: "School added",
    SCHOOL_CHANGED: "School changed",
    SCHOOL_DELETED: "School deleted",
    SCHOOL_RESTORED: "School restored",
    PRODUCT_CREATED: "Product added",
    PRODUCT_CHANGED: "Product renamed",
    USER_CREATED: "User account created",
    USER_ROLE_CHANGED: "User's role changed",
    PURCHASE_CREATED: "Purchase recorded",
    PURCHASE_CHANGED: "Purchase changed",
    PURCHASE_DELETED: "Purchase removed",
    PURCHASE_RESTORED: "Purchase restored",
    ALLOCATION_CHANGED: "School's seats changed",
    ALLOCATION_MOVED: "Seats moved between schools",
    ACCESS_CHANGED: "Teacher access switched",
    ENFORCEMENT_CHANGED: "Enforcement mode changed",
    LEDGER_REPAIRED: "Seat ledger repaired",
    TEACHER_CREATED: "Teacher added",
    TEACHER_CHANGED: "Teacher changed",
    TEACHER_DELETED: "Teacher deleted",
    TEACHER_RESTORED: "Teacher restored",
    TERM_CREATED: "Term added",
    TERM_CHANGED: "Term changed",
    CLASSROOM_CREATED: "Classroom created",
    CLASSROOM_CHANGED: "Classroom changed",
    CLASSROOM_ARCHIVED: "Classroom archived",
    CLASSROOM_UNARCHIVED: "Classroom unarchived",
    CLASSROOM_DELETED: "Classroom deleted",
    CLASSROOM_RESTORED: "Classroom restored",
    CLASSROOM_UNENROLLED_ALL: "Classroom emptied (all students un-enrolled)",
    STUDENT_CREATED: "Student added",
    STUDENT_CHANGED: "Student changed",
    STUDENT_DELETED: "Student deleted",
    STUDENT_RESTORED: "Student restored",
    STUDENT_UNENROLLED: "Student un-enrolled",
    ENROLLMENT_CREATED: "Student enrolled",
    ENROLLMENT_DELETED: "Enrollment removed",
    ACTIVITY_RECORDED: "Activity recorded",
    DEMO_LOADED: "Demo data loaded",
    DEDUP_STUDENTS_MERGED: "Duplicate students merged",
    DEDUP_STUDENTS_MERGE_UNDONE: "Student merge undone",
    DEDUP_TEACHERS_MERGED: "Duplicate teachers merged",
    DEDUP_TEACHERS_MERGE_UNDONE: "Teacher merge undone",
    DEDUP_NOT_DUPLICATES: "Marked as different people",
    DEDUP_CERTAIN_MERGED: "All certain duplicates merged",
    DEDUP_CERTAIN_UNDONE: "Certain-duplicate merges undone",
    FIX_PLAN_CREATED: "Fix plan made",
    FIX_PLAN_APPLIED: "Fix plan applied",
    FIX_PLAN_UNDONE: "Fix plan undone",
    ROSTER_IMPORTED: "Roster imported",
    ROSTER_IMPORT_UNDONE: "Roster import undone",
    API_TOKEN_CREATED: "API token created",
    API_TOKEN_REVOKED: "API token revoked",
    AUTH_SIGNED_IN: "Signed in",
    AUTH_SIGN_IN_FAILED: "Sign-in failed",
    AUTH_SIGN_IN_THROTTLED: "Sign-in blocked (too many attempts)",
    AUTH_SIGNED_OUT: "Signed out",
    AUTH_PASSWORD_CHANGED: "Password changed",
    AUDIT_ENTRY_UNDONE: "Change undone from the audit log",
}


def label_for(code: str) -> str:
    """The plain-language label of an action code (a readable fallback for unknown codes)."""
    if code in LABELS:
        return LABELS[code]
    return (
        code.rsplit(".", 2)[-2:][0].replace("_", " ").capitalize()
        + " "
        + code.rsplit(".", 1)[-1].replace("_", " ")
    )
