"""Roster reads for admin pages, in bulk (no query per row).

Seat figures come from `seats`: who holds a seat from the ledger (`seats.selectors.holding_seat`),
"seats held" and "seats freed" per teacher or classroom from the what-if model of the school
(`seats.selectors.school_seat_model`, R1, R4, R5, R8); nothing here counts seats.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from seatkeeper.orgs.models import Product, School
from seatkeeper.orgs.scoping import Scope, schools_visible
from seatkeeper.roster.models import Classroom, ClassroomStatus, Enrollment, Student, Teacher
from seatkeeper.roster.scoping import classrooms_visible, students_visible, teachers_visible
from seatkeeper.roster.search import folded_contains
from seatkeeper.seats.models import Seat, TeacherAccess
from seatkeeper.seats.selectors import (
    holding_seat,
    school_seat_model,
    seat_facts,
    seats_of_students,
)
from seatkeeper.seats.whatif import DELETE_STUDENT, UNENROLL_AT, Change, SeatModel

STUDENT_SEARCH_FIELDS = (
    "first_name",
    "last_name",
    "preferred_first_name",
    "username",
    "student_number",
    "email",
)


def _of_school(school: School) -> Q:
    """A teacher of the school: home school there, or primary teacher of a classroom there."""
    teaching_here = Classroom.objects.filter(
        district_id=school.district_id, school=school, primary_teacher__isnull=False
    ).values("primary_teacher_id")
    return Q(school=school) | Q(pk__in=teaching_here)


@dataclass(frozen=True)
class TeacherSeats:
    """One teacher at one school for one product (School: Manage License)."""

    teacher: Teacher
    access_on: bool
    classrooms: int
    seats_held: int  # students holding a seat through this teacher's licensed classrooms
    freed_if_off: int  # of those, students in no other licensed classroom of the school (R4)


def teacher_seats(*, scope: Scope, school: School, product: Product) -> list[TeacherSeats]:
    """Every teacher of the school (home school or primary teacher of a classroom there).

    A constant number of queries whatever the number of teachers: teachers with classroom
    counts, access switches, and the school's what-if model (seats.selectors.school_seat_model).
    """
    teachers = list(
        Teacher.objects.filter(teachers_visible(scope), deleted_at__isnull=True)
        .filter(_of_school(school))
        .annotate(
            n_classrooms=Count(
                "primary_classrooms",
                filter=Q(
                    primary_classrooms__school=school,
                    primary_classrooms__deleted_at__isnull=True,
                ),
                distinct=True,
            )
        )
        .order_by("last_name", "first_name", "id")
    )
    ids = [t.pk for t in teachers]
    on = set(
        TeacherAccess.objects.filter(
            district_id=school.district_id, product=product, teacher_id__in=ids, on=True
        ).values_list("teacher_id", flat=True)
    )
    figures = school_seat_model(scope=scope, school=school, product=product).by_teacher(school.pk)
    return [
        TeacherSeats(
            teacher=t,
            access_on=t.pk in on,
            classrooms=t.n_classrooms,
            seats_held=figures.get(t.pk, (0, 0))[0],
            freed_if_off=figures.get(t.pk, (0, 0))[1],
        )
        for t in teachers
    ]


@dataclass(frozen=True)
class ClassroomFilters:
    term_id: int | None = None
    status: str = "active"  # active | archived | deleted | all
    teacher_id: int | None = None
    inactive_days: int | None = None  # no activity for at least this many days (or never)
    query: str = ""  # issue 17.9: words in the name, course code or teacher's name


@dataclass(frozen=True)
class ClassroomRow:
    classroom: Classroom
    enrolled: int  # students enrolled (deleted students excluded)
    seats_held: int  # students holding a seat through this classroom
    seats_only_here: int  # of those, in no other licensed classroom: freed by un-enrolling


def classroom_rows(
    *,
    scope: Scope,
    school: School,
    product: Product,
    filters: ClassroomFilters | None = None,
    now: dt.datetime | None = None,
) -> list[ClassroomRow]:
    """Classrooms of a school with enrolled and seat figures: two queries plus seat_holders."""
    f = filters or ClassroomFilters()
    qs = Classroom.objects.filter(classrooms_visible(scope), school=school)
    if f.status == "active":
        qs = qs.filter(status=ClassroomStatus.ACTIVE, deleted_at__isnull=True)
    elif f.status == "archived":
        qs = qs.filter(status=ClassroomStatus.ARCHIVED, deleted_at__isnull=True)
    elif f.status == "deleted":
        qs = qs.filter(deleted_at__isnull=False)
    if f.term_id:
        qs = qs.filter(term_id=f.term_id)
    if f.teacher_id:
        qs = qs.filter(primary_teacher_id=f.teacher_id)
    for term in f.query.split()[:4]:
        qs = qs.filter(
            Q(name__icontains=term)
            | Q(course_code__icontains=term)
            | Q(primary_teacher__last_name__icontains=term)
            | Q(primary_teacher__first_name__icontains=term)
        )
    if f.inactive_days:
        from django.utils import timezone

        cutoff = (now or timezone.now()) - dt.timedelta(days=f.inactive_days)
        qs = qs.filter(Q(last_activity_at__lt=cutoff) | Q(last_activity_at__isnull=True))
    rows = list(
        qs.select_related("term", "primary_teacher")
        .annotate(
            n_enrolled=Count("enrollments", filter=Q(enrollments__student__deleted_at__isnull=True))
        )
        .order_by("name", "id")
    )
    figures = school_seat_model(scope=scope, school=school, product=product).by_classroom(school.pk)
    return [
        ClassroomRow(
            classroom=c,
            enrolled=c.n_enrolled,
            seats_held=figures.get(c.pk, (0, 0))[0],
            seats_only_here=figures.get(c.pk, (0, 0))[1],
        )
        for c in rows
    ]


CLASSROOM_SORTS: dict[str, Any] = {
    "name": lambda r: (r.classroom.name.lower(), r.classroom.pk),
    "teacher": lambda r: (str(r.classroom.primary_teacher or "").lower(), r.classroom.name.lower()),
    "students": lambda r: (r.enrolled, r.classroom.name.lower()),
    "seats": lambda r: (r.seats_held, r.classroom.name.lower()),
    "activity": lambda r: (
        r.classroom.last_activity_at.timestamp() if r.classroom.last_activity_at else 0.0,
        r.classroom.name.lower(),
    ),
}


def classroom_page(
    *,
    scope: Scope,
    school: School,
    product: Product,
    filters: ClassroomFilters | None = None,
    sort: str = "name",
    page: Any = 1,
    per_page: int = 50,
) -> tuple[Page, str]:
    """issue 17.9: one page of `classroom_rows`, sorted (by name, teacher, students, seats held
    or last activity; "-" first for descending). The seat figures come from the what-if model
    of the whole school, so sorting by them happens after it is loaded."""
    key = sort.lstrip("-")
    if key not in CLASSROOM_SORTS:
        sort, key = "name", "name"
    rows = classroom_rows(scope=scope, school=school, product=product, filters=filters)
    rows.sort(key=CLASSROOM_SORTS[key], reverse=sort.startswith("-"))
    return Paginator(rows, per_page).get_page(page), sort


STUDENT_SORTS = {
    "name": ("last_name", "first_name", "id"),
    "-name": ("-last_name", "-first_name", "-id"),
    "last_sign_in": (F("last_sign_in_at").asc(nulls_first=True), "id"),
    "-last_sign_in": (F("last_sign_in_at").desc(nulls_last=True), "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    # issue 17.9: seat holders first (the ledger's Seat rows, annotated as `holds_seat`)
    "seat": ("-holds_seat", "last_name", "first_name", "id"),
    "-seat": ("holds_seat", "last_name", "first_name", "id"),
}
SEAT_FILTERS = ("", "held", "none")


@dataclass(frozen=True)
class StudentRow:
    student: Student
    classrooms: list[str] = field(default_factory=list)
    classroom_ids: list[int] = field(default_factory=list)
    seat_held: bool = False


@dataclass(frozen=True)
class StudentPage:
    page: Page
    rows: list[StudentRow]
    sort: str
    query: str
    deleted: bool
    seat: str = ""
    grade: str = ""
    inactive_days: int | None = None
    grades: list[str] = field(default_factory=list)


def students_at_school(*, scope: Scope, school: School, deleted: bool = False) -> QuerySet[Student]:
    """Students visible in the scope that belong to the school (home school or enrolled there)."""
    enrolled_here = Enrollment.objects.filter(
        district_id=school.district_id, classroom__school_id=school.pk, student_id=OuterRef("pk")
    )
    return Student.objects.filter(students_visible(scope), deleted_at__isnull=not deleted).filter(
        Q(school_id=school.pk) | Exists(enrolled_here)
    )


def student_page(
    *,
    scope: Scope,
    school: School,
    product: Product,
    query: str = "",
    sort: str = "name",
    page: Any = 1,
    per_page: int = 50,
    deleted: bool = False,
    seat: str = "",
    grade: str = "",
    inactive_days: int | None = None,
    now: dt.datetime | None = None,
) -> StudentPage:
    """One page of a school's students, searched and sorted in the database.

    A constant number of queries whatever the page size: count, page, the page's classrooms at
    the school, and which of the page's students hold a seat there (the seat ledger).
    """
    sort = sort if sort in STUDENT_SORTS else "name"
    qs = students_at_school(scope=scope, school=school, deleted=deleted)
    query = query.strip()
    for term in query.split()[:4]:
        qs = qs.filter(  # issue 17.14: "Nunez" finds "Núñez"
            folded_contains(STUDENT_SEARCH_FIELDS, term)
        )
    # issue 17.9: filters by seat (the ledger's rows), grade, and no sign-in for N days
    qs = qs.annotate(
        holds_seat=Exists(
            Seat.objects.filter(
                district_id=school.district_id,
                school_id=school.pk,
                product_id=product.pk,
                student_id=OuterRef("pk"),
            )
        )
    )
    if seat == "held":
        qs = qs.filter(holds_seat=True)
    elif seat == "none":
        qs = qs.filter(holds_seat=False)
    if grade.strip():
        qs = qs.filter(grade__iexact=grade.strip())
    if inactive_days:
        from django.utils import timezone

        cutoff = (now or timezone.now()) - dt.timedelta(days=inactive_days)
        qs = qs.filter(Q(last_sign_in_at__lt=cutoff) | Q(last_sign_in_at__isnull=True))
    qs = qs.order_by(*STUDENT_SORTS[sort])
    paginator = Paginator(qs, per_page)
    pg = paginator.get_page(page)
    students = list(pg.object_list)
    ids = [s.pk for s in students]
    classes: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for sid, cid, name in (
        Enrollment.objects.filter(
            district_id=school.district_id,
            student_id__in=ids,
            classroom__school_id=school.pk,
            classroom__deleted_at__isnull=True,
        )
        .order_by("classroom__name", "classroom_id")
        .values_list("student_id", "classroom_id", "classroom__name")
    ):
        classes[sid].append((cid, name))
    rows = [
        StudentRow(
            student=s,
            classrooms=[n for _, n in classes.get(s.pk, [])],
            classroom_ids=[c for c, _ in classes.get(s.pk, [])],
            seat_held=bool(s.holds_seat),
        )
        for s in students
    ]
    grades = sorted(
        set(
            students_at_school(scope=scope, school=school)
            .order_by()
            .values_list("grade", flat=True)
            .distinct()
        )
        - {""},
        key=lambda g: (len(g), g),
    )
    return StudentPage(
        page=pg,
        rows=rows,
        sort=sort,
        query=query,
        deleted=deleted,
        seat=seat if seat in SEAT_FILTERS else "",
        grade=grade.strip(),
        inactive_days=inactive_days,
        grades=grades,
    )


def teacher_list(*, scope: Scope, school: School, deleted: bool = False) -> QuerySet[Teacher]:
    """Teachers of a school (home school, or primary teacher of a classroom there)."""
    return (
        Teacher.objects.filter(teachers_visible(scope), deleted_at__isnull=not deleted)
        .filter(_of_school(school))
        .annotate(
            n_classrooms=Count(
                "primary_classrooms",
                filter=Q(
                    primary_classrooms__school=school, primary_classrooms__deleted_at__isnull=True
                ),
                distinct=True,
            )
        )
        .select_related("user")
        .order_by("last_name", "first_name", "id")
    )


def classroom_students(*, scope: Scope, classroom: Classroom) -> QuerySet[Student]:
    """Students enrolled in a classroom (not deleted), for the teacher's class page."""
    return Student.objects.filter(
        district_id=classroom.district_id,
        deleted_at__isnull=True,
        enrollments__classroom=classroom,
    ).order_by("last_name", "first_name", "id")


