"""Rosters: teachers, terms, classrooms, students, enrollments and student activity.

Counting rules these rows feed (domain.md): an enrollment in a *licensed* classroom takes a seat
(R1, R2); archived or deleted classrooms and deleted students count for nothing (R5); only the
primary teacher decides whether a classroom is licensed, co-teachers never do (R8). Deleting is
soft (`deleted_at`) so it can be undone and loses no history; un-enrolling removes only the
enrollment row (the student account stays, R2) and the audit entry keeps what undo needs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from seatkeeper.orgs.models import District, RosterSource, School, TenantModel


def _sourced_unique(model: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["district", "sourced_id"],
        condition=~models.Q(sourced_id=""),
        name=f"{model}_unique_sourced_id",
    )


class RosterRow(TenantModel):
    sourced_id = models.CharField(max_length=255, blank=True, default="")
    roster_source = models.CharField(
        max_length=16, choices=RosterSource.choices, default=RosterSource.MANUAL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def _district_unindexed() -> models.ForeignKey:  # type: ignore[type-arg]
    """The district key without its own index, for tables whose indexes all start with it
    (every index costs on each imported row: bench/README.md, "OneRoster import")."""
    return models.ForeignKey(District, on_delete=models.CASCADE, related_name="+", db_index=False)


class Teacher(RosterRow):
    district = _district_unindexed()
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="teachers"
    )
    first_name = models.CharField(max_length=150)
    # db_default as well: rows written by raw INSERTs (the bench generator) need no value.
    middle_name = models.CharField(max_length=150, blank=True, default="", db_default="")
    last_name = models.CharField(max_length=150)
    email = models.EmailField(blank=True, default="")
    username = models.CharField(max_length=150, blank=True, default="")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teacher",
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [models.Index(fields=["district", "school", "last_name"])]
        constraints = [_sourced_unique("teacher")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class SessionType(models.TextChoices):
    """OneRoster's academic session types (academicSessions.csv `type`)."""

    GRADING_PERIOD = "gradingPeriod", "Grading period"
    SEMESTER = "semester", "Semester"
    SCHOOL_YEAR = "schoolYear", "School year"
    TERM = "term", "Term"


class Term(RosterRow):
    """An academic session (OneRoster academicSessions): its type, parent session and school
    year are kept as the SIS gave them, so an export gives them back."""

    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="terms"
    )
    name = models.CharField(max_length=200)
    starts_on = models.DateField()
    ends_on = models.DateField()
    # "" for terms made in Seatkeeper (exported as `term`); another value only as a SIS sent it.
    type = models.CharField(max_length=40, blank=True, default="", db_default="")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    school_year = models.CharField(max_length=20, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            _sourced_unique("term"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="term_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Course(RosterRow):
    """A OneRoster course: what a class teaches. Seats never depend on it; it is kept so an
    export names each class's course (courses.csv) as the SIS did."""

    title = models.CharField(max_length=200)
    course_code = models.CharField(max_length=100, blank=True, default="")
    # orgSourcedId: a school, or None when the course belongs to the district.
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="courses"
    )
    school_year = models.ForeignKey(
        Term, null=True, blank=True, on_delete=models.SET_NULL, related_name="courses"
    )

    class Meta:
        ordering = ["title", "id"]
        constraints = [_sourced_unique("course")]

    def __str__(self) -> str:
        return self.title


class ClassroomStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class Classroom(RosterRow):
    district = _district_unindexed()
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="classrooms")
    name = models.CharField(max_length=200)
    course_code = models.CharField(max_length=100, blank=True, default="")  # classCode
    course = models.ForeignKey(
        Course, null=True, blank=True, on_delete=models.SET_NULL, related_name="classrooms"
    )
    # The first term; a class given several terms keeps the others in ClassroomTerm.
    term = models.ForeignKey(
        Term, null=True, blank=True, on_delete=models.SET_NULL, related_name="classrooms"
    )
    primary_teacher = models.ForeignKey(
        Teacher, null=True, blank=True, on_delete=models.SET_NULL, related_name="primary_classrooms"
    )
    co_teachers = models.ManyToManyField(
        Teacher, through="ClassroomTeacher", related_name="co_taught_classrooms", blank=True
    )
    status = models.CharField(
        max_length=10, choices=ClassroomStatus.choices, default=ClassroomStatus.ACTIVE
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["district", "school", "status"]),
            models.Index(fields=["district", "primary_teacher"]),
        ]
        constraints = [_sourced_unique("classroom")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == ClassroomStatus.ACTIVE and self.deleted_at is None


class ClassroomTerm(TenantModel):
    """A further term of a classroom (OneRoster termSourcedIds after the first, in order); the
    first is `Classroom.term`. Seats never depend on it."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="further_terms")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["classroom", "position"]
        constraints = [
            models.UniqueConstraint(fields=["classroom", "term"], name="classroom_term_once")
        ]


class ClassroomTeacher(TenantModel):
    """A co-teacher of a classroom (R8: never changes whether the classroom is licensed)."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="+")
    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="+")
    sourced_id = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["classroom", "teacher"], name="co_teacher_once")
        ]


