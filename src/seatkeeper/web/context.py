"""Who is asking, in which school, for which product: the request-side helpers every page uses.

`scope_for_request()` builds the caller's `Scope` (orgs/scoping.py) and applies the two pieces of
state the web UI keeps in the session: the district an operator is looking at, and the school a
district admin has "launched into" (acting there as its school admin; the audit log records both
identities because `Scope.launched_by` is set). Pages never build scopes themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse

from seatkeeper.errors import NotFound
from seatkeeper.orgs.models import District, Product, Role, School
from seatkeeper.orgs.scoping import (
    DISTRICT_ROLES,
    Scope,
    get_product_for,
    get_school_for,
    launch_into_school,
)
from seatkeeper.roster.scoping import scope_for_user
from seatkeeper.seats.counting import SchoolUsage
from seatkeeper.seats.selectors import default_product, usage_for_school

LAUNCH_KEY = "web.launch_school_id"
OPERATOR_DISTRICT_KEY = "web.operator_district_id"
SEATS_CHANGED = "seats-changed"  # the HX-Trigger event that refreshes the school header


def scope_for_request(request: HttpRequest) -> Scope:
    """The signed-in user's scope, with the operator's district and any launch applied."""
    scope = scope_for_user(request.user, via="web")
    if scope.role == Role.OPERATOR and scope.district_id is None:
        district_id = request.session.get(OPERATOR_DISTRICT_KEY)
        if district_id and District.objects.filter(pk=district_id).exists():
            scope = replace(scope, district_id=int(district_id))
    launched = request.session.get(LAUNCH_KEY)
    if launched and scope.role in DISTRICT_ROLES and scope.district_id is not None:
        school = School.objects.filter(
            pk=launched, district_id=scope.district_id, deleted_at__isnull=True
        ).first()
        if school is None:
            request.session.pop(LAUNCH_KEY, None)
        else:
            scope = launch_into_school(scope, school)
    return scope


def launch(request: HttpRequest, school: School) -> None:
    request.session[LAUNCH_KEY] = school.pk


def end_launch(request: HttpRequest) -> None:
    request.session.pop(LAUNCH_KEY, None)


def url_or_none(name: str, *args: Any, **kwargs: Any) -> str | None:
    """reverse() for pages other engineers add later (fix plan, de-dup): None until they exist."""
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def product_for(request: HttpRequest, scope: Scope) -> Product:
    """The product named by `?product=<code>` (or a posted `product`), else the first one."""
    code = request.POST.get("product") or request.GET.get("product")
    if code:
        return get_product_for(scope, code)
    return default_product(scope.require_district())


def products_of(scope: Scope) -> list[Product]:
    return list(Product.objects.filter(district_id=scope.require_district()).order_by("id"))


@dataclass
class SchoolHeader:
    """The figures shown at the top of every school page, and where the fix plan lives."""

    school: School
    product: Product
    products: list[Product]
    usage: SchoolUsage
    fix_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def over(self) -> int:
        return max(0, -self.usage.remaining)


def school_header(scope: Scope, school: School, product: Product) -> SchoolHeader:
    usage = usage_for_school(scope=scope, school=school, product=product)
    fix_url = url_or_none("fixes:plan", school_id=school.pk) or url_or_none("fixes:plan")
    return SchoolHeader(school, product, products_of(scope), usage, fix_url)


def school_page(request: HttpRequest, school_id: Any) -> tuple[Scope, School, Product]:
    """Scope, school (404 when out of scope) and product for a school page."""
    scope: Scope = request.scope  # type: ignore[attr-defined]
    school = get_school_for(scope, school_id)
    if school.deleted_at is not None:
        raise NotFound(f"No school {school_id}.")
    return scope, school, product_for(request, scope)


def seats_changed(response: HttpResponse) -> HttpResponse:
    """Tell the page's school header (and totals) to refresh themselves after an action."""
    response["HX-Trigger"] = SEATS_CHANGED
    return response


def seats_message(what: str, effect: Any) -> str:
    """'3 students un-enrolled from Grade 4 Math 2025; 2 seats freed' from a SeatEffect."""
    freed = getattr(effect, "total_freed", 0)
    tail = f"{freed} seat{'s' if freed != 1 else ''} freed" if freed else "no seat freed"
    return f"{what}; {tail}."


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def safe_back(request: HttpRequest, value: str | None, default: str) -> str:
    """A `back`/`next` URL from a form, only if it stays on this site (no open redirect)."""
    from django.utils.http import url_has_allowed_host_and_scheme

    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return default


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request for a piece of the page (not a boosted link or form, which wants it all)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted
