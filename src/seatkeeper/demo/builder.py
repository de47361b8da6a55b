"""Bulk roster writer for generated data (demo, benchmarks): many rows in few statements.

It writes straight to the tables, bypassing the per-row services, so callers must keep the
same invariants the services do (district on every row, access rows for every teacher and
product) and record one audit entry for the whole load.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from seatkeeper.orgs.models import District, Product, RosterSource, School
from seatkeeper.roster.models import (
    Classroom,
    ClassroomTeacher,
    Enrollment,
    Student,
    StudentActivity,
    Teacher,
    Term,
)
from seatkeeper.seats.ledger import seat_change
from seatkeeper.seats.models import Allocation, Purchase, TeacherAccess

BATCH = 5000


@dataclass
class RosterBuilder:
    district: District
    source: str = RosterSource.DEMO
    teachers: list[Teacher] = field(default_factory=list)
    access: list[tuple[Teacher, Product, bool]] = field(default_factory=list)
    classrooms: list[Classroom] = field(default_factory=list)
    co_teachers: list[tuple[Classroom, Teacher]] = field(default_factory=list)
    students: list[Student] = field(default_factory=list)
    enrollments: list[tuple[Student, Classroom]] = field(default_factory=list)
    activity: list[tuple[Student, str, dt.datetime, Classroom | None]] = field(default_factory=list)

    def teacher(self, *, access: dict[Product, bool], **kw: Any) -> Teacher:
        t = Teacher(district=self.district, roster_source=self.source, **kw)
        self.teachers.append(t)
        self.access.extend((t, p, on) for p, on in access.items())
        return t

    def classroom(self, *, co_teachers: tuple[Teacher, ...] = (), **kw: Any) -> Classroom:
        c = Classroom(district=self.district, roster_source=self.source, **kw)
        self.classrooms.append(c)
        self.co_teachers.extend((c, t) for t in co_teachers)
        return c

    def student(self, **kw: Any) -> Student:
        s = Student(
            district=self.district, roster_source=kw.pop("roster_source", self.source), **kw
        )
        self.students.append(s)
        return s

    def enroll(self, student: Student, classroom: Classroom) -> None:
        self.enrollments.append((student, classroom))

    def sign_in(
        self, student: Student, at: dt.datetime, classroom: Classroom | None = None
    ) -> None:
        self.activity.append((student, "sign_in", at, classroom))

    def work(self, student: Student, at: dt.datetime, classroom: Classroom | None = None) -> None:
        self.activity.append((student, "work", at, classroom))

    @transaction.atomic
    def flush(self) -> None:
        d = self.district
        # Bulk rows, then the seat ledger brought up to date in the same transaction.
        with seat_change(district_id=d.pk, enforce=False):
            Teacher.objects.bulk_create(self.teachers, batch_size=BATCH)
            TeacherAccess.objects.bulk_create(
                [
                    TeacherAccess(district=d, teacher=t, product=p, on=on)
                    for t, p, on in self.access
                ],
                batch_size=BATCH,
            )
            Classroom.objects.bulk_create(self.classrooms, batch_size=BATCH)
            ClassroomTeacher.objects.bulk_create(
                [ClassroomTeacher(district=d, classroom=c, teacher=t) for c, t in self.co_teachers],
                batch_size=BATCH,
            )
            Student.objects.bulk_create(self.students, batch_size=BATCH)
            seen: set[tuple[int, int]] = set()
            rows = []
            for s, c in self.enrollments:
                key = (s.pk, c.pk)
                if key not in seen:
                    seen.add(key)
                    rows.append(
                        Enrollment(district=d, student=s, classroom=c, roster_source=self.source)
                    )
            Enrollment.objects.bulk_create(rows, batch_size=BATCH)
            StudentActivity.objects.bulk_create(
                [
                    StudentActivity(
                        district=d, student=s, kind=k, at=at, classroom=c, source="demo"
                    )
                    for s, k, at, c in self.activity
                ],
                batch_size=BATCH,
            )
            # Denormalised "last seen" columns, as activity_record keeps them.
            last: dict[int, tuple[dt.datetime | None, dt.datetime | None]] = {}
            class_last: dict[int, dt.datetime] = {}
            for s, k, at, c in self.activity:
                sign, anyx = last.get(s.pk, (None, None))
                anyx = max(anyx, at) if anyx else at
                if k == "sign_in":
                    sign = max(sign, at) if sign else at
                last[s.pk] = (sign, anyx)
                if c is not None:
                    class_last[c.pk] = max(class_last.get(c.pk, at), at)
            for s in self.students:
                if s.pk in last:
                    s.last_sign_in_at, s.last_activity_at = last[s.pk]
            Student.objects.bulk_update(
                [s for s in self.students if s.pk in last],
                ["last_sign_in_at", "last_activity_at"],
                batch_size=BATCH,
            )
            for c in self.classrooms:
                if c.pk in class_last:
                    c.last_activity_at = class_last[c.pk]
            Classroom.objects.bulk_update(
                [c for c in self.classrooms if c.pk in class_last],
                ["last_activity_at"],
                batch_size=BATCH,
            )


def ensure_allocations(district: District) -> None:
    """Every (school, product) has an allocation row (the seat lock row)."""
    have = set(Allocation.objects.filter(district=district).values_list("school_id", "product_id"))
    Allocation.objects.bulk_create(
        [
            Allocation(district=district, school_id=s, product_id=p)
            for s in School.objects.filter(district=district).values_list("id", flat=True)
            for p in Product.objects.filter(district=district).values_list("id", flat=True)
            if (s, p) not in have
        ]
    )


__all__ = ["Purchase", "RosterBuilder", "Term", "ensure_allocations"]
