"""Hard enforcement for imports: roster changes apply, seats beyond capacity are held back.

An import must never silently push a school over capacity. In hard mode (or grace after its
date) for a product, after every write of the import, each school whose used(S,P) ends above
both its capacity and its usage before the import gets back under that limit by holding back
the newest seat holders the import created: students whose every licensed enrollment at the
school is new in this import, latest first. Their new enrollments at that school are not
written; the run lists them (student, school, product, classes) for an admin to place once
seats are found. Changes that lower usage always apply; a school that was already over
capacity may stay over by what it was, never more. Growth that comes from something other
than new enrollments (a class's new primary teacher) is reported, not undone.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from seatkeeper.orgs.models import District, Product
from seatkeeper.orgs.scoping import Scope
from seatkeeper.roster.models import Enrollment, Student
from seatkeeper.roster.oneroster.summary import Snapshot
from seatkeeper.seats.models import EnforcementMode
from seatkeeper.seats.selectors import effective_mode, licensed_enrollments, usage_for_district


def hard_products(district: District) -> list[Product]:
    return [
        p
        for p in Product.objects.filter(district=district).order_by("id")
        if effective_mode(district_id=district.pk, product_id=p.pk) == EnforcementMode.HARD
    ]


def hold_back(
    *, scope: Scope, district: District, before: Snapshot, floor: int
) -> tuple[list[dict[str, Any]], list[str]]:
    """Remove new enrollments beyond capacity; returns (held back, schools still over)."""
    held: list[dict[str, Any]] = []
    still_over: list[str] = []
    for product in hard_products(district):
        usage = usage_for_district(scope=scope, district=district, product=product)
        for s in usage.schools:
            used_before = before.get((s.id, product.code), {}).get("used", 0)
            excess = s.used - max(s.capacity, used_before)
            if excess <= 0:
                continue
            by_student: dict[int, list[int]] = defaultdict(list)
            for student_id, eid in licensed_enrollments(
                district_id=district.pk, product_id=product.pk, school_ids=[s.id]
            ).values_list("student_id", "id"):
                by_student[student_id].append(eid)
            only_new = sorted(
                (st for st, ids in by_student.items() if min(ids) > floor), reverse=True
            )
            victims = only_new[:excess]
            if len(victims) < excess:
                still_over.append(f"{s.name} ({product.code})")
            if not victims:
                continue
            qs = Enrollment.objects.filter(
                district=district,
                student_id__in=victims,
                classroom__school_id=s.id,
                id__gt=floor,
            )
            classes: dict[int, list[str]] = defaultdict(list)
            for st, csid, cname in qs.values_list(
                "student_id", "classroom__sourced_id", "classroom__name"
            ):
                classes[st].append(csid or cname)
            students = Student.objects.filter(pk__in=victims).values_list(
                "id", "sourced_id", "first_name", "last_name"
            )
            for pk, ssid, first, last in students:
                held.append(
                    {
                        "student_id": pk,
                        "student_sourced_id": ssid,
                        "student": f"{first} {last}".strip(),
                        "school": s.name,
                        "school_id": s.id,
                        "product": product.code,
                        "classes": sorted(classes[pk]),
                        "enrollments": len(classes[pk]),
                    }
                )
            qs.delete()
    return held, still_over
