"""Writes for districts, schools, products, settings and users. Each is one transaction and
appends an audit entry with the acting scope."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from seatkeeper.audit import actions
from seatkeeper.audit.services import audit_record, snapshot
from seatkeeper.errors import Conflict, NotFound, ProblemCollector, invalid
from seatkeeper.orgs.models import (
    District,
    Membership,
    MembershipSchool,
    Product,
    Role,
    RosterSource,
    School,
)
from seatkeeper.orgs.scoping import (
    Scope,
    get_district_for,
    get_school_for,
    require_district_admin,
    require_role,
)

DEFAULT_PRODUCT = ("core", "Core")
SETTINGS_FIELDS = [
    "teachers_may_create_students",
    "new_teacher_access",
    "stale_classroom_days",
    "inactive_student_days",
]


@transaction.atomic
def district_create(
    *, scope: Scope, slug: str, name: str, sourced_id: str = "", with_default_product: bool = True
) -> District:
    """Create a district (platform operators only) with the default product `core`."""
    require_role(scope, Role.OPERATOR, doing="create districts")
    slug = slug.strip()
    if not slug or slugify(slug) != slug:
        raise invalid("slug", "must be lowercase letters, digits and hyphens", slug)
    if District.objects.filter(slug=slug).exists():
        raise Conflict(f"A district with slug {slug!r} already exists.")
    district = District.objects.create(slug=slug, name=name.strip() or slug, sourced_id=sourced_id)
    audit_record(
        scope=scope,
        action=actions.DISTRICT_CREATED,
        target=district,
        district_id=district.pk,
        data={"new": snapshot(district, ["slug", "name", "sourced_id"])},
    )
    if with_default_product:
        # A new district has no school or teacher yet: the product needs no access rows
        # (seats.services.product_create adds a product to a district that has them).
        code, pname = DEFAULT_PRODUCT
        product = Product.objects.create(district=district, code=code, name=pname)
        audit_record(
            scope=scope,
            action=actions.PRODUCT_CREATED,
            target=product,
            data={"new": snapshot(product, ["code", "name"])},
        )
    return district


@transaction.atomic
def district_settings_update(*, scope: Scope, district: District, **changes: Any) -> District:
    """Change district settings (district admins)."""
    require_district_admin(scope, doing="change district settings")
    district = get_district_for(scope, district.pk)
    problems = ProblemCollector()
    for key, value in changes.items():
        if key not in SETTINGS_FIELDS:
            problems.add(key, "is not a district setting")
        elif key.endswith("_days") and (not isinstance(value, int) or not 1 <= value <= 3650):
            problems.add(key, "must be a whole number of days between 1 and 3650", value=value)
        elif not key.endswith("_days") and not isinstance(value, bool):
            problems.add(key, "must be true or false", value=value)
    problems.raise_if_any("Settings not saved")
    district = District.objects.select_for_update().get(pk=district.pk)
    old = snapshot(district, SETTINGS_FIELDS)
    for key, value in changes.items():
        setattr(district, key, value)
    district.save(update_fields=list(changes) or None)
    new = snapshot(district, SETTINGS_FIELDS)
    if old != new:
        audit_record(
            scope=scope,
            action=actions.DISTRICT_SETTINGS_CHANGED,
            target=district,
            district_id=district.pk,
            data={"old": old, "new": new},
        )
    return district


@transaction.atomic
def product_update(*, scope: Scope, product: Product, name: str) -> Product:
    require_district_admin(scope, doing="rename products")
    get_district_for(scope, product.district_id)  # another district's product: NotFound
    product = Product.objects.get(pk=product.pk)
    old = snapshot(product, ["name"])
    product.name = name.strip() or product.name
    product.save(update_fields=["name"])
    audit_record(
        scope=scope,
        action=actions.PRODUCT_CHANGED,
        target=product,
        data={"old": old, "new": snapshot(product, ["name"])},
    )
    return product


@transaction.atomic
def school_create(
    *,
    scope: Scope,
    district: District,
    name: str,
    sourced_id: str = "",
    roster_source: str = RosterSource.MANUAL,
) -> School:
    """Add a school; it has no allocation until a district admin gives it seats."""
    require_district_admin(scope, doing="add schools")
    district = get_district_for(scope, district.pk)
    if not name.strip():
        raise invalid("name", "A school needs a name.")
    try:
        with transaction.atomic():
            school = School.objects.create(
                district=district,
                name=name.strip(),
                sourced_id=sourced_id,
                roster_source=roster_source,
            )
    except IntegrityError:
        raise Conflict(f"A school with sourcedId {sourced_id!r} already exists.") from None
    audit_record(
        scope=scope,
        action=actions.SCHOOL_CREATED,
        target=school,
        data={"new": snapshot(school, ["name", "sourced_id", "roster_source"])},
    )
    return school


@transaction.atomic
def school_update(
    *,
    scope: Scope,
    school: School,
    name: str | None = None,
    teachers_may_create_students: bool | None | str = "unchanged",
) -> School:
    """Rename a school (district admins) or tighten its "teachers may create students" setting.

    A school may only tighten the district setting: False overrides, None follows the district.
    """
    school = get_school_for(scope, school.pk)
    fields = ["name", "teachers_may_create_students"]
    old = snapshot(school, fields)
    if name is not None:
        require_district_admin(scope, doing="rename schools")
        if not name.strip():
            raise invalid("name", "A school needs a name.")
        school.name = name.strip()
    if teachers_may_create_students != "unchanged":
        if teachers_may_create_students is True:
            teachers_may_create_students = None  # True cannot loosen the district; follow it.
        school.teachers_may_create_students = teachers_may_create_students  # type: ignore[assignment]
    school.save()
    new = snapshot(school, fields)
    if old != new:
        audit_record(
            scope=scope, action=actions.SCHOOL_CHANGED, target=school, data={"old": old, "new": new}
        )
    return school


def teachers_may_create_students(school: School, district: District) -> bool:
    """District setting, which a school may only tighten."""
    return (
        district.teachers_may_create_students and school.teachers_may_create_students is not False
    )


@transaction.atomic
def user_create(
    *,
    scope: Scope,
    username: str,
    password: str | None,
    role: str,
    district: District | None = None,
    school_ids: list[int] | None = None,
    email: str = "",
) -> Any:
    """Create a user with one role. Operators create anyone; district admins their district's."""
    User = get_user_model()
    problems = ProblemCollector()
    if role not in Role.values:
        problems.add("role", f"must be one of {', '.join(Role.values)}", value=role)
    if not username.strip():
        problems.add("username", "is required")
    elif User.objects.filter(username=username).exists():
        problems.add("username", "is taken", value=username)
    if role != Role.OPERATOR and district is None:
        problems.add("district", "is required for this role")
    if role == Role.SCHOOL_ADMIN and not school_ids:
        problems.add("school", "a school admin needs at least one school")
    if password is not None:
        # The validators the web UI's password change uses (settings.AUTH_PASSWORD_VALIDATORS).
        try:
            validate_password(password, user=User(username=username, email=email))
        except ValidationError as exc:
            for message in exc.messages:
                problems.add("password", message)
    problems.raise_if_any("User not created")
    if role == Role.OPERATOR:
        require_role(scope, Role.OPERATOR, doing="create operators")
    else:
        require_district_admin(scope, doing="create users")
        district = get_district_for(scope, district.pk)  # type: ignore[union-attr]
    schools = []
    for sid in school_ids or []:
        school = School.objects.filter(pk=sid, district=district).first()
        if school is None:
            raise invalid("school", f"no school {sid} in {district}", sid)
        schools.append(school)
    user = User.objects.create_user(username=username, email=email, password=password)
    if password is None:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    membership = Membership.objects.create(
        user=user, role=role, district=None if role == Role.OPERATOR else district
    )
    for school in schools:
        MembershipSchool.objects.create(district=district, membership=membership, school=school)
    audit_record(
        scope=scope,
        action=actions.USER_CREATED,
        target_type="user",
        target_id=user.pk,
        label=username,
        district_id=district.pk if district else None,
        data={"new": {"username": username, "role": role, "schools": [s.pk for s in schools]}},
    )
    return user