def my_classrooms(*, scope: Scope) -> QuerySet[Classroom]:
    """A teacher's active classrooms (primary or co-taught) with enrolled counts."""
    return (
        Classroom.objects.filter(
            classrooms_visible(scope), status=ClassroomStatus.ACTIVE, deleted_at__isnull=True
        )
        .select_related("school", "term", "primary_teacher")
        .annotate(
            n_enrolled=Count("enrollments", filter=Q(enrollments__student__deleted_at__isnull=True))
        )
        .order_by("name", "id")
    )


def student_classrooms_at(*, scope: Scope, student: Student, school: School) -> list[Classroom]:
    """The classrooms of one school (visible in the scope) a student is enrolled in."""
    return list(
        Classroom.objects.filter(
            classrooms_visible(scope), school=school, enrollments__student=student
        )
        .order_by("name", "id")
        .distinct()
    )


# --- issue 17.8: a student's page and a classroom's roster (school admins) ------------------


@dataclass(frozen=True)
class StudentSeat:
    school: School
    product: Product


@dataclass(frozen=True)
class StudentProfile:
    """One student as the scope sees them: their classrooms, schools and seats (the ledger)."""

    student: Student
    classrooms: list[Classroom]
    schools: list[School]
    seats: list[StudentSeat]


def student_profile(*, scope: Scope, student: Student) -> StudentProfile:
    """The student's classrooms, schools and seats, limited to the scope's schools.

    Seats are the ledger's rows (`seats.selectors.seats_of_students`), never a count here.
    """
    classrooms = list(
        Classroom.objects.filter(
            classrooms_visible(scope),
            district_id=student.district_id,
            enrollments__student=student,
        )
        .select_related("school", "term", "primary_teacher")
        .order_by("school__name", "name", "id")
        .distinct()
    )
    visible = {
        s.pk: s
        for s in School.objects.filter(
            schools_visible(scope), district_id=student.district_id, deleted_at__isnull=True
        )
    }
    school_ids = {c.school_id for c in classrooms}
    if student.school_id:
        school_ids.add(student.school_id)
    schools = sorted((visible[i] for i in school_ids if i in visible), key=lambda s: s.name)
    held = seats_of_students(district_id=student.district_id, student_ids=[student.pk]).get(
        student.pk, set()
    )
    products = {
        p.pk: p
        for p in Product.objects.filter(
            district_id=student.district_id, pk__in={p for _, p in held}
        )
    }
    seats = sorted(
        (
            StudentSeat(school=visible[s], product=products[p])
            for s, p in held
            if s in visible and p in products
        ),
        key=lambda x: (x.school.name, x.product.name),
    )
    return StudentProfile(student=student, classrooms=classrooms, schools=schools, seats=seats)


