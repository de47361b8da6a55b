"""The `maple-valley` demo district: deterministic, overallocated, showing every cause.

Two schools are over capacity for `core`, and together the district shows each cause in
domain.md: an allocation imbalance (Oak Hollow has spare seats, and the pool has unallocated
seats), teachers holding access they do not need, stale classrooms from last term, duplicate
student accounts (typos, nicknames, second accounts), long-inactive students, and students
counted at two schools (R6). Dates are relative to the day of loading; counts never vary.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from seatkeeper.audit import actions
from seatkeeper.audit.services import audit_record
from seatkeeper.demo.builder import RosterBuilder, ensure_allocations
from seatkeeper.orgs.models import District, Membership, MembershipSchool, Product, Role, School
from seatkeeper.orgs.scoping import system_scope
from seatkeeper.orgs.services import district_create
from seatkeeper.roster.models import Classroom, ClassroomStatus, Student, Teacher, Term
from seatkeeper.seats import ledger
from seatkeeper.seats.ledger import seat_change
from seatkeeper.seats.models import Allocation, Purchase
from seatkeeper.seats.selectors import used_by_school
from seatkeeper.seats.services import product_create

SLUG = "maple-valley"
PASSWORD = "seatkeeper-demo"  # noqa: S105 - the documented demo password
LOGINS = [
    ("operator", Role.OPERATOR, "platform operator: every district"),
    ("district-admin", Role.DISTRICT_ADMIN, "district admin of Maple Valley"),
    ("school-admin", Role.SCHOOL_ADMIN, "school admin of Cedar Ridge Middle (overallocated)"),
    ("teacher", Role.TEACHER, "teacher at Cedar Ridge Middle (Ms. Rivera)"),
]

FIRST = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Elijah",
    "Sophia",
    "Lucas",
    "Isabella",
    "Mason",
    "Mia",
    "Ethan",
    "Amelia",
    "Logan",
    "Harper",
    "James",
    "Evelyn",
    "Aiden",
    "Abigail",
    "Jackson",
    "Emily",
    "Sebastian",
    "Ella",
    "Mateo",
    "Aria",
    "Jayden",
    "Camila",
    "Daniel",
    "Chloe",
    "Henry",
    "Layla",
    "Owen",
    "Nora",
    "Wyatt",
    "Zoe",
    "Gabriel",
    "Riley",
    "Julian",
    "Leah",
    "Isaac",
    "Hannah",
    "Levi",
    "Lily",
    "Carter",
    "Grace",
    "Dylan",
    "Zoey",
    "Luca",
    "Victoria",
    "Aaliyah",
    "Diego",
    "Priya",
    "Arjun",
    "Mei",
    "Hiroshi",
    "Fatima",
    "Omar",
    "Chiara",
    "Björn",
    "Zoë",
    "Seán",
    "Nguyen",
]
LAST = (
    (
        "Smith Garcia Martinez Brown Davis Miller Wilson Moore Taylor Anderson Thomas Hernandez "
        "Lopez Gonzalez Clark Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
        "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Patel Kim Chen "
        "O'Brien Müller Núñez García-López Van\u00a0Dyke Okafor Haddad Kowalski Rossi Sato Ito "
        "Johnson Washington Castillo Jiménez Ramírez Díaz Reyes Morales"
    )
    .replace("\u00a0", " ")
    .split(" ")
)

# Nickname pairs a second account is typically created under (dedup evidence).
NICKNAMES = [
    ("Katherine", "Kate"),
    ("William", "Will"),
    ("Elizabeth", "Liz"),
    ("Alexander", "Alex"),
    ("Jonathan", "Jon"),
    ("Margaret", "Maggie"),
    ("Robert", "Bobby"),
    ("Christopher", "Chris"),
]
TYPOS = [
    ("Johnson", "Jonhson"),
    ("Thompson", "Thomson"),
    ("Gonzalez", "Gonzales"),
    ("Schmidt", "Schmitt"),
]


@dataclass(frozen=True)
class SchoolPlan:
    name: str
    sourced_id: str
    grades: tuple[str, ...]
    students: int
    teachers: int
    # Allocation = used + delta (negative: overallocated).
    delta: int
    school_purchased: int = 0


SCHOOLS = [
    SchoolPlan("Cedar Ridge Middle", "org-cedar-ridge", ("6", "7", "8"), 560, 16, -48),
    SchoolPlan(
        "Birchwood Elementary", "org-birchwood", ("K", "1", "2", "3", "4", "5"), 520, 18, -37
    ),
    SchoolPlan(
        "Oak Hollow Elementary", "org-oak-hollow", ("K", "1", "2", "3", "4", "5"), 430, 15, 120
    ),
    SchoolPlan(
        "Pine Crest Elementary", "org-pine-crest", ("K", "1", "2", "3", "4", "5"), 450, 15, 18, 100
    ),
    SchoolPlan("Willow Creek Middle", "org-willow-creek", ("6", "7", "8"), 480, 14, 22),
    SchoolPlan("Maple Valley High", "org-maple-valley-high", ("9", "10", "11", "12"), 600, 16, 25),
]
UNALLOCATED = 40
SUBJECTS = ["Math", "Science", "Reading", "Social Studies", "Homeroom"]


def school_year(today: dt.date) -> int:
    return today.year if today.month >= 8 else today.year - 1


def load(*, today: dt.date | None = None, force: bool = False) -> District:
    """Load the demo district (idempotent: an existing one is kept unless `force`)."""
    existing = District.objects.filter(slug=SLUG).first()
    if existing is not None and not force:
        return existing
    with transaction.atomic():
        if existing is not None:
            unload()
        return _build(today or timezone.localdate())


def unload() -> None:
    """Remove the demo district, every row it owns, and the demo logins."""
    with transaction.atomic():
        existing = District.objects.filter(slug=SLUG).first()
        if existing is not None:
            _drop(existing)
        get_user_model().objects.filter(username__in=[u for u, _, _ in LOGINS]).delete()


def _drop(district: District) -> None:
    """Delete a district and every row it owns. Schools, teachers and products are PROTECTed
    against stray deletes, so tables are emptied children first, retrying the protected ones."""
    pending = [
        m
        for m in apps.get_models()
        if any(
            f.name == "district" and f.is_relation and f.related_model is District
            for f in m._meta.fields
        )
    ]
    for _ in range(len(pending) + 1):
        left = []
        for model in pending:
            try:
                with transaction.atomic():
                    model._base_manager.filter(district=district).delete()
            except ProtectedError:
                left.append(model)
        if not left:
            break
        pending = left
    district_id = district.pk
    district.delete()
    ledger.forget(district_id)  # the deletes above were journaled; nothing is left to count


def _build(today: dt.date) -> District:
    rng = random.Random(20260901)
    scope = system_scope(via="demo")
    district = district_create(
        scope=scope, slug=SLUG, name="Maple Valley Unified School District", sourced_id="org-mvusd"
    )
    scope = system_scope(district, via="demo")
    core = Product.objects.get(district=district, code="core")
    ela = product_create(scope=scope, district=district, code="ela", name="ELA")
    y = school_year(today)
    now = timezone.now()
    current = Term.objects.create(
        district=district,
        name=f"{y}-{y + 1} School Year",
        sourced_id=f"term-{y}",
        starts_on=dt.date(y, 8, 17),
        ends_on=dt.date(y + 1, 6, 11),
        roster_source="demo",
    )
    last = Term.objects.create(
        district=district,
        name=f"{y - 1}-{y} School Year",
        sourced_id=f"term-{y - 1}",
        starts_on=dt.date(y - 1, 8, 18),
        ends_on=dt.date(y, 6, 12),
        roster_source="demo",
    )
    schools = {
        p.name: School.objects.create(
            district=district, name=p.name, sourced_id=p.sourced_id, roster_source="demo"
        )
        for p in SCHOOLS
    }
    ensure_allocations(district)
    b = RosterBuilder(district)
    used_names: set[tuple[str, str]] = set()
    seq = iter(range(100000, 999999))

    def person() -> tuple[str, str]:
        while True:
            f, l_ = rng.choice(FIRST), rng.choice(LAST)
            if (f, l_) not in used_names:
                used_names.add((f, l_))
                return f, l_

    def days_ago(n: float) -> dt.datetime:
        return now - dt.timedelta(days=n, hours=rng.randint(0, 8), minutes=rng.randint(0, 59))

    special: dict[str, list[Teacher]] = {}
    for plan in SCHOOLS:
        school = schools[plan.name]
        teachers = []
        for i in range(plan.teachers):
            f, l_ = person()
            if plan.name == "Cedar Ridge Middle" and i == 0:
                f, l_ = "Ana", "Rivera"
            n = next(seq)
            teachers.append(
                b.teacher(
                    school=school,
                    first_name=f,
                    last_name=l_,
                    email=f"{f.lower()}.{l_.lower().replace(' ', '').replace(chr(39), '')}@maplevalley.example.org",
                    username=f"t{n}",
                    sourced_id=f"tch-{n}",
                    access={
                        core: True,
                        ela: plan.name in ("Maple Valley High", "Willow Creek Middle"),
                    },
                )
            )
        special[plan.name] = teachers
        # Current-term classrooms: each teacher 2-3 sections; students fill 3-4 of them.
        sections = []
        for t in teachers:
            for k in range(rng.randint(2, 3)):
                subject = rng.choice(SUBJECTS)
                grade = rng.choice(plan.grades)
                sections.append(
                    b.classroom(
                        school=school,
                        name=f"Grade {grade} {subject} {y}-{str(y + 1)[2:]} ({t.last_name}{'' if k == 0 else ' ' + str(k + 1)})",
                        term=current,
                        primary_teacher=t,
                        course_code=f"{subject[:4].upper()}-{grade}",
                        sourced_id=f"cls-{next(seq)}",
                        last_activity_at=days_ago(rng.randint(0, 5)),
                    )
                )
        students = []
        for _ in range(plan.students):
            f, l_ = person()
            n = next(seq)
            grade = rng.choice(plan.grades)
            s = b.student(
                school=school,
                first_name=f,
                last_name=l_,
                grade=grade,
                date_of_birth=dt.date(
                    y - 6 - _grade_num(grade), rng.randint(1, 12), rng.randint(1, 28)
                ),
                student_number=str(n),
                username=f"s{n}",
                email=f"s{n}@students.maplevalley.example.org",
                sourced_id=f"stu-{n}",
            )
            students.append(s)
            for c in rng.sample(sections, rng.randint(3, 4)):
                b.enroll(s, c)
            for k in range(3):
                b.sign_in(s, days_ago(rng.uniform(0, 12) + 7 * k))
        # Stale classrooms from last term, never archived: each teacher had two sections;
        # some of last year's students left and are enrolled nowhere else.
        stale_sections = []
        for t in teachers[: max(4, plan.teachers // 3)]:
            for k in range(2):
                stale_sections.append(
                    b.classroom(
                        school=school,
                        name=f"{rng.choice(SUBJECTS)} {y - 1}-{str(y)[2:]} ({t.last_name}{'' if k == 0 else ' ' + str(k + 1)})",
                        term=last,
                        primary_teacher=t,
                        sourced_id=f"cls-{next(seq)}",
                        last_activity_at=days_ago(150 + rng.randint(0, 30)),
                    )
                )
        for c in stale_sections:
            for s in rng.sample(students, 12):
                b.enroll(s, c)
        leavers = 30 if plan.delta < 0 else 6
        for _ in range(leavers):
            f, l_ = person()
            n = next(seq)
            s = b.student(
                school=school,
                first_name=f,
                last_name=l_,
                grade=plan.grades[-1],
                student_number=str(n),
                username=f"s{n}",
                sourced_id=f"stu-{n}",
            )
            b.enroll(s, rng.choice(stale_sections))
            b.sign_in(s, days_ago(170 + rng.randint(0, 40)))
        # Long-inactive students, still enrolled in current classrooms.
        for s in rng.sample(students, 8):
            b.activity = [a for a in b.activity if a[0] is not s]
            b.sign_in(s, days_ago(200 + rng.randint(0, 60)))
        _duplicates(b, rng, school, plan, students, sections, seq, days_ago)
    _teachers_without_need(b, rng, schools, special, core, current, seq, days_ago, y)
    _moved_students(b, rng, schools, current, seq, days_ago)
    # The teacher login is Ms. Rivera; archived classrooms exist too, to show they count nothing.
    b.flush()
    with seat_change(district_id=district.pk, enforce=False):
        for plan in SCHOOLS[:3]:
            old = Classroom.objects.filter(
                district=district, school=schools[plan.name], term=last
            ).order_by("id")[:1]
            for c in old:
                c.status = ClassroomStatus.ARCHIVED
                c.archived_at = now - dt.timedelta(days=160)
                c.save(update_fields=["status", "archived_at"])
    _licenses(district, schools, core, ela, y)
    _logins(district, schools, special)
    audit_record(
        scope=scope,
        action=actions.DEMO_LOADED,
        target=district,
        district_id=district.pk,
        data={"new": {"students": Student.objects.filter(district=district).count()}},
    )
    return district


def _grade_num(grade: str) -> int:
    return 0 if grade == "K" else int(grade)


def _duplicates(b, rng, school, plan, students, sections, seq, days_ago) -> None:  # type: ignore[no-untyped-def]
    """Second accounts of real students: nicknames, typos, re-created by hand (R3)."""
    count = 14 if plan.delta < 0 else 3
    for i in range(count):
        kind = i % 3
        n = next(seq)
        if kind == 0:
            full, nick = NICKNAMES[i % len(NICKNAMES)]
            last = rng.choice(LAST)
            grade = rng.choice(plan.grades)
            dob = dt.date(2015 - _grade_num(grade), rng.randint(1, 12), rng.randint(1, 28))
            original = b.student(
                school=school,
                first_name=full,
                last_name=last,
                grade=grade,
                date_of_birth=dob,
                student_number=str(n),
                username=f"s{n}",
                sourced_id=f"stu-{n}",
            )
            for c in rng.sample(sections, 3):
                b.enroll(original, c)
            b.sign_in(original, days_ago(rng.uniform(0, 5)))
            dup = b.student(
                school=school,
                first_name=nick,
                last_name=last,
                grade=grade,
                date_of_birth=dob,
                username=f"{nick.lower()}{last.lower()[:3]}{i}",
                roster_source="manual",
            )
            b.enroll(dup, rng.choice(sections))
            b.sign_in(dup, days_ago(60 + rng.uniform(0, 30)))
        elif kind == 1:
            right, wrong = TYPOS[i % len(TYPOS)]
            first = rng.choice(FIRST)
            grade = rng.choice(plan.grades)
            original = b.student(
                school=school,
                first_name=first,
                last_name=right,
                grade=grade,
                student_number=str(n),
                username=f"s{n}",
                sourced_id=f"stu-{n}",
                date_of_birth=dt.date(2014 - _grade_num(grade), 3, 1 + i),
            )
            for c in rng.sample(sections, 3):
                b.enroll(original, c)
            b.sign_in(original, days_ago(rng.uniform(0, 5)))
            dup = b.student(
                school=school,
                first_name=first,
                last_name=wrong,
                grade=grade,
                student_number=str(n),
                roster_source="csv",
                sourced_id="",
                date_of_birth=dt.date(2014 - _grade_num(grade), 3, 1 + i),
            )
            b.enroll(dup, rng.choice(sections))
        else:
            original = rng.choice(students)
            dup = b.student(
                school=school,
                first_name=original.first_name,
                last_name=original.last_name,
                grade=original.grade,
                date_of_birth=original.date_of_birth,
                email=f"{original.first_name.lower()}.{n}@gmail.example.com",
                roster_source="manual",
            )
            b.enroll(dup, rng.choice(sections))
            b.sign_in(dup, days_ago(90 + rng.uniform(0, 20)))


def _teachers_without_need(b, rng, schools, special, core, current, seq, days_ago, y) -> None:  # type: ignore[no-untyped-def]
    """Access held without need: a media specialist whose only class has no activity, and a
    coach with no classroom at all, at each overallocated school."""
    for name in ("Cedar Ridge Middle", "Birchwood Elementary"):
        school = schools[name]
        n = next(seq)
        lib = b.teacher(
            school=school,
            first_name="Pat",
            last_name=f"Lindqvist-{name.split()[0]}",
            email=f"library{n}@maplevalley.example.org",
            sourced_id=f"tch-{n}",
            access={core: True},
        )
        b.teacher(
            school=school,
            first_name="Sam",
            last_name=f"Okoro-{name.split()[0]}",
            email=f"coach{n}@maplevalley.example.org",
            sourced_id=f"tch-{n + 1}",
            access={core: True},
        )
        c = b.classroom(
            school=school,
            name=f"Library Skills {y}-{str(y + 1)[2:]}",
            term=current,
            primary_teacher=lib,
            sourced_id=f"cls-{next(seq)}",
        )
        for _ in range(14):
            f, l_ = rng.choice(FIRST), rng.choice(LAST)
            k = next(seq)
            s = b.student(
                school=school,
                first_name=f,
                last_name=l_ + "-" + rng.choice(LAST),
                grade=rng.choice(["6", "7", "3", "4"]),
                student_number=str(k),
                username=f"s{k}",
                sourced_id=f"stu-{k}",
            )
            b.enroll(s, c)
        for s in rng.sample([s for s in b.students if s.school is school][:200], 10):
            b.enroll(s, c)


def _moved_students(b, rng, schools, current, seq, days_ago) -> None:  # type: ignore[no-untyped-def]
    """Students who moved from Cedar Ridge to Willow Creek and are enrolled at both (R6)."""
    src = [s for s in b.students if s.school is schools["Cedar Ridge Middle"] and s.sourced_id][
        :400
    ]
    dst_classes = [
        c for c in b.classrooms if c.school is schools["Willow Creek Middle"] and c.term is current
    ]
    for s in rng.sample(src, 4):
        b.enroll(s, rng.choice(dst_classes))


def _licenses(
    district: District, schools: dict[str, School], core: Product, ela: Product, y: int
) -> None:
    starts, ends = dt.date(y, 7, 1), dt.date(y + 1, 6, 30)
    used = used_by_school(district_id=district.pk, product_id=core.pk)
    total = 0
    for plan in SCHOOLS:
        s = schools[plan.name]
        seats = max(0, used.get(s.pk, 0) + plan.delta - plan.school_purchased)
        Allocation.objects.filter(school=s, product=core).update(seats=seats)
        total += seats
        if plan.school_purchased:
            Purchase.objects.create(
                district=district,
                product=core,
                school=s,
                seats=plan.school_purchased,
                starts_on=starts,
                ends_on=ends,
                reference=f"PO-{plan.sourced_id[4:].upper()}-{y}",
            )
    Purchase.objects.create(
        district=district,
        product=core,
        seats=total + UNALLOCATED,
        starts_on=starts,
        ends_on=ends,
        reference=f"MVUSD-CORE-{y}",
    )
    # Last year's purchase, expired: it adds nothing today (R7).
    Purchase.objects.create(
        district=district,
        product=core,
        seats=2500,
        starts_on=dt.date(y - 1, 7, 1),
        ends_on=dt.date(y, 6, 30),
        reference=f"MVUSD-CORE-{y - 1}",
    )
    ela_used = used_by_school(district_id=district.pk, product_id=ela.pk)
    ela_total = 0
    for s in schools.values():
        seats = ela_used.get(s.pk, 0) + (30 if ela_used.get(s.pk) else 0)
        Allocation.objects.filter(school=s, product=ela).update(seats=seats)
        ela_total += seats
    Purchase.objects.create(
        district=district,
        product=ela,
        seats=ela_total + 100,
        starts_on=starts,
        ends_on=ends,
        reference=f"MVUSD-ELA-{y}",
    )


def _logins(
    district: District, schools: dict[str, School], special: dict[str, list[Teacher]]
) -> None:
    User = get_user_model()
    cedar = schools["Cedar Ridge Middle"]
    for username, role, _ in LOGINS:
        user = User.objects.create_user(username=username, password=PASSWORD)
        m = Membership.objects.create(
            user=user, role=role, district=None if role == Role.OPERATOR else district
        )
        if role == Role.SCHOOL_ADMIN:
            MembershipSchool.objects.create(district=district, membership=m, school=cedar)
        if role == Role.TEACHER:
            Teacher.objects.filter(
                district=district, school=cedar, first_name="Ana", last_name="Rivera"
            ).update(user=user)
