"""Usage report (issue 16.4): per school and product over a date range, from the usage
history: used at the start and end, the peak, and the days overallocated. As a page and as a
CSV whose cells are neutralised for spreadsheets (web/spreadsheet.py)."""

from __future__ import annotations

import datetime as dt
import io

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from seatkeeper.errors import invalid
from seatkeeper.orgs.models import District
from seatkeeper.seats.history import ReportRow
from seatkeeper.seats.selectors import today, usage_report
from seatkeeper.web import spreadsheet
from seatkeeper.web.policies import signed_in

CSV_HEADER = [
    "school",
    "product",
    "start",
    "end",
    "used_at_start",
    "used_at_end",
    "peak_used",
    "peak_day",
    "days_overallocated",
    "days_with_history",
]


def _range(request: HttpRequest) -> tuple[dt.date, dt.date]:
    def parse(name: str, default: dt.date) -> dt.date:
        raw = (request.GET.get(name) or "").strip()
        if not raw:
            return default
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise invalid(name, "must be a date (YYYY-MM-DD)", raw) from None

    end = parse("end", today())
    start = parse("start", end - dt.timedelta(days=30))
    if start > end:
        raise invalid("start", "must be on or before the end", start.isoformat())
    return start, end


def _rows(request: HttpRequest) -> tuple[District, dt.date, dt.date, list[ReportRow]]:
    scope = request.scope  # type: ignore[attr-defined]
    district = District.objects.get(pk=scope.require_district())
    start, end = _range(request)
    return district, start, end, usage_report(scope=scope, district=district, start=start, end=end)


@signed_in
def usage_report_page(request: HttpRequest) -> HttpResponse:
    district, start, end, rows = _rows(request)
    return TemplateResponse(
        request,
        "reports/usage.html",
        {"district": district, "start": start, "end": end, "rows": rows},
    )


@signed_in
def usage_report_csv(request: HttpRequest) -> HttpResponse:
    district, start, end, rows = _rows(request)
    out = io.StringIO()
    w = spreadsheet.writer(out)
    w.writerow(CSV_HEADER)
    for r in rows:
        w.writerow(
            [
                r.school,
                r.product,
                start.isoformat(),
                end.isoformat(),
                r.start_used,
                r.end_used,
                r.peak_used,
                r.peak_day.isoformat() if r.peak_day else "",
                r.days_overallocated,
                r.days,
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"usage-{district.slug}-{start.isoformat()}-{end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
