"""Server-side charts (issue 16.2): figures laid out here, drawn as inline SVG by the templates
in `web/charts/`. No script, no style attributes (the Content-Security-Policy): colours and
line patterns come from classes in app.css and SVG presentation attributes, and every bar and
line carries a text label, so the charts read without colour. A viewBox scales them to the
page: 400 units wide, about 1:1 at 390 px.

The figures are the ledger's (bars: `usage_for_district`; lines: the usage history,
`seats.history`), never counted here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from seatkeeper.seats.counting import SchoolUsage
from seatkeeper.seats.history import Point

WIDTH = 400
LABEL_W = 0  # labels sit above their bar: the bar gets the full width


@dataclass(frozen=True)
class Bar:
    y: int
    label: str
    text_y: int
    bar_y: int
    used_w: float
    capacity_w: float
    capacity_x: float
    over: bool
    over_x: float
    over_w: float
    summary: str


@dataclass(frozen=True)
class BarChart:
    height: int
    bars: list[Bar]
    bar_h: int = 14


def school_bars(schools: Sequence[SchoolUsage]) -> BarChart:
    """Each school's used against its capacity: a filled bar (used) over an outlined track
    (capacity); the part beyond capacity hatched (red, a pattern and the words "over by")."""
    top = max([1] + [max(s.used, s.capacity) for s in schools])
    scale = (WIDTH - 2) / top
    bars = []
    row = 40
    for i, s in enumerate(schools):
        y = i * row
        over = s.used > s.capacity
        used_w = round(min(s.used, s.capacity if over else s.used) * scale, 1)
        summary = f"{s.name}: {s.used} of {s.capacity} used"
        if over:
            summary += f", over by {s.used - s.capacity}"
        elif s.capacity:
            summary += f" ({s.used * 100 // s.capacity}%)"
        bars.append(
            Bar(
                y=y,
                label=summary,
                text_y=y + 13,
                bar_y=y + 18,
                used_w=used_w,
                capacity_w=round(s.capacity * scale, 1),
                capacity_x=round(1 + s.capacity * scale, 1),
                over=over,
                over_x=round(1 + s.capacity * scale, 1),
                over_w=round((s.used - s.capacity) * scale, 1) if over else 0,
                summary=summary,
            )
        )
    return BarChart(height=max(row, len(schools) * row), bars=bars)


@dataclass(frozen=True)
class Series:
    name: str
    css: str  # line-used, line-purchased, line-allocated, line-capacity
    dash: str  # stroke-dasharray (a pattern, not only a colour)
    points: str  # SVG polyline points
    last: int
    last_x: float
    last_y: float


@dataclass
class LineChart:
    title: str
    start: dt.date
    end: dt.date
    days: int
    top: int
    series: list[Series] = field(default_factory=list)
    height: int = 180
    plot_top: int = 10
    plot_bottom: int = 150
    plot_left: int = 34
    plot_right: int = 300
    ticks: list[tuple[float, str]] = field(default_factory=list)
    xticks: list[tuple[float, str]] = field(default_factory=list)
    empty: bool = False


STYLES = {
    "used": ("line-used", ""),
    "purchased": ("line-purchased", "6 3"),
    "allocated": ("line-allocated", "2 3"),
    "capacity": ("line-capacity", "6 3"),
}


def lines(
    title: str, start: dt.date, end: dt.date, data: dict[str, Iterable[tuple[dt.date, int]]]
) -> LineChart:
    """Series of (day, value) drawn over [start, end]; gaps (days without a snapshot) are
    skipped, each series labelled at its last point."""
    rows = {name: sorted(points) for name, points in data.items()}
    days = max(1, (end - start).days)
    top = max([1] + [v for pts in rows.values() for _, v in pts])
    top = _nice(top)
    chart = LineChart(title=title, start=start, end=end, days=days, top=top)
    h = chart.plot_bottom - chart.plot_top
    w = chart.plot_right - chart.plot_left

    def x(day: dt.date) -> float:
        return round(chart.plot_left + w * (day - start).days / days, 1)

    def y(v: int) -> float:
        return round(chart.plot_bottom - h * v / top, 1)

    chart.ticks = [(y(top * k // 4), str(top * k // 4)) for k in range(5)]
    chart.xticks = [(x(start), start.strftime("%b %-d")), (x(end), end.strftime("%b %-d"))]
    chart.empty = not any(rows.values())
    labels_y: list[float] = []
    for name, pts in rows.items():
        if not pts:
            continue
        css, dash = STYLES[name]
        last_y = y(pts[-1][1])
        while any(abs(last_y - other) < 11 for other in labels_y):  # keep end labels apart
            last_y += 11
        labels_y.append(last_y)
        chart.series.append(
            Series(
                name=name,
                css=css,
                dash=dash,
                points=" ".join(f"{x(d)},{y(v)}" for d, v in pts),
                last=pts[-1][1],
                last_x=x(pts[-1][0]),
                last_y=last_y,
            )
        )
    return chart


def _nice(n: int) -> int:
    """A round top for the axis (4 equal steps)."""
    for step in (4, 20, 40, 100, 200, 400, 1000, 2000, 4000, 10000, 20000, 40000, 100000):
        if n <= step * 10 or step == 100000:
            return -(-n // step) * step
    return n  # pragma: no cover


def school_year_start(on: dt.date) -> dt.date:
    """The school year runs from July 1."""
    return dt.date(on.year if on.month >= 7 else on.year - 1, 7, 1)


def window(kind: str, today: dt.date) -> tuple[str, dt.date]:
    """("90", 90 days back) or ("year", the school year's start)."""
    if kind == "year":
        return "year", school_year_start(today)
    return "90", today - dt.timedelta(days=90)


def district_lines(
    points: Sequence[Point], purchased: Iterable[tuple[dt.date, int]], start: dt.date, end: dt.date
) -> LineChart:
    return lines(
        "District seats over time",
        start,
        end,
        {
            "used": [(p.day, p.used) for p in points],
            "purchased": list(purchased),
            "allocated": [(p.day, p.allocated) for p in points],
        },
    )


def school_lines(points: Sequence[Point], start: dt.date, end: dt.date) -> LineChart:
    return lines(
        "Seats over time",
        start,
        end,
        {
            "used": [(p.day, p.used) for p in points],
            "capacity": [(p.day, p.capacity) for p in points],
        },
    )
