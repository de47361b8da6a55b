"""The navigation shown in base.html, by role. Areas add their pages to `SCHOOL_NAV` or
`DISTRICT_NAV` (one line each); every entry must resolve (a typo fails every page's test)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from seatkeeper.orgs.models import District, Role, School
from seatkeeper.orgs.scoping import ADMIN_ROLES, DISTRICT_ROLES, Scope, schools_visible
from seatkeeper.seats.selectors import alerts_for

# (label, url name). School entries are reversed with school_id=<the current school>.
DISTRICT_NAV: list[tuple[str, str]] = [
    ("Manage License", "web:district_license"),
    ("Fix plan", "fixes:plan"),
    ("De-Dup", "dedup:district"),
    ("Import", "web:imports"),
    ("Alerts", "web:alerts"),
    ("Reports", "web:usage_report"),
    ("Settings", "web:settings"),
    ("Audit log", "web:audit"),
]
SCHOOL_NAV: list[tuple[str, str]] = [
    ("License", "web:school_license"),
    ("Classrooms", "web:classrooms"),
    ("Students", "web:students"),
    ("Teachers", "web:teachers"),
    ("Fix plan", "fixes:plan"),
    ("De-Dup", "dedup:review"),
    ("Import", "web:school_import"),
]
TEACHER_NAV: list[tuple[str, str]] = [("My classrooms", "web:teacher_home")]


@dataclass
class NavItem:
    label: str
    url: str
    current: bool = False


@dataclass
class Shell:
    """What the layout needs: who, where, the nav, and the launch banner."""

    scope: Scope
    district: District | None = None
    school: School | None = None
    schools: list[School] = field(default_factory=list)
    district_nav: list[NavItem] = field(default_factory=list)
    school_nav: list[NavItem] = field(default_factory=list)
    launched_by: Any = None
    role_label: str = ""
    alerts: list[Any] = field(default_factory=list)  # open, not dismissed (issue 16.3 banner)


def _item(request: HttpRequest, label: str, name: str, **kwargs: Any) -> NavItem | None:
    return NavItem(label, reverse(name, kwargs=kwargs or None))


def _mark_current(request: HttpRequest, items: list[NavItem]) -> list[NavItem]:
    """The item whose URL is the longest prefix of this page's path is the current one."""
    matches = [i for i in items if request.path.startswith(i.url)]
    if matches:
        max(matches, key=lambda i: len(i.url)).current = True
    return items


def shell_for(request: HttpRequest, scope: Scope) -> Shell:
    shell = Shell(scope=scope, launched_by=scope.launched_by)
    shell.role_label = Role(scope.role).label if scope.role in Role.values else scope.role
    if scope.district_id is None:
        return shell
    shell.district = District.objects.filter(pk=scope.district_id).first()
    if shell.district is not None and scope.role in ADMIN_ROLES:
        shell.alerts = alerts_for(
            scope=scope, district=shell.district, open_only=True, include_dismissed=False, limit=20
        )
    if scope.role in DISTRICT_ROLES and scope.launched_by is None:
        shell.district_nav = _mark_current(
            request,
            [i for label, name in DISTRICT_NAV if (i := _item(request, label, name)) is not None],
        )
    if scope.role == Role.TEACHER:
        shell.school_nav = _mark_current(
            request,
            [i for label, name in TEACHER_NAV if (i := _item(request, label, name)) is not None],
        )
        return shell
    match = getattr(request, "resolver_match", None)
    current = match.kwargs.get("school_id") if match else None
    if scope.role in DISTRICT_ROLES and scope.launched_by is None:
        # A district admin on a school page (without launching) still gets that school's tabs.
        shell.school = (
            School.objects.filter(schools_visible(scope), pk=current).first()
            if str(current or "").isdigit()
            else None
        )
    else:
        shell.schools = list(School.objects.filter(schools_visible(scope), deleted_at__isnull=True))
        shell.school = next((s for s in shell.schools if str(s.pk) == str(current)), None) or (
            shell.schools[0] if shell.schools else None
        )
    if shell.school is not None:
        shell.school_nav = _mark_current(
            request,
            [
                i
                for label, name in SCHOOL_NAV
                if (i := _item(request, label, name, school_id=shell.school.pk)) is not None
            ],
        )
    return shell
