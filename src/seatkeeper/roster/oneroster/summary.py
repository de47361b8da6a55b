"""Import summaries: the seat effect per school and product, and the plain-text rendering.

Seat figures come from `seats.selectors.usage_for_district` (the seat ledger's counters, never
re-counted here), taken before and after the writes inside the same transaction, so a dry run
shows exactly what applying would do.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

from rich.console import Console
from rich.table import Table

from seatkeeper.orgs.models import District, Product
from seatkeeper.orgs.scoping import Scope
from seatkeeper.seats.selectors import usage_for_district

Snapshot = dict[tuple[int, str], dict[str, Any]]


def seat_snapshot(scope: Scope, district: District | None) -> Snapshot:
    """used, capacity and overallocation per (school id, product code)."""
    out: Snapshot = {}
    if district is None or district.pk is None:
        return out
    for product in Product.objects.filter(district=district).order_by("id"):
        usage = usage_for_district(scope=scope, district=district, product=product)
        for s in usage.schools:
            out[(s.id, product.code)] = {
                "school": s.name,
                "sourced_id": s.sourced_id,
                "used": s.used,
                "capacity": s.capacity,
                "overallocated": s.overallocated,
            }
    return out


def seat_effect(before: Snapshot, after: Snapshot) -> list[dict[str, Any]]:
    rows = []
    empty = {"used": 0, "capacity": 0, "overallocated": False}
    for key in sorted(set(before) | set(after), key=lambda k: (k[1], k[0])):
        b, a = before.get(key, empty), after.get(key, empty)
        info = after.get(key) or before.get(key) or {}
        rows.append(
            {
                "school": info.get("school", ""),
                "school_id": key[0],
                "sourced_id": info.get("sourced_id", ""),
                "product": key[1],
                "capacity_before": b["capacity"],
                "capacity_after": a["capacity"],
                "used_before": b["used"],
                "used_after": a["used"],
                "overallocated_before": b["overallocated"],
                "overallocated_after": a["overallocated"],
            }
        )
    return rows


def seat_outlook(seats: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """What a confirmation page says of a seat effect: the schools whose use changes, those it
    puts over capacity, and those over capacity before that stay over (not its doing)."""
    return {
        "seat_changes": [s for s in seats if s.get("used_before") != s.get("used_after")],
        "newly_over": [
            s for s in seats if s.get("overallocated_after") and not s.get("overallocated_before")
        ],
        "still_over": [
            s for s in seats if s.get("overallocated_after") and s.get("overallocated_before")
        ],
    }


def render_text(summary: dict[str, Any]) -> str:
    """The plain summary the CLI prints (and the web page shows in a <pre> for errors)."""
    buf = StringIO()
    console = Console(file=buf, width=120, force_terminal=False, no_color=True)
    verb = "Dry run (nothing written)" if summary.get("dry_run") else "Applied"
    head = (
        f"{verb}: {summary.get('kind')} import of {summary.get('file')} into "
        f"{summary.get('district')}"
    )
    if summary.get("district_created"):
        head += " (district created)"
    if summary.get("version"):
        head += f" · OneRoster {summary['version']} {summary.get('mode', '')}"
    console.print(head)
    table = Table(title="Roster changes")
    for col in ("Entity", "Created", "Updated", "Deleted", "Unchanged"):
        table.add_column(col, justify="left" if col == "Entity" else "right")
    for entity, c in summary.get("entities", {}).items():
        table.add_row(
            entity, str(c["created"]), str(c["updated"]), str(c["deleted"]), str(c["unchanged"])
        )
    console.print(table)
    seats = Table(title="Seats per school and product")
    for col in (
        "School",
        "Product",
        "Capacity",
        "Used before",
        "Used after",
        "Over before",
        "Over after",
    ):
        seats.add_column(col, justify="left" if col in ("School", "Product") else "right")
    for r in summary.get("seats", []):
        seats.add_row(
            r["school"],
            r["product"],
            str(r["capacity_after"]),
            str(r["used_before"]),
            str(r["used_after"]),
            "yes" if r["overallocated_before"] else "",
            "YES" if r["overallocated_after"] else "",
        )
    console.print(seats)
    held = summary.get("held_back", [])
    if held:
        console.print(
            f"Hard enforcement held back {len(held)} student(s) from classes of full schools; "
            "they are listed in the import run for an admin to place:"
        )
        for h in held[:20]:
            console.print(
                f"  {h['student']} ({h['student_sourced_id']}) · {h['school']} · {h['product']} · "
                f"classes {', '.join(h['classes'])}"
            )
    for w in summary.get("warnings", []):
        ex = "; ".join(
            " ".join(
                x
                for x in (
                    ":".join(str(e[k]) for k in ("file", "line") if k in e),
                    str(e.get("value", "")),
                )
                if x
            )
            for e in w["examples"]
        )
        console.print(f"Note: {w['message']} ({w['count']}×{': ' + ex if ex else ''})")
    for what, n in summary.get("ignored", {}).items():
        console.print(f"Skipped: {what}: {n}")
    return buf.getvalue()
