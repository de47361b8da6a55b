"""District admin: Manage License (pool, allocations, moves) and "launch into school"."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from seatkeeper.errors import SeatkeeperError, invalid
from seatkeeper.orgs.models import District, Role
from seatkeeper.orgs.scoping import get_school_for, launch_into_school
from seatkeeper.seats import services as lic
from seatkeeper.seats.selectors import (
    active_purchases,
    district_history,
    today,
    usage_for_district,
)
from seatkeeper.web import charts, context
from seatkeeper.web.policies import district_admin, signed_in


def _district(request: HttpRequest) -> District:
    scope = request.scope  # type: ignore[attr-defined]
    return District.objects.get(pk=scope.require_district())


def _page_context(request: HttpRequest) -> dict[str, object]:
    scope = request.scope  # type: ignore[attr-defined]
    district = _district(request)
    product = context.product_for(request, scope)
    products = context.products_of(scope)
    pools = [(p, usage_for_district(scope=scope, district=district, product=p)) for p in products]
    usage = next(u for p, u in pools if p.pk == product.pk)
    terms = list(
        active_purchases(district_id=district.pk, product_id=product.pk, on=today())
        .select_related("school")
        .order_by("starts_on", "id")
    )
    range_kind, start = charts.window(request.GET.get("range", "90"), today())
    points, bought = district_history(
        scope=scope, district=district, product=product, start=start, end=today()
    )
    return {
        "bars": charts.school_bars(usage.schools),
        "trend": charts.district_lines(points, bought, start, today()),
        "range": range_kind,
        "district": district,
        "product": product,
        "products": products,
        "pools": pools,
        "usage": usage,
        "purchases": terms,
        "fix_url": context.url_or_none("fixes:plan"),
        "move_from": usage.move_defaults[0],
        "move_to": usage.move_defaults[1],
    }


def _seats(raw: str | None, field: str) -> int:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        raise invalid(field, "must be a whole number", raw) from None


def _body(request: HttpRequest) -> HttpResponse:
    """After an htmx action: re-render totals + schools table + move form, and refresh headers."""
    response = TemplateResponse(request, "district/license.html#body", _page_context(request))
    return context.seats_changed(response)


@district_admin
def district_license(request: HttpRequest) -> HttpResponse:
    if request.scope.district_id is None:  # type: ignore[attr-defined]
        return redirect("web:choose_district")
    return TemplateResponse(request, "district/license.html", _page_context(request))


@district_admin
@require_POST
def allocation_edit(request: HttpRequest, school_id: int) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    school = get_school_for(scope, school_id)
    product = context.product_for(request, scope)
    seats = _seats(request.POST.get("seats"), "seats")
    try:
        lic.allocation_set(scope=scope, school=school, product=product, seats=seats)
    except SeatkeeperError as exc:
        if not context.wants_fragment(request):
            raise
        messages.error(request, f"{school.name}: {exc.message}")
        return _body(request)
    messages.success(request, f"{school.name} now has {seats} {product.name} seats allocated.")
    if context.wants_fragment(request):
        return _body(request)
    return redirect(f"{reverse('web:district_license')}?product={product.code}")


@district_admin
@require_POST
def move_seats(request: HttpRequest) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    product = context.product_for(request, scope)
    from_school = get_school_for(scope, request.POST.get("from_school"))
    to_school = get_school_for(scope, request.POST.get("to_school"))
    seats = _seats(request.POST.get("seats"), "seats")
    try:
        lic.allocation_move(
            scope=scope, product=product, from_school=from_school, to_school=to_school, seats=seats
        )
    except SeatkeeperError as exc:
        if not context.wants_fragment(request):
            raise
        messages.error(request, exc.message)
        return _body(request)
    messages.success(
        request,
        f"Moved {context.plural(seats, 'seat')} of {product.name} from {from_school.name} "
        f"to {to_school.name}.",
    )
    if context.wants_fragment(request):
        return _body(request)
    return redirect(f"{reverse('web:district_license')}?product={product.code}")


@district_admin
@require_POST
def launch(request: HttpRequest, school_id: int) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    school = get_school_for(scope, school_id)
    launch_into_school(scope, school)  # refuses anyone who may not launch (NotFound)
    context.launch(request, school)
    return redirect("web:school_license", school_id=school.pk)


@signed_in
@require_POST
def launch_exit(request: HttpRequest) -> HttpResponse:
    context.end_launch(request)
    return redirect("web:home")


@district_admin
def choose_district(request: HttpRequest) -> HttpResponse:
    """Operators pick the district they look at (kept in the session)."""
    scope = request.scope  # type: ignore[attr-defined]
    if scope.role != Role.OPERATOR:
        return redirect("web:district_license")
    if request.method == "POST":
        district = District.objects.filter(pk=request.POST.get("district")).first()
        if district is not None:
            request.session[context.OPERATOR_DISTRICT_KEY] = district.pk
            context.end_launch(request)
            return redirect("web:district_license")
    districts = District.objects.order_by("name")
    return TemplateResponse(request, "district/choose.html", {"districts": districts})
