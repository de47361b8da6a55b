"""Site license access: a teacher's per-product switch (R4, R8), the one roster write that is
only about seats. It lives here, above `seats`, because who may switch whom is roster scoping
(a school admin switches the teachers of their schools); the seat effect is the ledger's."""

from __future__ import annotations

from django.db import transaction

from seatkeeper.audit import actions
from seatkeeper.audit.services import audit_record
from seatkeeper.errors import invalid
from seatkeeper.orgs.models import Product, Role
from seatkeeper.orgs.scoping import Scope, require_role
from seatkeeper.roster.models import Teacher
from seatkeeper.roster.scoping import get_teacher_for
from seatkeeper.roster.services._common import SeatEffect, effect_of
from seatkeeper.seats.ledger import seat_change
from seatkeeper.seats.models import TeacherAccess


def access_set(*, scope: Scope, teacher: Teacher, product: Product, on: bool) -> TeacherAccess:
    """Turn a teacher's site license access ON or OFF (R4). Teachers never change their own."""
    return access_switch(scope=scope, teacher=teacher, product=product, on=on)[0]


@transaction.atomic
def access_switch(
    *, scope: Scope, teacher: Teacher, product: Product, on: bool
) -> tuple[TeacherAccess, SeatEffect]:
    """`access_set`, also returning the seats the switch freed (negative: took), from the sync."""
    teacher = get_teacher_for(scope, teacher.pk)
    require_role(
        scope,
        Role.OPERATOR,
        Role.DISTRICT_ADMIN,
        Role.SCHOOL_ADMIN,
        doing="change site license access",
    )
    if product.district_id != teacher.district_id:
        raise invalid("product", "not a product of this district", product.code)
    with seat_change(district_id=teacher.district_id) as change:  # R4: hard mode refuses growth
        access, _ = TeacherAccess.objects.select_for_update().get_or_create(
            district_id=teacher.district_id,
            teacher=teacher,
            product=product,
            defaults={"on": False},
        )
        old = access.on
        access.on = bool(on)
        access.save(update_fields=["on", "changed_at"])
    if old != access.on:
        audit_record(
            scope=scope,
            action=actions.ACCESS_CHANGED,
            target=access,
            label=f"{teacher} · {product.code}: {'ON' if on else 'OFF'}",
            data={
                "old": {"on": old},
                "new": {"on": access.on},
                "teacher": teacher.pk,
                "product": product.code,
                "seats_freed": change.freed().get(product.pk, 0),
            },
        )
    return access, effect_of(change, change.delta.students)
