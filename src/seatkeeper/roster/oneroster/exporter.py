"""Export a district's roster as a OneRoster 1.1 bulk CSV set (a zip), streamed.

What counts for seats is exported so that importing the zip into an empty district gives the
same usage figures: active (not archived, not deleted) classrooms, teachers and students not
deleted, every enrollment between them, primary teacher and co-teachers. Rows without a
sourcedId (added by hand or by CSV) get a stable generated one, `seatkeeper-<kind>-<id>`.
Licences (purchases, allocations, access) are not roster data and are not exported.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from seatkeeper.orgs.models import District, School
from seatkeeper.orgs.scoping import Scope, require_district_admin
from seatkeeper.roster.models import (
    Classroom,
    ClassroomStatus,
    ClassroomTeacher,
    Enrollment,
    Student,
    Teacher,
    Term,
)

USER_COLUMNS = [
    "sourcedId",
    "status",
    "dateLastModified",
    "enabledUser",
    "orgSourcedIds",
    "role",
    "username",
    "userIds",
    "givenName",
    "familyName",
    "middleName",
    "identifier",
    "email",
    "sms",
    "phone",
    "agentSourcedIds",
    "grades",
    "password",
]


def sid(kind: str, pk: int, sourced_id: str) -> str:
    return sourced_id or f"seatkeeper-{kind}-{pk}"


def _write(zf: zipfile.ZipFile, name: str, header: list[str], rows: Iterable[list[str]]) -> int:
    n = 0
    with zf.open(name, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for row in rows:
            w.writerow(row)
            n += 1
    return n


def export_oneroster(*, scope: Scope, district: District, out: str | Path) -> dict[str, int]:
    """Write the zip; returns rows written per file."""
    require_district_admin(scope, doing="export rosters")
    d = district.pk
    district_sid = district.sourced_id or f"seatkeeper-district-{district.slug}"
    classes = Classroom.objects.filter(
        district_id=d, status=ClassroomStatus.ACTIVE, deleted_at__isnull=True
    )
    teachers = Teacher.objects.filter(district_id=d, deleted_at__isnull=True)
    students = Student.objects.filter(district_id=d, deleted_at__isnull=True)
    school_sid = {
        pk: sid("school", pk, s)
        for pk, s in School.objects.filter(district_id=d).values_list("id", "sourced_id")
    }
    counts: dict[str, int] = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        manifest = [
            ["manifest.version", "1.0"],
            ["oneroster.version", "1.1"],
            ["file.academicSessions", "bulk"],
            ["file.categories", "absent"],
            ["file.classes", "bulk"],
            ["file.classResources", "absent"],
            ["file.courses", "absent"],
            ["file.courseResources", "absent"],
            ["file.demographics", "bulk"],
            ["file.enrollments", "bulk"],
            ["file.lineItems", "absent"],
            ["file.orgs", "bulk"],
            ["file.resources", "absent"],
            ["file.results", "absent"],
            ["file.users", "bulk"],
            ["source.systemName", "Seatkeeper"],
            ["source.systemCode", "seatkeeper"],
        ]
        _write(zf, "manifest.csv", ["propertyName", "value"], manifest)
        orgs = [[district_sid, "active", "", district.name, "district", "", ""]]
        orgs += [
            [school_sid[pk], "active", "", name, "school", "", district_sid]
            for pk, name in School.objects.filter(district_id=d, deleted_at__isnull=True)
            .order_by("id")
            .values_list("id", "name")
        ]
        counts["orgs.csv"] = _write(
            zf,
            "orgs.csv",
            [
                "sourcedId",
                "status",
                "dateLastModified",
                "name",
                "type",
                "identifier",
                "parentSourcedId",
            ],
            orgs,
        )
        counts["academicSessions.csv"] = _write(
            zf,
            "academicSessions.csv",
            [
                "sourcedId",
                "status",
                "dateLastModified",
                "title",
                "type",
                "startDate",
                "endDate",
                "parentSourcedId",
                "schoolYear",
            ],
            (
                [
                    sid("term", pk, s),
                    "active",
                    "",
                    name,
                    "term",
                    a.isoformat(),
                    b.isoformat(),
                    "",
                    str(b.year),
                ]
                for pk, s, name, a, b in Term.objects.filter(district_id=d)
                .order_by("id")
                .values_list("id", "sourced_id", "name", "starts_on", "ends_on")
            ),
        )
        counts["classes.csv"] = _write(
            zf,
            "classes.csv",
            [
                "sourcedId",
                "status",
                "dateLastModified",
                "title",
                "grades",
                "courseSourcedId",
                "classCode",
                "classType",
                "location",
                "schoolSourcedId",
                "termSourcedIds",
                "subjects",
                "subjectCodes",
                "periods",
            ],
            (
                [
                    sid("classroom", pk, s),
                    "active",
                    "",
                    name,
                    "",
                    "",
                    code,
                    "scheduled",
                    "",
                    school_sid[school],
                    sid("term", term, term_s) if term else "",
                    "",
                    "",
                    "",
                ]
                for pk, s, name, code, school, term, term_s in classes.order_by("id")
                .values_list(
                    "id",
                    "sourced_id",
                    "name",
                    "course_code",
                    "school_id",
                    "term_id",
                    "term__sourced_id",
                )
                .iterator(chunk_size=5000)
            ),
        )
        counts["users.csv"] = _write(
            zf, "users.csv", USER_COLUMNS, _users(teachers, students, school_sid, district_sid)
        )
        counts["demographics.csv"] = _write(
            zf,
            "demographics.csv",
            ["sourcedId", "status", "dateLastModified", "birthDate", "sex"],
            (
                [sid("student", pk, s), "active", "", dob.isoformat(), ""]
                for pk, s, dob in students.filter(date_of_birth__isnull=False)
                .order_by("id")
                .values_list("id", "sourced_id", "date_of_birth")
                .iterator(chunk_size=5000)
            ),
        )
        counts["enrollments.csv"] = _write(
            zf,
            "enrollments.csv",
            [
                "sourcedId",
                "status",
                "dateLastModified",
                "classSourcedId",
                "schoolSourcedId",
                "userSourcedId",
                "role",
                "primary",
                "beginDate",
                "endDate",
            ],
            _enrollments(d, classes, school_sid),
        )
    return counts


def _users(
    teachers: object, students: object, school_sid: dict[int, str], district_sid: str
) -> Iterator[list[str]]:
    for pk, s, first, last, email, username, school in (
        teachers.order_by("id")  # type: ignore[attr-defined]
        .values_list(
            "id", "sourced_id", "first_name", "last_name", "email", "username", "school_id"
        )
        .iterator(chunk_size=5000)
    ):
        org = school_sid.get(school, district_sid) if school else district_sid
        yield [
            sid("teacher", pk, s),
            "active",
            "",
            "true",
            org,
            "teacher",
            username,
            "",
            first,
            last,
            "",
            "",
            email,
            "",
            "",
            "",
            "",
            "",
        ]
    for pk, s, first, middle, last, email, username, number, grade, school in (
        students.order_by("id")  # type: ignore[attr-defined]
        .values_list(
            "id",
            "sourced_id",
            "first_name",
            "middle_name",
            "last_name",
            "email",
            "username",
            "student_number",
            "grade",
            "school_id",
        )
        .iterator(chunk_size=5000)
    ):
        org = school_sid.get(school, district_sid) if school else district_sid
        yield [
            sid("student", pk, s),
            "active",
            "",
            "true",
            org,
            "student",
            username,
            "",
            first,
            last,
            middle,
            number,
            email,
            "",
            "",
            "",
            grade,
            "",
        ]


def _enrollments(d: int, classes: object, school_sid: dict[int, str]) -> Iterator[list[str]]:
    for pk, s, school, tid, ts in (
        classes.filter(primary_teacher__deleted_at__isnull=True, primary_teacher__isnull=False)  # type: ignore[attr-defined]
        .order_by("id")
        .values_list(
            "id", "sourced_id", "school_id", "primary_teacher_id", "primary_teacher__sourced_id"
        )
        .iterator(chunk_size=5000)
    ):
        yield [
            f"seatkeeper-enr-t-{pk}-{tid}",
            "active",
            "",
            sid("classroom", pk, s),
            school_sid[school],
            sid("teacher", tid, ts),
            "teacher",
            "true",
            "",
            "",
        ]
    for pk, s, cid, cs, school, tid, ts in (
        ClassroomTeacher.objects.filter(
            district_id=d,
            classroom__in=classes,  # type: ignore[arg-type]
            teacher__deleted_at__isnull=True,
        )
        .order_by("id")
        .values_list(
            "id",
            "sourced_id",
            "classroom_id",
            "classroom__sourced_id",
            "classroom__school_id",
            "teacher_id",
            "teacher__sourced_id",
        )
        .iterator(chunk_size=5000)
    ):
        yield [
            sid("ct", pk, s),
            "active",
            "",
            sid("classroom", cid, cs),
            school_sid[school],
            sid("teacher", tid, ts),
            "teacher",
            "false",
            "",
            "",
        ]
    for pk, s, cid, cs, school, st, ss in (
        Enrollment.objects.filter(
            district_id=d,
            classroom__in=classes,  # type: ignore[arg-type]
            student__deleted_at__isnull=True,
        )
        .order_by("classroom_id", "id")
        .values_list(
            "id",
            "sourced_id",
            "classroom_id",
            "classroom__sourced_id",
            "classroom__school_id",
            "student_id",
            "student__sourced_id",
        )
        .iterator(chunk_size=5000)
    ):
        yield [
            sid("enr", pk, s),
            "active",
            "",
            sid("classroom", cid, cs),
            school_sid[school],
            sid("student", st, ss),
            "student",
            "false",
            "",
            "",
        ]
