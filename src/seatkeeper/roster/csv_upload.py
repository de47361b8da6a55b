"""Plain CSV upload of students (and their classroom) for schools without a SIS.

One row per student and classroom (repeat the student on another row for a second classroom).
Students are matched by `student_id` (stored as their sourcedId; `student_number` is used when
`student_id` is empty), schools by sourcedId or name, classrooms by name within the school
(created when missing, with `teacher_email` as primary teacher). An upload only adds and
updates: it never deletes or un-enrolls. Same path as OneRoster: everything validated first,
one transaction, dry run, seat effect, hard enforcement holding back seats beyond capacity.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from seatkeeper.errors import FieldProblem, Forbidden, InvalidInput, max_length_of, too_long_message
from seatkeeper.orgs.models import District, RosterSource, School
from seatkeeper.orgs.scoping import ADMIN_ROLES, Scope, district_for, schools_visible
from seatkeeper.roster.models import Classroom, Enrollment, ImportRun, Student, Teacher
from seatkeeper.roster.oneroster import archive
from seatkeeper.roster.oneroster.importer import ProgressFn, apply_import, refuse
from seatkeeper.roster.oneroster.lock import district_import_lock
from seatkeeper.roster.oneroster.mapper import BATCH, Mapper, WriteResult
from seatkeeper.roster.oneroster.notes import Notes
from seatkeeper.roster.oneroster.reader import (
    ReadError,
    Source,
    last_required,
    read_table,
    width_problem,
)
from seatkeeper.roster.oneroster.validate import parse_date

COLUMNS = [
    "student_id",
    "first_name",
    "last_name",
    "middle_name",
    "date_of_birth",
    "grade",
    "student_number",
    "email",
    "username",
    "school",
    "classroom",
    "teacher_email",
]
REQUIRED = ["first_name", "last_name", "school"]
TEMPLATE = (
    ",".join(COLUMNS)
    + "\n"
    + "S-1001,Maya,Lopez,Ann,2014-03-09,5,1001,maya.lopez@example.org,mlopez,"
    + "Oak Hollow Elementary,Grade 5 Math (Smith),jane.smith@example.org\n"
)


def _open(path: Path, label: str) -> Source:
    if not path.is_file():
        raise InvalidInput(
            f"{path} does not exist.",
            problems=[FieldProblem(field="path", message="no such file", value=str(path))],
        )
    archive.check_upload_size(path, label)
    return Source(label=label, names={"students.csv": path.name}, root=path.parent)


def csv_import(*, district_slug: str, **kwargs: Any) -> dict[str, Any]:
    """Validate the whole file, then add/update students and enrollments in one transaction.
    One import of a district at a time (`lock.district_import_lock`)."""
    with district_import_lock(district_slug):
        return _csv_import(district_slug=district_slug, **kwargs)


def _csv_import(
    *,
    scope: Scope,
    path: str | Path,
    district_slug: str,
    dry_run: bool = False,
    label: str | None = None,
    progress: ProgressFn | None = None,
    run: ImportRun | None = None,
) -> dict[str, Any]:
    p = Path(path)
    scope, district = district_for(scope, district_slug)
    if scope.role not in ADMIN_ROLES:  # school admins upload into their own schools
        raise Forbidden("Only admins may upload students.")
    source = _open(p, label or p.name)
    notes = Notes()
    summary: dict[str, Any] = {
        "kind": RosterSource.CSV,
        "file": source.label,
        "district": district_slug,
        "dry_run": dry_run,
    }
    students, enrollments = _validate(source, scope, district, notes)
    if notes.error_count:
        raise refuse(notes, summary)

    def write(d: District, journal: str | None) -> WriteResult:
        return _write(d, students, enrollments, journal)

    return apply_import(
        scope=scope,
        district=district,
        district_slug=district_slug,
        district_name=district.name,
        district_sourced_id=district.sourced_id,
        write=write,
        notes=notes,
        summary=summary,
        dry_run=dry_run,
        run=run,
    )


def _validate(
    source: Source, scope: Scope, district: District, notes: Notes
) -> tuple[dict[str, dict[str, Any]], list[tuple[str, int, str, str]]]:
    fname = source.label
    schools: dict[str, int] = {}
    for pk, sid, name in School.objects.filter(
        schools_visible(scope), deleted_at__isnull=True
    ).values_list("id", "sourced_id", "name"):
        schools[name.strip().lower()] = pk
        if sid:
            schools[sid.lower()] = pk
    teachers = {
        e.lower(): pk
        for pk, e in Teacher.objects.filter(district=district, deleted_at__isnull=True)
        .exclude(email="")
        .values_list("id", "email")
    }
    students: dict[str, dict[str, Any]] = {}
    enrollments: list[tuple[str, int, str, str]] = []  # student key, school, classroom, teacher
    try:
        table = read_table(source, "students.csv", COLUMNS)
        header, rows = table.header, table.rows
        for given, read_as in table.renamed:
            notes.warn(
                "csv-header-case",
                f"{fname}: column names that differ from the template's only in case were read "
                "as the template's",
                file=fname,
                line=1,
                value=f"{given} as {read_as}",
            )
        missing = [c for c in REQUIRED if c not in header]
        if not ("student_id" in header or "student_number" in header):
            missing.append("student_id")
        for c in missing:
            notes.error(f"required column {c} is missing", file=fname, line=1, column=c)
        if missing:
            return students, enrollments
        need = last_required(table.cells, REQUIRED)
        for row in rows:
            bad = False
            if len(row.cells) > table.width or len(row.cells) < need:
                # A value with an unquoted comma shifted every later column: refused.
                notes.error(
                    width_problem(len(row.cells), table.cells, REQUIRED) or "",
                    file=fname,
                    line=row.line,
                    field_name="row",
                )
                continue

            def err(column: str, message: str, value: Any = None, line: int = row.line) -> None:
                nonlocal bad
                bad = True
                notes.error(message, file=fname, line=line, column=column, value=value)

            key = row.get("student_id") or row.get("student_number")
            if not key:
                err(
                    "student_id",
                    "student_id (or student_number) is needed to match the student next time",
                )
            if not row.get("first_name") and not row.get("last_name"):
                err("last_name", "a student needs a name")
            school = schools.get(row.get("school").lower())
            if school is None:
                err(
                    "school",
                    "no school with this name or sourcedId among your schools",
                    row.get("school"),
                )
            dob = None
            if row.get("date_of_birth"):
                dob = parse_date(row.get("date_of_birth"))
                if dob is None:
                    err("date_of_birth", "not a date (use YYYY-MM-DD)", row.get("date_of_birth"))
                elif dob > dt.date.today():  # noqa: DTZ011 - a birth date is a calendar date
                    err("date_of_birth", "is in the future", row.get("date_of_birth"))
            email = row.get("email")
            if email and "@" not in email:
                err("email", "is not an email address", email)
            teacher = row.get("teacher_email").lower()
            if teacher and teacher not in teachers:
                err(
                    "teacher_email",
                    "no teacher with this email in the district",
                    row.get("teacher_email"),
                )
            values = {
                "first_name": row.get("first_name"),
                "last_name": row.get("last_name"),
                "middle_name": row.get("middle_name"),
                "grade": row.get("grade"),
                "student_number": row.get("student_number"),
                "email": email,
                "username": row.get("username"),
            }
            # issue 17.1: refuse an over-long value with file, line and column; never cut it.
            for name, value in values.items():
                limit = max_length_of(Student, name)
                if limit and len(value) > limit:
                    err(name, too_long_message(limit, value))
            classroom_name = row.get("classroom")
            limit = max_length_of(Classroom, "name")
            if limit and len(classroom_name) > limit:
                err("classroom", too_long_message(limit, classroom_name))
            if bad:
                continue
            values["school_id"] = school
            if dob is not None:
                values["date_of_birth"] = dob
            if key in students and students[key] != values:
                notes.warn(
                    "csv-repeated-student",
                    "a student on several rows keeps the first row's details",
                    file=fname,
                    line=row.line,
                    value=key,
                )
            students.setdefault(key, values)
            if row.get("classroom"):
                enrollments.append((key, school, classroom_name, str(teachers.get(teacher, ""))))
    except ReadError as exc:
        p = exc.problem
        notes.error(
            p.message, file=fname, line=p.line, column=p.column, value=p.value, field_name=p.field
        )
    if not students and not notes.error_count:
        notes.error("the file has no student rows", file=fname, line=2)
    return students, enrollments


def _write(
    district: District,
    students: dict[str, dict[str, Any]],
    enrollments: list[tuple[str, int, str, str]],
    journal: str | None = None,
) -> WriteResult:
    from django.db.models import Max

    m = Mapper(None, district, RosterSource.CSV, None, journal)  # type: ignore[arg-type]
    m.result.enrollment_id_floor = Enrollment.objects.aggregate(n=Max("id"))["n"] or 0
    fields = [
        "first_name",
        "last_name",
        "middle_name",
        "grade",
        "student_number",
        "email",
        "username",
        "school_id",
    ]
    if any("date_of_birth" in v for v in students.values()):
        fields.append("date_of_birth")
        for v in students.values():
            v.setdefault("date_of_birth", None)
    from seatkeeper.roster.models import Student

    ids = m._sync("students", Student, students, [], fields)
    classrooms = {
        (school, name.lower()): (pk, teacher)
        for pk, school, name, teacher in Classroom.objects.filter(
            district=district, deleted_at__isnull=True
        ).values_list("id", "school_id", "name", "primary_teacher_id")
    }
    counts = m.result.counts["classrooms"]
    class_floor = m.journal.floor(Classroom)
    for _, school, name, teacher in enrollments:
        key = (school, name.lower())
        if key not in classrooms:
            c = Classroom.objects.create(
                district=district,
                school_id=school,
                name=name,
                primary_teacher_id=int(teacher) if teacher else None,
                roster_source=RosterSource.CSV,
            )
            classrooms[key] = (c.pk, c.primary_teacher_id)
            counts.created += 1
        elif teacher and classrooms[key][1] is None:
            m.journal.before_pks(Classroom, [classrooms[key][0]])
            Classroom.objects.filter(pk=classrooms[key][0]).update(primary_teacher_id=int(teacher))
            classrooms[key] = (classrooms[key][0], int(teacher))
            counts.updated += 1
    pairs = {
        (classrooms[(school, name.lower())][0], ids[key])
        for key, school, name, _ in enrollments
        if key in ids
    }
    existing = (
        set(
            Enrollment.objects.filter(
                district=district, student_id__in=list(ids.values())
            ).values_list("classroom_id", "student_id")
        )
        if len(ids) < 20000
        else set(
            Enrollment.objects.filter(district=district).values_list("classroom_id", "student_id")
        )
    )
    new = [
        Enrollment(district=district, classroom_id=c, student_id=s, roster_source=RosterSource.CSV)
        for c, s in sorted(pairs - existing)
    ]
    m.journal.created(Classroom, class_floor)
    enrollment_floor = m.journal.floor(Enrollment)
    Enrollment.objects.bulk_create(new, batch_size=BATCH)
    m.journal.created(Enrollment, enrollment_floor)
    ec = m.result.counts["enrollments"]
    ec.created += len(new)
    ec.unchanged += len(pairs & existing)
    return m.result
