"""Operator screens (issue 17.12): create districts, record and end purchases with their term
dates, and manage a district's users and roles. Each action calls the service the CLI and the
API call (`orgs.services`, `seats.services`, `roster.services.user_create`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from seatkeeper.errors import NotFound, invalid
from seatkeeper.orgs import services as orgs
from seatkeeper.orgs.models import District, Membership, Product, Role, School
from seatkeeper.orgs.scoping import Scope, district_for
from seatkeeper.roster import services as roster
from seatkeeper.roster.models import Teacher
from seatkeeper.seats import services as lic
from seatkeeper.seats.models import Purchase
from seatkeeper.seats.selectors import get_purchase_for
from seatkeeper.web.policies import operator

ROLE_CHOICES = [
    (Role.DISTRICT_ADMIN, Role.DISTRICT_ADMIN.label),
    (Role.SCHOOL_ADMIN, Role.SCHOOL_ADMIN.label),
    (Role.TEACHER, Role.TEACHER.label),
    (Role.INTEGRATION, Role.INTEGRATION.label),
]


def _district(request: HttpRequest, district_id: int) -> tuple[Scope, District]:
    """The district in the URL and the operator's scope bound to it (as the CLI/API do)."""
    district = District.objects.filter(pk=district_id).first()
    if district is None:
        raise NotFound(f"No district {district_id}.")
    return district_for(request.scope, district.slug)  # type: ignore[attr-defined]


def _date(raw: str | None, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw or "")
    except ValueError:
        raise invalid(field, "must be a date (YYYY-MM-DD)", raw or "") from None


def _int(raw: str | None, field: str) -> int:
    if raw is None or not raw.strip().isdigit():
        raise invalid(field, "must be a whole number", raw or "")
    return int(raw)


@operator
def operator_home(request: HttpRequest) -> HttpResponse:
    """All districts, and a form to create one (`orgs.services.district_create`)."""
    if request.method == "POST":
        district = orgs.district_create(
            scope=request.scope,  # type: ignore[attr-defined]
            slug=request.POST.get("slug", "").strip(),
            name=request.POST.get("name", "").strip(),
        )
        messages.success(
            request, f"District {district.name} created with the product Core. Record a purchase."
        )
        return redirect("web:operator_purchases", district_id=district.pk)
    schools = dict(
        School.objects.filter(deleted_at__isnull=True)
        .values_list("district_id")
        .annotate(n=Count("id"))
        .values_list("district_id", "n")
    )
    districts = list(District.objects.annotate(n_users=Count("memberships")).order_by("name", "id"))
    for d in districts:
        d.n_schools = schools.get(d.pk, 0)  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "operator/home.html",
        {"districts": districts, "page_title": "Operator"},
    )


def _status(p: Purchase, today: dt.date) -> str:
    if p.deleted_at is not None:
        return "removed"
    if p.ends_on < today:
        return "ended"
    if p.starts_on > today:
        return "upcoming"
    return "active"


@operator
def operator_purchases(request: HttpRequest, district_id: int) -> HttpResponse:
    """A district's purchases with term dates; record one (`seats.services.purchase_create`)."""
    scope, district = _district(request, district_id)
    if request.method == "POST":
        p = request.POST
        product = Product.objects.filter(district=district, code=p.get("product", "")).first()
        if product is None:
            raise invalid("product", "choose a product of this district", p.get("product", ""))
        school = None
        if p.get("school"):
            school = School.objects.filter(
                district=district, pk=_int(p["school"], "school")
            ).first()
            if school is None:
                raise invalid("school", "not a school of this district", p["school"])
        purchase = lic.purchase_create(
            scope=scope,
            district=district,
            product=product,
            seats=_int(p.get("seats"), "seats"),
            starts_on=_date(p.get("starts_on"), "starts_on"),
            ends_on=_date(p.get("ends_on"), "ends_on"),
            school=school,
            reference=p.get("reference", "").strip()[:200],
        )
        messages.success(
            request,
            f"Recorded {purchase.seats} {product.name} seats for "
            f"{school.name if school else 'the district pool'}, "
            f"{purchase.starts_on:%b %-d, %Y}–{purchase.ends_on:%b %-d, %Y}.",
        )
        return redirect("web:operator_purchases", district_id=district.pk)
    today = timezone.localdate()
    purchases = list(
        Purchase.objects.filter(district=district)
        .select_related("product", "school")
        .order_by("-ends_on", "-id")
    )
    return TemplateResponse(
        request,
        "operator/purchases.html",
        {
            "district": district,
            "rows": [(p, _status(p, today)) for p in purchases],
            "products": Product.objects.filter(district=district).order_by("name"),
            "schools": School.objects.filter(district=district, deleted_at__isnull=True).order_by(
                "name"
            ),
            "today": today,
            "page_title": f"Purchases · {district.name}",
        },
    )


