"""issue 17.10: the License page warns when turning a teacher's access ON would push the school
over capacity, with the seats it takes; the figure equals what the switch then takes (ledger)."""

from __future__ import annotations

import re

from seatkeeper.roster import services as roster
from seatkeeper.seats import services as lic
from seatkeeper.seats.selectors import usage_for_school
from tests.factories import sys_scope
from tests.web.conftest import client_for


def test_issue_17_10_access_on_warns_when_it_pushes_the_school_over(world_a) -> None:  # type: ignore[no-untyped-def]
    scope = sys_scope(world_a.district)
    school, teacher = world_a.schools[0], world_a.teachers[0]
    roster.access_set(scope=scope, teacher=teacher, product=world_a.product, on=False)
    lic.allocation_set(scope=scope, school=school, product=world_a.product, seats=4)
    sa = client_for(world_a.users["school_admin"])
    body = sa.get(f"/schools/{school.pk}/").content.decode()
    row = body[body.index(f'id="teacher-{teacher.pk}"') :]
    row = row[: row.index("</tr>")]
    taken = int(re.search(r'data-figure="taken-if-on">ON takes (\d+)<', row).group(1))
    assert taken == 3
    assert 'data-over="2"' in row  # used 3 of 4; ON takes 3 more: 2 over
    assert "puts A School 1 2 over capacity" in row
    used = usage_for_school(scope=scope, school=school, product=world_a.product).used
    sa.post(f"/schools/{school.pk}/access/{teacher.pk}/", {"on": "1", "product": "core"})
    after = usage_for_school(scope=scope, school=school, product=world_a.product).used
    assert after - used == taken
    # Room enough: no warning.
    roster.access_set(scope=scope, teacher=teacher, product=world_a.product, on=False)
    lic.allocation_set(scope=scope, school=school, product=world_a.product, seats=20)
    body = sa.get(f"/schools/{school.pk}/").content.decode()
    assert "over capacity. Turn it ON anyway?" not in body
