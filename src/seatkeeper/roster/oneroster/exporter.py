"""Export a district's roster as a OneRoster 1.1 bulk CSV set (a zip), streamed.

What counts for seats is exported so that importing the zip into an empty district gives the
same usage figures: active (not archived, not deleted) classrooms, teachers and students not
deleted, every enrollment between them, primary teacher and co-teachers. Licences (purchases,
allocations, access) are not roster data and are not exported.

What a strict OneRoster 1.1 bulk consumer asks for, and how each is met:

- every file with the 1.1 header, in the 1.1 column order; `status` and `dateLastModified`
  empty (a bulk file); the manifest lists every 1.1 file, `bulk` when written, `absent` (and
  not in the zip) when it would hold no rows;
- courses.csv, and every class with its courseSourcedId: the course the SIS gave it, or one
  made up for a class that has none (`seatkeeper-course-<class id>`, titled after the class);
- academic sessions with their type (OneRoster's vocabulary; a type outside it is written as
  `term`), parent and schoolYear as given (the end date's year for a term made in Seatkeeper);
- every term of a class (`termSourcedIds`, in order), teachers' and students' middle names,
  classCode only as given (never made up);
- a username for every user (required): theirs, else their email, else their sourcedId.

Rows without a sourcedId get `seatkeeper-<kind>-<id>` (`ids.py`); importing the export into
the same district reads those ids back as the same rows, so it changes nothing.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import Any

from seatkeeper.orgs.models import District, School
from seatkeeper.orgs.scoping import Scope, require_district_admin
from seatkeeper.roster.models import (
    Classroom,
    ClassroomStatus,
    ClassroomTeacher,
    ClassroomTerm,
    Course,
    Enrollment,
    SessionType,
    Student,
    Teacher,
    Term,
)
from seatkeeper.roster.oneroster.ids import district_sid, made_up

HEADERS = {
    "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
    "academicSessions.csv": (
        "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear"
    ),
    "courses.csv": (
        "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,"
        "orgSourcedId,subjects,subjectCodes"
    ),
    "classes.csv": (
        "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,"
        "location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods"
    ),
    "users.csv": (
        "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
        "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
        "password"
    ),
    "enrollments.csv": (
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,"
        "primary,beginDate,endDate"
    ),
    "demographics.csv": (
        "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,"
        "blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,"
        "demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,"
        "stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus"
    ),
}
# The 1.1 files in the manifest's order; those Seatkeeper has no data for are always absent.
MANIFEST_FILES = [
    "academicSessions",
    "categories",
    "classes",
    "classResources",
    "courses",
    "courseResources",
    "demographics",
    "enrollments",
    "lineItems",
    "orgs",
    "resources",
    "results",
    "users",
]
SESSION_TYPES = set(SessionType.values)
CHUNK = 5000


def sid(kind: str, pk: int, sourced_id: str) -> str:
    return made_up(kind, pk, sourced_id)


def _row(file: str, **values: Any) -> list[str]:
    """A row of `file` in its header's order, every column not given empty."""
    return [str(values.get(c, "") or "") for c in HEADERS[file].split(",")]


def _write(zf: zipfile.ZipFile, name: str, rows: Iterable[list[str]]) -> int:
    """Write the file when it has rows; returns how many (0: not written, `absent`)."""
    it = iter(rows)
    first = next(it, None)
    if first is None:
        return 0
    n = 0
    with zf.open(name, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS[name].split(","))
        for row in chain([first], it):
            w.writerow(row)
            n += 1
    return n


