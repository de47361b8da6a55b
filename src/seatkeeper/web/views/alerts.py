"""Seat alerts (issue 16.3): the list with read / dismiss per user, and the district's alert
settings. The banner on every page comes from `web.nav.shell_for`."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from seatkeeper.errors import NotFound, invalid
from seatkeeper.orgs.models import District
from seatkeeper.seats import services as lic
from seatkeeper.seats.alerts import settings_for
from seatkeeper.seats.selectors import alerts_for, get_alert_for
from seatkeeper.web.policies import back_url, district_admin, signed_in


def _district(request: HttpRequest) -> District:
    scope = request.scope  # type: ignore[attr-defined]
    return District.objects.get(pk=scope.require_district())


@signed_in
def alerts_page(request: HttpRequest) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    district = _district(request)
    show = request.GET.get("show", "open")
    rows = alerts_for(scope=scope, district=district, open_only=show != "all")
    return TemplateResponse(
        request,
        "alerts/list.html",
        {
            "district": district,
            "alerts": rows,
            "show": show,
            "settings": settings_for(district.pk),
            "can_configure": scope.is_district_wide,
        },
    )


@signed_in
@require_POST
def alert_mark(request: HttpRequest, alert_id: int, op: str) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    if op not in ("read", "dismiss"):
        raise NotFound(f"No action {op!r}.")
    alert = get_alert_for(scope, alert_id)
    lic.alert_mark(scope=scope, alert=alert, read=op == "read", dismiss=op == "dismiss")
    return redirect(back_url(request, reverse("web:alerts")))


def _int(raw: str | None, field: str) -> int:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        raise invalid(field, "must be a whole number", raw) from None


@district_admin
@require_POST
def alert_settings(request: HttpRequest) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    lic.alert_settings_set(
        scope=scope,
        district=_district(request),
        near_limit_percent=_int(request.POST.get("near_limit_percent"), "near_limit_percent"),
        overallocation=request.POST.get("overallocation") == "1",
        purchase_ending_days=_int(request.POST.get("purchase_ending_days"), "purchase_ending_days"),
    )
    messages.success(request, "Alert settings saved.")
    return redirect("web:alerts")
