"""District settings: enforcement per product (with grace date), teachers creating students,
staleness thresholds. Writes go through orgs.services and licensing.services."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from seatkeeper.errors import ProblemCollector
from seatkeeper.orgs import services as orgs
from seatkeeper.orgs.models import District
from seatkeeper.seats import services as lic
from seatkeeper.seats.models import EnforcementMode
from seatkeeper.seats.selectors import enforcement_get
from seatkeeper.web import context
from seatkeeper.web.policies import district_admin


def _parse(request: HttpRequest, products: list) -> tuple[dict, dict]:  # type: ignore[type-arg]
    p = request.POST
    problems = ProblemCollector()
    changes: dict[str, object] = {
        "teachers_may_create_students": p.get("teachers_may_create_students") == "on",
        "new_teacher_access": p.get("new_teacher_access") == "on",
    }
    for key in ("stale_classroom_days", "inactive_student_days"):
        raw = p.get(key, "").strip()
        try:
            changes[key] = int(raw)
        except ValueError:
            problems.add(key, "must be a whole number of days", value=raw)
    modes: dict[int, tuple[str, dt.date | None]] = {}
    for product in products:
        mode = p.get(f"mode-{product.code}", EnforcementMode.SOFT)
        raw = p.get(f"grace-{product.code}", "").strip()
        grace = None
        if raw:
            try:
                grace = dt.date.fromisoformat(raw)
            except ValueError:
                problems.add(f"grace-{product.code}", "must be a date (YYYY-MM-DD)", value=raw)
        modes[product.pk] = (mode, grace)
    problems.raise_if_any("Settings not saved")
    return changes, modes


@district_admin
def settings_page(request: HttpRequest) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    district = District.objects.get(pk=scope.require_district())
    products = context.products_of(scope)
    if request.method == "POST":
        changes, modes = _parse(request, products)
        with transaction.atomic():
            orgs.district_settings_update(scope=scope, district=district, **changes)
            for product in products:
                mode, grace = modes[product.pk]
                lic.enforcement_set(
                    scope=scope, district=district, product=product, mode=mode, grace_until=grace
                )
        messages.success(request, "Settings saved.")
        return redirect("web:settings")
    rows = [(p, enforcement_get(district_id=district.pk, product_id=p.pk)) for p in products]
    return TemplateResponse(
        request,
        "settings/settings.html",
        {"district": district, "rows": rows, "modes": EnforcementMode.choices},
    )