ROLE_CHANGEABLE = (Role.DISTRICT_ADMIN, Role.SCHOOL_ADMIN, Role.INTEGRATION)


@transaction.atomic
def user_role_set(
    *, scope: Scope, user: Any, role: str, school_ids: list[int] | None = None
) -> Any:
    """issue 17.12: change a district user's role (district admin, school admin with schools,
    integration). Teachers and operators keep theirs (a teacher role links a teacher record;
    create such users with `user create --teacher`). Operators and the district's admins."""
    require_district_admin(scope, doing="change roles")
    membership = (
        Membership.objects.select_for_update()
        .filter(user_id=user.pk, district_id=scope.district_id)
        .first()
    )
    if membership is None:
        raise NotFound(f"No user {user.pk} in this district.")
    problems = ProblemCollector()
    if role not in ROLE_CHANGEABLE:
        problems.add("role", "must be district admin, school admin or integration", value=role)
    if membership.role not in ROLE_CHANGEABLE:
        problems.add("role", f"a {Role(membership.role).label} keeps their role")
    if role == Role.SCHOOL_ADMIN and not school_ids:
        problems.add("school", "a school admin needs at least one school")
    if scope.user is not None and scope.user.pk == user.pk:
        problems.add("role", "you cannot change your own role")
    problems.raise_if_any("Role not changed")
    schools = list(
        School.objects.filter(district_id=membership.district_id, pk__in=school_ids or [])
    )
    if role == Role.SCHOOL_ADMIN and len(schools) != len(set(school_ids or [])):
        raise invalid("school", "not a school of this district", school_ids)
    old = {
        "role": membership.role,
        "schools": sorted(
            MembershipSchool.objects.filter(membership=membership).values_list(
                "school_id", flat=True
            )
        ),
    }
    membership.role = role
    membership.save(update_fields=["role"])
    MembershipSchool.objects.filter(membership=membership).delete()
    if role == Role.SCHOOL_ADMIN:
        MembershipSchool.objects.bulk_create(
            [
                MembershipSchool(
                    district_id=membership.district_id, membership=membership, school=s
                )
                for s in schools
            ]
        )
    audit_record(
        scope=scope,
        action=actions.USER_ROLE_CHANGED,
        target_type="user",
        target_id=user.pk,
        label=user.get_username(),
        district_id=membership.district_id,
        data={
            "old": old,
            "new": {"role": role, "schools": sorted(s.pk for s in schools)},
        },
    )
    return user