@dataclass(frozen=True)
class RosterRow:
    student: Student
    seat_held: bool


def classroom_roster(*, scope: Scope, classroom: Classroom, product: Product) -> list[RosterRow]:
    """The students of a classroom with whether each holds a seat at its school (the ledger)."""
    students = list(classroom_students(scope=scope, classroom=classroom))
    holding = holding_seat(
        district_id=classroom.district_id,
        school_id=classroom.school_id,
        product_id=product.pk,
        student_ids=[s.pk for s in students],
    )
    return [RosterRow(student=s, seat_held=s.pk in holding) for s in students]


def roster_candidates(
    *, scope: Scope, classroom: Classroom, query: str, limit: int = 20
) -> list[Student]:
    """Students of the classroom's school matching `query`, not enrolled in it yet."""
    query = query.strip()
    if not query:
        return []
    qs = students_at_school(scope=scope, school=classroom.school).exclude(
        enrollments__classroom=classroom
    )
    for term in query.split()[:4]:
        qs = qs.filter(
            Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(username__icontains=term)
            | Q(student_number__icontains=term)
        )
    return list(qs.order_by("last_name", "first_name", "id")[:limit])


# --- issue 17.10: what a change to students will do to seats (the what-if model) -----------


@dataclass(frozen=True)
class FreedSeats:
    school: School
    product: Product
    seats: int


