"""Scoping: who the caller is and which district/schools they may see and change.

Every selector and service takes a `Scope` first. Fetching by id goes through
`get_<thing>_for(scope, id)`, which answers NotFound both for rows that do not exist and for rows
outside the scope (domain.md "Who may do what": out of scope answers "not found", never another
tenant's data). Permissions live here as `can_<verb>_<thing>` and `<things>_visible(scope) -> Q`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from seatkeeper.errors import Forbidden, NotFound
from seatkeeper.orgs.models import District, Role, School

if TYPE_CHECKING:
    pass

ADMIN_ROLES = frozenset({Role.OPERATOR, Role.DISTRICT_ADMIN, Role.SCHOOL_ADMIN})
DISTRICT_ROLES = frozenset({Role.OPERATOR, Role.DISTRICT_ADMIN})


@dataclass(frozen=True)
class Scope:
    """The caller, their role, and the part of one district they may act in.

    `district_id` is None only for an operator not yet bound to a district; `school_ids` None
    means every school of the district. `launched_by` is the district admin acting as a school
    admin ("launch into school"); the audit log records both identities.
    """

    user: Any
    role: str
    district_id: int | None
    school_ids: frozenset[int] | None = None
    teacher_id: int | None = None
    launched_by: Any = None
    via: str = "cli"

    @property
    def is_district_wide(self) -> bool:
        return self.role in DISTRICT_ROLES and self.school_ids is None

    @property
    def label(self) -> str:
        if self.user is None:
            return "system"
        return self.user.get_username()

    def require_district(self) -> int:
        if self.district_id is None:
            raise NotFound("No district selected.")
        return self.district_id

    def covers_school(self, school_id: int | None) -> bool:
        if school_id is None:
            return self.school_ids is None
        return self.school_ids is None or school_id in self.school_ids


def system_scope(district: District | None = None, *, via: str = "system") -> Scope:
    """Scope of the platform itself (demo loader, migrations): operator powers, no user."""
    return Scope(
        user=None, role=Role.OPERATOR, district_id=district.pk if district else None, via=via
    )


def district_for(scope: Scope, slug: str) -> tuple[Scope, District]:
    """Resolve a district by slug within the scope; binds an operator's scope to it."""
    district = District.objects.filter(slug=slug).first()
    if district is None or (scope.role != Role.OPERATOR and district.pk != scope.district_id):
        raise NotFound(f"No district {slug!r}.")
    if scope.district_id != district.pk:
        scope = replace(scope, district_id=district.pk)
    return scope, district


def launch_into_school(scope: Scope, school: School) -> Scope:
    """A district admin (or operator) acts in one school as its school admin."""
    if scope.role not in DISTRICT_ROLES or school.district_id != scope.district_id:
        raise NotFound("No such school.")
    return replace(
        scope,
        role=Role.SCHOOL_ADMIN,
        school_ids=frozenset([school.pk]),
        launched_by=scope.launched_by or scope.user,
    )


# --- visibility (Q filters) -------------------------------------------------------------------


def district_q(scope: Scope, prefix: str = "") -> Q:
    return Q(**{f"{prefix}district_id": scope.require_district()})


def schools_visible(scope: Scope) -> Q:
    q = district_q(scope)
    if scope.school_ids is not None:
        q &= Q(pk__in=scope.school_ids)
    return q


def users_managed(scope: Scope) -> Any:
    """Users whose account things (API tokens) the scope may manage: everyone for an operator;
    themself plus every user of their district for a district admin (not launched into a school);
    only themself for anyone else. Outside it answers NotFound (`get_user_managed_for`)."""
    User = get_user_model()
    if scope.role == Role.OPERATOR:
        return User.objects.all()
    own = Q(pk=scope.user.pk) if scope.user is not None else Q(pk__in=[])
    if can_manage_district(scope) and scope.launched_by is None and scope.district_id:
        own |= Q(membership__district_id=scope.district_id)
    return User.objects.filter(own)


# --- fetch by id --------------------------------------------------------------------------------


def get_visible(scope: Scope, model: Any, pk: Any, visible: Q, what: str) -> Any:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(f"No {what} {pk!r}.") from None
    obj = model.objects.filter(visible, pk=pk).distinct().first()
    if obj is None:
        raise NotFound(f"No {what} {pk}.")
    return obj


def get_district_for(scope: Scope, pk: Any) -> District:
    """The district a write names, fresh from the database: the scope's own (an operator not
    bound to a district: any). Another tenant answers NotFound, like every other lookup."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(f"No district {pk!r}.") from None
    unbound_operator = scope.role == Role.OPERATOR and scope.district_id is None
    district = District.objects.filter(pk=pk).first()
    if district is None or (not unbound_operator and pk != scope.district_id):
        raise NotFound(f"No district {pk}.")
    return district


def own_rows_q(scope: Scope) -> Q:
    """Rows of the scope's district; an operator not bound to a district sees every district."""
    if scope.role == Role.OPERATOR and scope.district_id is None:
        return Q()
    return district_q(scope)


def get_school_for(scope: Scope, pk: Any) -> School:
    return get_visible(scope, School, pk, schools_visible(scope), "school")


def get_user_managed_for(scope: Scope, pk: Any) -> Any:
    return get_visible(scope, get_user_model(), pk, Q(pk__in=users_managed(scope)), "user")


def get_product_for(scope: Scope, code_or_id: Any) -> Any:
    from seatkeeper.orgs.models import Product

    qs = Product.objects.filter(district_id=scope.require_district())
    obj = qs.filter(code=str(code_or_id)).first()
    if obj is None and str(code_or_id).isdigit():
        obj = qs.filter(pk=int(code_or_id)).first()
    if obj is None:
        raise NotFound(f"No product {code_or_id!r}.")
    return obj


# --- permissions --------------------------------------------------------------------------------


def require_role(scope: Scope, *roles: str, doing: str) -> None:
    if scope.role not in roles:
        raise Forbidden(f"Your role ({scope.role.replace('_', ' ')}) may not {doing}.")


def can_manage_district(scope: Scope) -> bool:
    return scope.role in DISTRICT_ROLES and scope.school_ids is None


def require_district_admin(scope: Scope, *, doing: str) -> None:
    if not can_manage_district(scope):
        raise Forbidden(f"Only a district admin may {doing}.")


def require_school_admin(scope: Scope, school_id: int | None, *, doing: str) -> None:
    """School admins of that school, district admins and operators (scope checked already)."""
    if scope.role not in ADMIN_ROLES or not scope.covers_school(school_id):
        raise Forbidden(f"Only an admin of this school may {doing}.")
