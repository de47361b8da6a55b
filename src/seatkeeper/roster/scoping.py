"""Roster scoping: who may see which classrooms, teachers and students, and the scope of a user.

The district and school parts of a `Scope` live in `orgs.scoping`; this module adds what needs
the roster: a teacher's scope (their own classrooms), `<things>_visible(scope) -> Q` for
classrooms, teachers and students, and `get_<thing>_for(scope, id)`, which answers NotFound both
for rows that do not exist and for rows outside the scope (domain.md "Who may do what").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from seatkeeper.errors import NotFound
from seatkeeper.orgs.models import Membership, Role
from seatkeeper.orgs.scoping import ADMIN_ROLES, Scope, district_q, get_visible, own_rows_q
from seatkeeper.roster.models import Classroom, ClassroomTeacher, Enrollment, Student, Teacher, Term

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def scope_for_user(user: AbstractBaseUser, *, via: str = "web") -> Scope:
    """Build a user's scope from their membership. Superusers are platform operators."""
    if not user.is_authenticated or not user.is_active:
        raise NotFound("Not found.")
    if getattr(user, "is_superuser", False):
        return Scope(user=user, role=Role.OPERATOR, district_id=None, via=via)
    try:
        m = Membership.objects.get(user=user)
    except Membership.DoesNotExist:
        raise NotFound("This account has no role yet; ask an administrator.") from None
    if m.role == Role.OPERATOR:
        return Scope(user=user, role=Role.OPERATOR, district_id=None, via=via)
    school_ids: frozenset[int] | None = None
    teacher_id = None
    if m.role == Role.SCHOOL_ADMIN:
        school_ids = frozenset(
            m.membershipschool_set.filter(district_id=m.district_id).values_list(
                "school_id", flat=True
            )
        )
    elif m.role == Role.TEACHER:
        t = (
            Teacher.objects.filter(district_id=m.district_id, user=user, deleted_at__isnull=True)
            .values("id", "school_id")
            .first()
        )
        teacher_id = t["id"] if t else None
        school_ids = frozenset([t["school_id"]] if t and t["school_id"] else [])
    elif m.role == Role.INTEGRATION:
        school_ids = frozenset()
    return Scope(
        user=user,
        role=m.role,
        district_id=m.district_id,
        school_ids=school_ids,
        teacher_id=teacher_id,
        via=via,
    )


def scope_for_username(username: str, *, via: str = "cli") -> Scope:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"No user named {username!r}.")
    return scope_for_user(user, via=via)


def classrooms_visible(scope: Scope) -> Q:
    q = district_q(scope)
    if scope.role == Role.TEACHER:
        co_taught = ClassroomTeacher.objects.filter(teacher_id=scope.teacher_id).values(
            "classroom_id"
        )
        return q & (Q(primary_teacher_id=scope.teacher_id) | Q(pk__in=co_taught))
    if scope.school_ids is not None:
        q &= Q(school_id__in=scope.school_ids)
    return q


def teachers_visible(scope: Scope) -> Q:
    q = district_q(scope)
    if scope.role == Role.TEACHER:
        return q & Q(pk=scope.teacher_id)
    if scope.school_ids is not None:
        q &= Q(school_id__in=scope.school_ids) | Q(
            primary_classrooms__school_id__in=scope.school_ids
        )
    return q


def students_visible(scope: Scope) -> Q:
    """Students of the scope's schools: home school there, or enrolled in a classroom there."""
    q = district_q(scope)
    if scope.school_ids is not None:
        q &= Q(school_id__in=scope.school_ids) | Q(
            pk__in=_enrolled_student_ids(scope.district_id, scope.school_ids)
        )
    return q


def _enrolled_student_ids(district_id: int | None, school_ids: frozenset[int]) -> Any:
    return Enrollment.objects.filter(
        district_id=district_id, classroom__school_id__in=school_ids
    ).values("student_id")


def get_term_for(scope: Scope, pk: Any) -> Any:
    q = own_rows_q(scope)
    if scope.school_ids is not None:
        q &= Q(school__isnull=True) | Q(school_id__in=scope.school_ids)
    return get_visible(scope, Term, pk, q, "term")


def get_classroom_for(scope: Scope, pk: Any) -> Any:
    return get_visible(scope, Classroom, pk, classrooms_visible(scope), "classroom")


def get_teacher_for(scope: Scope, pk: Any) -> Any:
    return get_visible(scope, Teacher, pk, teachers_visible(scope), "teacher")


def get_student_for(scope: Scope, pk: Any) -> Any:
    return get_visible(scope, Student, pk, students_visible(scope), "student")


def can_delete_student(scope: Scope, student: Any) -> bool:
    """Deleting (or restoring) a student applies district-wide, so only the admins of the
    student's home school, district admins and operators may; an admin of a school where the
    student is merely enrolled may un-enroll them from that school instead (issue 19)."""
    if scope.role not in ADMIN_ROLES:
        return False
    if scope.school_ids is None:
        return True
    return student.school_id is not None and student.school_id in scope.school_ids


def can_enroll_in(scope: Scope, classroom: Any) -> bool:
    if scope.role == Role.TEACHER:
        return (
            classroom.primary_teacher_id == scope.teacher_id
            or classroom.co_teachers.filter(pk=scope.teacher_id).exists()
        )
    return scope.role in ADMIN_ROLES and scope.covers_school(classroom.school_id)