UNENROLL_HERE = "unenroll"
DELETE_STUDENTS = "delete"


def seats_freed_preview(
    *, scope: Scope, school: School, student_ids: list[int], kind: str
) -> list[FreedSeats]:
    """Seats freed per school and product if these students were un-enrolled from `school`'s
    classrooms (kind "unenroll") or deleted (kind "delete", every school, R5).

    Replays the changes on the what-if model (`seats.whatif.SeatModel`, loaded by
    `seats.selectors.seat_facts`) of the schools where the students hold seats (the ledger):
    the same rules the services apply, so the preview equals what applying yields.
    """
    held = seats_of_students(district_id=school.district_id, student_ids=student_ids)
    by_product: dict[int, set[int]] = defaultdict(set)
    for seats in held.values():
        for sch, prod in seats:
            if kind == DELETE_STUDENTS or sch == school.pk:
                by_product[prod].add(sch)
    freed: dict[tuple[int, int], int] = defaultdict(int)
    for product_id, school_ids in by_product.items():
        model = SeatModel(
            seat_facts(district_id=school.district_id, product_id=product_id, school_ids=school_ids)
        )
        for sid in student_ids:
            change = (
                Change(UNENROLL_AT, (sid, school.pk))
                if kind == UNENROLL_HERE
                else Change(DELETE_STUDENT, (sid,))
            )
            for sch, n in model.apply(change).items():
                freed[(sch, product_id)] += n
    schools = {
        s.pk: s
        for s in School.objects.filter(district_id=school.district_id, pk__in={k[0] for k in freed})
    }
    products = {
        p.pk: p
        for p in Product.objects.filter(
            district_id=school.district_id, pk__in={k[1] for k in freed}
        )
    }
    return sorted(
        (
            FreedSeats(school=schools[s], product=products[p], seats=n)
            for (s, p), n in freed.items()
            if n
        ),
        key=lambda f: (f.school.name, f.product.name),
    )