class _Export:
    """The queries behind each file, scoped to one district."""

    def __init__(self, district: District):
        self.district = district
        d = self.d = district.pk
        self.district_sid = district_sid(district.sourced_id, district.slug)
        self.classes = Classroom.objects.filter(
            district_id=d,
            status=ClassroomStatus.ACTIVE,
            deleted_at__isnull=True,
            school__deleted_at__isnull=True,
        )
        self.teachers = Teacher.objects.filter(district_id=d, deleted_at__isnull=True)
        self.students = Student.objects.filter(district_id=d, deleted_at__isnull=True)
        live = School.objects.filter(district_id=d, deleted_at__isnull=True)
        self.school_sid = {
            pk: sid("school", pk, s) for pk, s in live.values_list("id", "sourced_id")
        }
        self.term_sid = {
            pk: sid("term", pk, s)
            for pk, s in Term.objects.filter(district_id=d).values_list("id", "sourced_id")
        }

    def org_of(self, school_id: int | None) -> str:
        """A person's or course's org: their school when it is exported, else the district."""
        return self.school_sid.get(school_id, self.district_sid) if school_id else self.district_sid

    def orgs(self) -> Iterator[list[str]]:
        yield _row(
            "orgs.csv", sourcedId=self.district_sid, name=self.district.name, type="district"
        )
        for pk, name in (
            School.objects.filter(district_id=self.d, deleted_at__isnull=True)
            .order_by("id")
            .values_list("id", "name")
        ):
            yield _row(
                "orgs.csv",
                sourcedId=self.school_sid[pk],
                name=name,
                type="school",
                parentSourcedId=self.district_sid,
            )

    def sessions(self) -> Iterator[list[str]]:
        for pk, name, typ, a, b, parent, year in (
            Term.objects.filter(district_id=self.d)
            .order_by("id")
            .values_list("id", "name", "type", "starts_on", "ends_on", "parent_id", "school_year")
        ):
            yield _row(
                "academicSessions.csv",
                sourcedId=self.term_sid[pk],
                title=name,
                type=typ if typ in SESSION_TYPES else SessionType.TERM,
                startDate=a.isoformat(),
                endDate=b.isoformat(),
                parentSourcedId=self.term_sid.get(parent, "") if parent else "",
                schoolYear=year or str(b.year),
            )

    def courses(self) -> Iterator[list[str]]:
        used = self.classes.filter(course__isnull=False).values("course_id")
        for pk, s, title, code, school, year in (
            Course.objects.filter(district_id=self.d, id__in=used)
            .order_by("id")
            .values_list("id", "sourced_id", "title", "course_code", "school_id", "school_year_id")
            .iterator(chunk_size=CHUNK)
        ):
            yield _row(
                "courses.csv",
                sourcedId=sid("course", pk, s),
                title=title,
                courseCode=code,
                orgSourcedId=self.org_of(school),
                schoolYearSourcedId=self.term_sid.get(year, "") if year else "",
            )
        # A class with no course gets one of its own (the importer reads it back as none).
        for pk, name, school in (
            self.classes.filter(course__isnull=True)
            .order_by("id")
            .values_list("id", "name", "school_id")
            .iterator(chunk_size=CHUNK)
        ):
            yield _row(
                "courses.csv",
                sourcedId=sid("course", pk, ""),
                title=name,
                orgSourcedId=self.org_of(school),
            )

    def _further_terms(self, first: int, last: int) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for cid, tid in (
            ClassroomTerm.objects.filter(
                district_id=self.d, classroom_id__gte=first, classroom_id__lte=last
            )
            .order_by("classroom_id", "position")
            .values_list("classroom_id", "term_id")
        ):
            out.setdefault(cid, []).append(tid)
        return out

    def class_rows(self) -> Iterator[list[str]]:
        rows = (
            self.classes.order_by("id")
            .values_list(
                "id",
                "sourced_id",
                "name",
                "course_code",
                "course_id",
                "course__sourced_id",
                "school_id",
                "term_id",
            )
            .iterator(chunk_size=CHUNK)
        )
        while chunk := [r for _, r in zip(range(CHUNK), rows, strict=False)]:
            further = self._further_terms(chunk[0][0], chunk[-1][0])
            for pk, s, name, code, course, course_s, school, term in chunk:
                terms = ([term] if term else []) + further.get(pk, [])
                yield _row(
                    "classes.csv",
                    sourcedId=sid("classroom", pk, s),
                    title=name,
                    courseSourcedId=sid("course", course, course_s)
                    if course
                    else sid("course", pk, ""),
                    classCode=code,
                    classType="scheduled",
                    schoolSourcedId=self.school_sid[school],
                    termSourcedIds=",".join(self.term_sid[t] for t in dict.fromkeys(terms)),
                )

    def users(self) -> Iterator[list[str]]:
        people = (
            (self.teachers, "teacher", {}),
            (self.students, "student", {"identifier": "student_number", "grades": "grade"}),
        )
        for qs, role, more in people:
            columns = ["id", "sourced_id", "first_name", "middle_name", "last_name", "email"]
            columns += ["username", "school_id", *more.values()]
            for r in qs.order_by("id").values(*columns).iterator(chunk_size=CHUNK):
                uid = sid(role, r["id"], r["sourced_id"])
                yield _row(
                    "users.csv",
                    sourcedId=uid,
                    enabledUser="true",
                    orgSourcedIds=self.org_of(r["school_id"]),
                    role=role,
                    username=r["username"] or r["email"] or uid,
                    givenName=r["first_name"],
                    familyName=r["last_name"],
                    middleName=r["middle_name"],
                    email=r["email"],
                    **{column: r[field] for column, field in more.items()},
                )

    def demographics(self) -> Iterator[list[str]]:
        for pk, s, dob in (
            self.students.filter(date_of_birth__isnull=False)
            .order_by("id")
            .values_list("id", "sourced_id", "date_of_birth")
            .iterator(chunk_size=CHUNK)
        ):
            yield _row(
                "demographics.csv", sourcedId=sid("student", pk, s), birthDate=dob.isoformat()
            )

    def enrollments(self) -> Iterator[list[str]]:
        def row(esid: str, cls: str, school: int, user: str, role: str, primary: bool) -> list[str]:
            return _row(
                "enrollments.csv",
                sourcedId=esid,
                classSourcedId=cls,
                schoolSourcedId=self.school_sid[school],
                userSourcedId=user,
                role=role,
                primary="true" if primary else "false",
            )

        for pk, s, school, tid, ts in (
            self.classes.filter(
                primary_teacher__deleted_at__isnull=True, primary_teacher__isnull=False
            )
            .order_by("id")
            .values_list(
                "id", "sourced_id", "school_id", "primary_teacher_id", "primary_teacher__sourced_id"
            )
            .iterator(chunk_size=CHUNK)
        ):
            yield row(
                f"seatkeeper-enr-t-{pk}-{tid}",
                sid("classroom", pk, s),
                school,
                sid("teacher", tid, ts),
                "teacher",
                True,
            )
        for pk, s, cid, cs, school, tid, ts in (
            ClassroomTeacher.objects.filter(
                district_id=self.d,
                classroom__in=self.classes,
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
            .iterator(chunk_size=CHUNK)
        ):
            yield row(
                sid("ct", pk, s), sid("classroom", cid, cs), school, sid("teacher", tid, ts),
                "teacher", False,
            )  # fmt: skip
        for pk, s, cid, cs, school, st, ss in (
            Enrollment.objects.filter(
                district_id=self.d,
                classroom__in=self.classes,
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
            .iterator(chunk_size=CHUNK)
        ):
            yield row(
                sid("enr", pk, s), sid("classroom", cid, cs), school, sid("student", st, ss),
                "student", False,
            )  # fmt: skip


def export_oneroster(*, scope: Scope, district: District, out: str | Path) -> dict[str, int]:
    """Write the zip; returns rows written per file (0: the file is absent)."""
    require_district_admin(scope, doing="export rosters")
    e = _Export(district)
    files = {
        "orgs.csv": e.orgs(),
        "academicSessions.csv": e.sessions(),
        "courses.csv": e.courses(),
        "classes.csv": e.class_rows(),
        "users.csv": e.users(),
        "demographics.csv": e.demographics(),
        "enrollments.csv": e.enrollments(),
    }
    counts: dict[str, int] = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, rows in files.items():
            counts[name] = _write(zf, name, rows)
        written = {n.removesuffix(".csv") for n, c in counts.items() if c}
        manifest = [
            ["manifest.version", "1.0"],
            ["oneroster.version", "1.1"],
            *(["file." + f, "bulk" if f in written else "absent"] for f in MANIFEST_FILES),
            ["source.systemName", "Seatkeeper"],
            ["source.systemCode", "seatkeeper"],
        ]
        with (
            zf.open("manifest.csv", "w") as raw,
            io.TextIOWrapper(raw, encoding="utf-8", newline="") as fh,
        ):
            w = csv.writer(fh)
            w.writerow(["propertyName", "value"])
            w.writerows(manifest)
    return counts