class Student(RosterRow):
    district = _district_unindexed()
    school = models.ForeignKey(
        School,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="students",
        help_text="Home school; seats are counted where the student is enrolled (R1, R6).",
    )
    first_name = models.CharField(max_length=150)
    middle_name = models.CharField(max_length=150, blank=True, default="")
    last_name = models.CharField(max_length=150)
    preferred_first_name = models.CharField(max_length=150, blank=True, default="")
    date_of_birth = models.DateField(null=True, blank=True)
    grade = models.CharField(max_length=20, blank=True, default="")
    student_number = models.CharField(max_length=100, blank=True, default="")
    username = models.CharField(max_length=150, blank=True, default="")
    email = models.EmailField(blank=True, default="")
    last_sign_in_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["district", "school", "last_name", "first_name"]),
            models.Index(fields=["district", "student_number"]),
            models.Index(fields=["district", "last_sign_in_at"]),
        ]
        constraints = [_sourced_unique("student")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Enrollment(TenantModel):
    # No single-column indexes on district and classroom: the (district, classroom, student)
    # index and the (classroom, student) unique constraint start with them, and every index
    # costs on each imported row (bench/README.md, "OneRoster import"). Both are kept (issue
    # 15 tried one): PostgreSQL plans the importer's joins over rows it just inserted (no
    # statistics yet) through the index whose leading columns the query names, and SQLite
    # searches the child table by classroom_id for every classroom deleted.
    district = _district_unindexed()
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="enrollments")
    classroom = models.ForeignKey(
        Classroom, on_delete=models.CASCADE, related_name="enrollments", db_index=False
    )
    sourced_id = models.CharField(max_length=255, blank=True, default="")
    roster_source = models.CharField(
        max_length=16, choices=RosterSource.choices, default=RosterSource.MANUAL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["district", "classroom", "student"]),
            # (district, student, classroom): a district's enrollments of some students, looked
            # up by the importer with both in the WHERE, come from this index alone; SQLite (no
            # statistics) would otherwise scan the (district, classroom, student) one.
            models.Index(fields=["district", "student", "classroom"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["classroom", "student"], name="enrollment_once")
        ]


class ActivityKind(models.TextChoices):
    SIGN_IN = "sign_in", "Sign-in"
    WORK = "work", "Work"


class StudentActivity(TenantModel):
    """Sign-ins and work reported by the learning platform; tells which duplicate is in use."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="activity")
    kind = models.CharField(max_length=10, choices=ActivityKind.choices)
    at = models.DateTimeField()
    classroom = models.ForeignKey(
        Classroom, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["district", "student", "at"])]


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    PREVIEWED = "previewed", "Dry run done"
    APPLIED = "applied", "Applied"
    FAILED = "failed", "Refused (errors)"
    UNDONE = "undone", "Undone"


class ImportRun(models.Model):
    """One roster import (OneRoster or plain CSV): what was asked, progress, and the outcome.

    `district` is NULL only while the import that creates the district has not been applied.
    `summary` is the JSON the CLI prints with --json; `errors` the problems that refused it;
    `held_back` the enrollments hard enforcement kept out (for an admin to place).
    """

    district = models.ForeignKey(
        "orgs.District", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    district_slug = models.SlugField(max_length=80)
    kind = models.CharField(max_length=16, choices=RosterSource.choices)
    file_name = models.CharField(max_length=255, blank=True, default="")
    file_path = models.CharField(max_length=500, blank=True, default="")
    dry_run = models.BooleanField(default=True)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    done = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    stage = models.CharField(max_length=40, blank=True, default="")
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    held_back = models.JSONField(default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True, default="")
    task_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # issue 17.10: the applied import's journal (ImportJournal.batch) and when it was undone.
    journal = models.CharField(max_length=32, blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)  # when the apply began writing
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["district", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} import {self.file_name} ({self.status})"


class ImportJournal(TenantModel):
    """What one applied import changed, so the whole import can be undone exactly (17.10).

    Written set-based by the importer in its transaction (`oneroster/journal.py`), one row per:
    - `created`: a run of ids the import inserted into `tbl` (`lo`..`hi`, the district's rows);
    - `updated`: a row's image before the import first changed it (soft deletes included);
    - `removed`: the image of a row the import deleted (enrollments, co-teachers, class terms).
    Rows of a batch are deleted when the import is undone (the audit entry keeps the counts).
    """

    district = _district_unindexed()
    batch = models.CharField(max_length=32)
    tbl = models.CharField(max_length=64)
    op = models.CharField(max_length=8)
    lo = models.BigIntegerField()
    hi = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["district", "batch", "tbl", "op", "lo"])]


class RosterInvite(TenantModel):
    """An administrator named by a roster import, to be invited (no login exists until then).

    Rostered administrators get no account automatically: a platform or district admin sends
    the invite, which creates the user and Membership (`accepted_at` set then).
    """

    sourced_id = models.CharField(max_length=255)
    role = models.CharField(max_length=20)  # orgs.Role value the invite grants
    first_name = models.CharField(max_length=150, blank=True, default="")
    last_name = models.CharField(max_length=150, blank=True, default="")
    email = models.EmailField(blank=True, default="")
    username = models.CharField(max_length=150, blank=True, default="")
    school_ids = models.JSONField(default=list, blank=True)
    roster_source = models.CharField(
        max_length=16, choices=RosterSource.choices, default=RosterSource.ONEROSTER
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["district", "sourced_id"], name="roster_invite_unique_sourced_id"
            )
        ]
