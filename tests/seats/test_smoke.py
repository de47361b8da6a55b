"""Smoke: the world fixture counts seats as built (R1)."""

from seatkeeper.seats.selectors import usage_for_district
from tests.factories import DistrictWorld, sys_scope


def test_r1_world_counts_each_enrolled_student_once(world_a: DistrictWorld) -> None:
    usage = usage_for_district(scope=sys_scope(world_a.district), district=world_a.district)
    assert [s.used for s in usage.schools] == [6, 6]
    assert [s.capacity for s in usage.schools] == [20, 20]
    assert usage.as_dict()["unallocated"] == 60
