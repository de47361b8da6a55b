"""Test data built through the services (as a user would), plus tiny leaf-row helpers.

`make_world()` gives two districts, A and B, each with two schools, a product `core`, a pool
purchase, teachers with access, classrooms, students and one user per role, so every test can
check the owner / same-district / other-district trio.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from seatkeeper.orgs import services as orgs
from seatkeeper.orgs.models import District, Product, Role, School
from seatkeeper.orgs.scoping import Scope, system_scope
from seatkeeper.roster import services as roster
from seatkeeper.roster.models import Classroom, Student, Teacher, Term
from seatkeeper.roster.scoping import scope_for_user
from seatkeeper.seats import services as lic

PASSWORD = "correct-horse-battery"


def today() -> dt.date:
    return timezone.localdate()


def sys_scope(district: District | None = None) -> Scope:
    return system_scope(district, via="test")


@dataclass
class DistrictWorld:
    district: District
    product: Product
    schools: list[School]
    term: Term
    teachers: list[Teacher]
    classrooms: list[Classroom]
    students: list[Student]
    users: dict[str, Any] = field(default_factory=dict)

    def scope(self, role: str) -> Scope:
        return scope_for_user(self.users[role], via="test")


def make_district(slug: str, *, schools: int = 2, pool: int = 100, allocate: int = 20) -> District:
    district = orgs.district_create(scope=sys_scope(), slug=slug, name=f"District {slug}")
    scope = sys_scope(district)
    product = Product.objects.get(district=district, code="core")
    lic.purchase_create(
        scope=scope,
        district=district,
        product=product,
        seats=pool,
        starts_on=today() - dt.timedelta(days=30),
        ends_on=today() + dt.timedelta(days=300),
    )
    for i in range(schools):
        school = orgs.school_create(
            scope=scope,
            district=district,
            name=f"{slug.upper()} School {i + 1}",
            sourced_id=f"{slug}-s{i + 1}",
        )
        if allocate:
            lic.allocation_set(scope=scope, school=school, product=product, seats=allocate)
    return district


def make_world(slug: str, *, students_per_class: int = 3) -> DistrictWorld:
    """A district with 2 schools; each school: 2 teachers, 2 classrooms, students enrolled."""
    district = make_district(slug)
    scope = sys_scope(district)
    product = Product.objects.get(district=district, code="core")
    schools = list(School.objects.filter(district=district).order_by("id"))
    term = roster.term_create(
        scope=scope,
        district=district,
        name="This year",
        starts_on=today() - dt.timedelta(days=60),
        ends_on=today() + dt.timedelta(days=200),
    )
    teachers, classrooms, students = [], [], []
    n = 0
    for si, school in enumerate(schools):
        for ti in range(2):
            t = roster.teacher_create(
                scope=scope,
                district=district,
                school=school,
                first_name=f"T{si}{ti}",
                last_name=f"Teacher {slug}",
                email=f"t{si}{ti}@{slug}.example.org",
            )
            teachers.append(t)
            c = roster.classroom_create(
                scope=scope, school=school, name=f"Class {si}{ti}", term=term, primary_teacher=t
            )
            classrooms.append(c)
            for _ in range(students_per_class):
                n += 1
                s = roster.student_create(
                    scope=scope,
                    district=district,
                    school=school,
                    first_name=f"Student{n}",
                    last_name=slug.upper(),
                    classroom=c,
                )
                students.append(s)
    world = DistrictWorld(district, product, schools, term, teachers, classrooms, students)
    world.users = make_users(world)
    return world


def make_users(world: DistrictWorld) -> dict[str, Any]:
    scope = sys_scope(world.district)
    slug = world.district.slug
    users = {
        "district_admin": orgs.user_create(
            scope=scope,
            username=f"{slug}-da",
            password=PASSWORD,
            role=Role.DISTRICT_ADMIN,
            district=world.district,
        ),
        "school_admin": orgs.user_create(
            scope=scope,
            username=f"{slug}-sa",
            password=PASSWORD,
            role=Role.SCHOOL_ADMIN,
            district=world.district,
            school_ids=[world.schools[0].pk],
        ),
        "teacher": roster.user_create(
            scope=scope,
            username=f"{slug}-t",
            password=PASSWORD,
            role=Role.TEACHER,
            district=world.district,
            teacher_id=world.teachers[0].pk,
        ),
        "integration": orgs.user_create(
            scope=scope,
            username=f"{slug}-int",
            password=PASSWORD,
            role=Role.INTEGRATION,
            district=world.district,
        ),
    }
    return users


def make_operator(username: str = "op") -> Any:
    return orgs.user_create(
        scope=sys_scope(), username=username, password=PASSWORD, role=Role.OPERATOR
    )


def user_model() -> Any:
    return get_user_model()
