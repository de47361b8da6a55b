"""A hint for hand-made students: "this looks like a rostered student" (R3: duplicates each
take a seat, and mixed rostering methods are their top cause).

Kept simple on purpose (the de-dup app does the thorough matching): same normalized first and
last name (case, accents, spaces, hyphens and apostrophes ignored) and, where both have one, the
same date of birth. The UI and the API call it before `student_create` and show the matches.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from django.db.models import Q

from seatkeeper.orgs.models import District, RosterSource
from seatkeeper.orgs.scoping import Scope
from seatkeeper.roster.models import Student
from seatkeeper.roster.scoping import students_visible

LIMIT = 10


def normalize(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).casefold()
    return "".join(c for c in text if c.isalnum())


@dataclass(frozen=True)
class LikelyDuplicate:
    id: int
    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    school_id: int | None
    roster_source: str
    sourced_id: str
    reason: str


def likely_duplicates_for(
    *,
    scope: Scope,
    district: District,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date | None = None,
    rostered_only: bool = True,
) -> list[LikelyDuplicate]:
    """Students of the district (visible to the caller) who look like the one being created."""
    first, last = normalize(first_name), normalize(last_name)
    if not first or not last:
        return []
    qs = Student.objects.filter(students_visible(scope), district=district, deleted_at__isnull=True)
    if rostered_only:
        qs = qs.filter(
            roster_source__in=[RosterSource.ONEROSTER, RosterSource.CSV, RosterSource.API]
        )
    # Narrow in SQL on the last name's first letter (case-insensitive); normalize in Python.
    qs = qs.filter(Q(last_name__istartswith=last_name.strip()[:1]))
    out = []
    for s in qs.only(
        "id", "first_name", "last_name", "date_of_birth", "school_id", "roster_source", "sourced_id"
    ).iterator(chunk_size=2000):
        if normalize(s.first_name) != first or normalize(s.last_name) != last:
            continue
        if date_of_birth and s.date_of_birth and s.date_of_birth != date_of_birth:
            continue
        same_dob = bool(date_of_birth and s.date_of_birth == date_of_birth)
        out.append(
            LikelyDuplicate(
                id=s.pk,
                first_name=s.first_name,
                last_name=s.last_name,
                date_of_birth=s.date_of_birth,
                school_id=s.school_id,
                roster_source=s.roster_source,
                sourced_id=s.sourced_id,
                reason="same name and date of birth" if same_dob else "same name",
            )
        )
        if len(out) >= LIMIT:
            break
    return sorted(out, key=lambda d: (d.reason != "same name and date of birth", d.id))