@operator
@require_POST
def operator_purchase_end(request: HttpRequest, district_id: int, purchase_id: int) -> HttpResponse:
    """End a purchase on a date (default today): its seats stop counting after it
    (`seats.services.purchase_update`, which refuses to leave allocations unfunded, R7)."""
    scope, district = _district(request, district_id)
    purchase = get_purchase_for(scope, purchase_id)
    ends_on = _date(request.POST.get("ends_on") or timezone.localdate().isoformat(), "ends_on")
    lic.purchase_update(scope=scope, purchase=purchase, ends_on=ends_on)
    messages.success(
        request,
        f"The purchase of {purchase.seats} {purchase.product.name} seats now ends {ends_on:%b %-d, %Y}.",
    )
    return redirect("web:operator_purchases", district_id=district.pk)


@operator
def operator_users(request: HttpRequest, district_id: int) -> HttpResponse:
    """A district's users and roles; create one (`roster.services.user_create`, as the CLI)."""
    scope, district = _district(request, district_id)
    if request.method == "POST":
        p = request.POST
        role = p.get("role", "")
        teacher_id = _int(p["teacher"], "teacher") if p.get("teacher") else None
        user = roster.user_create(
            scope=scope,
            username=p.get("username", "").strip(),
            password=p.get("password") or None,
            role=role,
            district=district,
            school_ids=[int(s) for s in p.getlist("schools") if s.isdigit()],
            email=p.get("email", "").strip(),
            teacher_id=teacher_id,
        )
        messages.success(request, f"User {user.get_username()} created ({Role(role).label}).")
        return redirect("web:operator_users", district_id=district.pk)
    memberships = (
        Membership.objects.filter(district=district)
        .select_related("user")
        .prefetch_related("schools")
        .order_by("user__username")
    )
    return TemplateResponse(
        request,
        "operator/users.html",
        {
            "district": district,
            "memberships": memberships,
            "roles": ROLE_CHOICES,
            "changeable": [r for r in ROLE_CHOICES if r[0] in orgs.ROLE_CHANGEABLE],
            "schools": School.objects.filter(district=district, deleted_at__isnull=True).order_by(
                "name"
            ),
            "teachers": Teacher.objects.filter(
                district=district, deleted_at__isnull=True, user__isnull=True
            ).order_by("last_name", "first_name"),
            "page_title": f"Users · {district.name}",
        },
    )


@operator
@require_POST
def operator_user_role(request: HttpRequest, district_id: int, user_id: int) -> HttpResponse:
    """Change one user's role (`orgs.services.user_role_set`)."""
    scope, district = _district(request, district_id)
    user: Any = get_user_model().objects.filter(pk=user_id, membership__district=district).first()
    if user is None:
        raise NotFound(f"No user {user_id}.")
    role = request.POST.get("role", "")
    orgs.user_role_set(
        scope=scope,
        user=user,
        role=role,
        school_ids=[int(s) for s in request.POST.getlist("schools") if s.isdigit()],
    )
    messages.success(request, f"{user.get_username()} is now {Role(role).label}.")
    return redirect("web:operator_users", district_id=district.pk)
