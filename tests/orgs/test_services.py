"""Org writes: districts, settings, schools, products, users. Outcome, audit, refusals."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from seatkeeper.audit import actions
from seatkeeper.errors import Conflict, Forbidden, InvalidInput
from seatkeeper.orgs import services as orgs
from seatkeeper.orgs.models import District, Membership, Product, Role
from seatkeeper.roster import services as roster
from seatkeeper.roster.scoping import scope_for_user
from seatkeeper.seats import services as lic
from seatkeeper.seats.models import Allocation, TeacherAccess
from seatkeeper.seats.selectors import usage_for_district
from seatkeeper.seats.services import product_create
from tests.audit.dbstate import audit_since, db_state, last_audit_id
from tests.factories import DistrictWorld, sys_scope


def one_audit(since: int, action: str, user: Any) -> Any:
    entries = audit_since(since)
    assert [e.action for e in entries] == [action]
    assert entries[0].actor == user
    return entries[0]


def test_operator_creates_a_district_with_the_default_product(operator: Any) -> None:
    op = scope_for_user(operator, via="test")
    since = last_audit_id()
    d = orgs.district_create(scope=op, slug="north", name="North")
    assert list(Product.objects.filter(district=d).values_list("code", flat=True)) == ["core"]
    assert [e.action for e in audit_since(since)] == [
        actions.DISTRICT_CREATED,
        actions.PRODUCT_CREATED,
    ]
    assert {e.actor for e in audit_since(since)} == {operator}


@pytest.mark.parametrize(("slug", "error"), [("Bad Slug", InvalidInput), ("a", Conflict)])
def test_district_create_refuses_bad_or_taken_slugs(
    world_a: DistrictWorld, operator: Any, slug: str, error: type
) -> None:
    before = db_state()
    with pytest.raises(error):
        orgs.district_create(scope=scope_for_user(operator), slug=slug, name="X")
    assert db_state() == before


def test_only_operators_create_districts(world_a: DistrictWorld) -> None:
    before = db_state()
    with pytest.raises(Forbidden):
        orgs.district_create(scope=world_a.scope("district_admin"), slug="mine", name="Mine")
    assert db_state() == before


def test_settings_update_records_old_and_new(world_a: DistrictWorld) -> None:
    w = world_a
    since = last_audit_id()
    d = orgs.district_settings_update(
        scope=w.scope("district_admin"),
        district=w.district,
        new_teacher_access=False,
        inactive_student_days=200,
    )
    assert (d.new_teacher_access, d.inactive_student_days) == (False, 200)
    entry = one_audit(since, actions.DISTRICT_SETTINGS_CHANGED, w.users["district_admin"])
    assert entry.data["old"] == {
        "teachers_may_create_students": True,
        "new_teacher_access": True,
        "stale_classroom_days": 90,
        "inactive_student_days": 120,
    }
    assert (
        entry.data["new"]["new_teacher_access"],
        entry.data["new"]["inactive_student_days"],
    ) == (
        False,
        200,
    )


def test_settings_update_refuses_bad_values_all_at_once(world_a: DistrictWorld) -> None:
    before = db_state()
    with pytest.raises(InvalidInput) as exc:
        orgs.district_settings_update(
            scope=world_a.scope("district_admin"),
            district=world_a.district,
            new_teacher_access="yes",
            stale_classroom_days=0,
            colour="red",
        )
    assert [p.field for p in exc.value.problems] == [
        "new_teacher_access",
        "stale_classroom_days",
        "colour",
    ]
    assert db_state() == before


def test_school_admin_may_not_change_district_settings(world_a: DistrictWorld) -> None:
    before = db_state()
    with pytest.raises(Forbidden):
        orgs.district_settings_update(
            scope=world_a.scope("school_admin"),
            district=world_a.district,
            teachers_may_create_students=False,
        )
    assert db_state() == before


def test_school_create_starts_with_no_seats(world_a: DistrictWorld) -> None:
    """A new school has no allocation until a district admin gives it seats (R7): its usage
    row says capacity 0, used 0."""
    w = world_a
    since = last_audit_id()
    s = orgs.school_create(scope=w.scope("district_admin"), district=w.district, name="New")
    assert not Allocation.objects.filter(school=s).exists()
    usage = usage_for_district(scope=w.scope("district_admin"), district=w.district)
    row = next(r for r in usage.schools if r.id == s.pk)
    assert (row.allocated, row.capacity, row.used) == (0, 0, 0)
    one_audit(since, actions.SCHOOL_CREATED, w.users["district_admin"])


def test_school_create_refuses_a_taken_sourced_id(world_a: DistrictWorld) -> None:
    before = db_state()
    with pytest.raises(Conflict):
        orgs.school_create(
            scope=world_a.scope("district_admin"),
            district=world_a.district,
            name="Dup",
            sourced_id="a-s1",
        )
    assert db_state() == before


def test_school_admin_tightens_own_school_but_may_not_rename_it(world_a: DistrictWorld) -> None:
    w = world_a
    sa = w.scope("school_admin")
    since = last_audit_id()
    s = orgs.school_update(scope=sa, school=w.schools[0], teachers_may_create_students=False)
    assert s.teachers_may_create_students is False
    entry = one_audit(since, actions.SCHOOL_CHANGED, w.users["school_admin"])
    assert (
        entry.data["old"]["teachers_may_create_students"],
        entry.data["new"]["teachers_may_create_students"],
    ) == (None, False)
    before = db_state()
    with pytest.raises(Forbidden):
        orgs.school_update(scope=sa, school=w.schools[0], name="Renamed")
    assert db_state() == before


def test_school_delete_and_restore(world_a: DistrictWorld) -> None:
    w = world_a
    da = w.scope("district_admin")
    since = last_audit_id()
    lic.school_delete(scope=da, school=w.schools[1])
    one_audit(since, actions.SCHOOL_DELETED, w.users["district_admin"])
    since = last_audit_id()
    s = lic.school_restore(scope=da, school=w.schools[1])
    assert s.deleted_at is None
    one_audit(since, actions.SCHOOL_RESTORED, w.users["district_admin"])


@pytest.mark.parametrize("setting", [True, False])
def test_product_create_gives_every_teacher_access_per_setting(
    world_a: DistrictWorld, setting: bool
) -> None:
    w = world_a
    da = w.scope("district_admin")
    orgs.district_settings_update(scope=da, district=w.district, new_teacher_access=setting)
    ela = product_create(scope=da, district=w.district, code="ela", name="ELA")
    assert set(TeacherAccess.objects.filter(product=ela).values_list("on", flat=True)) == {setting}
    assert TeacherAccess.objects.filter(product=ela).count() == len(w.teachers)
    assert not Allocation.objects.filter(product=ela).exists()  # no seats until allocated


def test_product_create_refuses_a_taken_code(world_a: DistrictWorld) -> None:
    before = db_state()
    with pytest.raises(Conflict):
        product_create(
            scope=world_a.scope("district_admin"), district=world_a.district, code="core", name="X"
        )
    assert db_state() == before


@pytest.mark.parametrize(
    ("role", "extra"),
    [
        (Role.DISTRICT_ADMIN, {}),
        (Role.SCHOOL_ADMIN, {"schools": True}),
        (Role.TEACHER, {"teacher": True}),
        (Role.INTEGRATION, {}),
    ],
)
def test_district_admin_creates_each_role(world_a: DistrictWorld, role: str, extra: dict) -> None:
    w = world_a
    since = last_audit_id()
    user = roster.user_create(
        scope=w.scope("district_admin"),
        username=f"new-{role}",
        password="a-long-passphrase",
        role=role,
        district=w.district,
        school_ids=[w.schools[1].pk] if extra.get("schools") else None,
        teacher_id=w.teachers[3].pk if extra.get("teacher") else None,
    )
    assert user.check_password("a-long-passphrase")
    m = Membership.objects.get(user=user)
    assert (m.role, m.district) == (role, w.district)
    scope = scope_for_user(user)
    if role == Role.SCHOOL_ADMIN:
        assert scope.school_ids == frozenset([w.schools[1].pk])
    if role == Role.TEACHER:
        assert (scope.teacher_id, scope.school_ids) == (
            w.teachers[3].pk,
            frozenset([w.schools[1].pk]),
        )
    entry = one_audit(since, actions.USER_CREATED, w.users["district_admin"])
    assert entry.data["new"]["role"] == role


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"username": "", "role": "teacher"}, {"username"}),
        ({"username": "a-da", "role": "teacher"}, {"username"}),
        ({"username": "x", "role": "wizard"}, {"role"}),
        ({"username": "x", "role": "school_admin"}, {"school"}),
        ({"username": "x", "role": "teacher", "district": None}, {"district"}),
    ],
)
def test_user_create_refuses_bad_input(world_a: DistrictWorld, kwargs: dict, fields: set) -> None:
    before = db_state()
    kwargs = {"district": world_a.district, **kwargs}
    with pytest.raises(InvalidInput) as exc:
        orgs.user_create(scope=world_a.scope("district_admin"), password="long-enough-pw", **kwargs)
    assert {p.field for p in exc.value.problems} == fields
    assert db_state() == before


def test_only_operators_create_operators(world_a: DistrictWorld) -> None:
    before = db_state()
    with pytest.raises(Forbidden):
        orgs.user_create(
            scope=world_a.scope("district_admin"),
            username="op2",
            password="pw-pw-pw",
            role="operator",
        )
    assert db_state() == before
    assert not get_user_model().objects.filter(username="op2").exists()
    assert District.objects.count() == 1
    assert sys_scope().role == Role.OPERATOR
