"""Licensing errors."""

from seatkeeper.errors import Conflict


class CapacityExceeded(Conflict):
    """Hard enforcement refused a change: it would push used(S,P) above capacity(S,P)."""

    code = "capacity_exceeded"
    title = "Not enough seats"


class PoolExceeded(Conflict):
    """Allocations would add up to more than the district pool's active seats (R7)."""

    code = "pool_exceeded"
    title = "Not enough seats in the district pool"
