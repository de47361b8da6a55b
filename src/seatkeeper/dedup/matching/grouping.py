"""Grouping scored pairs into accounts of one person without chaining contradictions."""

from __future__ import annotations

import datetime as dt
import gc
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from seatkeeper.dedup.matching.blocking import pair_codes
from seatkeeper.dedup.matching.names import Norm, Person, normalise
from seatkeeper.dedup.matching.scoring import (
    PRIOR,
    SAME_CLASS_MAX,
    SAME_CLASS_MIN,
    Context,
    Tally,
    compare,
    score_of,
)

DEFAULT_THRESHOLD = 0.9
CONSISTENCY = 0.001  # a group never holds a pair scoring below this (plainly two people)
# Links from this score up to the threshold attach an account to a group as "possible" (shown
# apart, never merged with the group; issue 14.1).
POSSIBLE_FLOOR = 0.5


@dataclass(frozen=True)
class Link:
    """One scored pair of record ids (low, high) and its evidence."""

    ids: tuple[int, int]
    score: float
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Possible:
    """An account linked to a group only below the threshold: shown apart as "possible"."""

    id: int
    score: float
    linked_to: int
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    """A group found by `find_groups`: the accounts held together by links at or over the
    threshold (ids, their weakest link as score, evidence in words, every such link in
    `pairs`), and weaker accounts apart in `possible` (issue 14.1)."""

    ids: tuple[int, ...]
    score: float
    evidence: tuple[str, ...]
    pairs: tuple[Link, ...] = ()
    possible: tuple[Possible, ...] = ()


def _tf_table(norms: Iterable[Norm]) -> Callable[[str, str], float]:
    firsts: Counter[str] = Counter()
    lasts: Counter[str] = Counter()
    dobs: Counter[str] = Counter()
    total = 0
    for n in norms:
        total += 1
        firsts[" ".join(n.first)] += 1
        lasts[" ".join(n.last)] += 1
        if n.dob is not None:
            dobs[n.dob.isoformat()] += 1
    # Small scopes cannot show that a name is common: count as if among at least 1000 records.
    total = max(total, 1000)

    tables = {"first": firsts, "last": lasts, "dob": dobs}

    def tf(kind: str, value: str) -> float:
        return max(tables[kind].get(value, 0), 1) / total

    return tf


def _context(norms: list[Norm]) -> Context:
    """School and grade on this data set: the weight of sharing both (how rare it is for two
    accounts to share them by chance; one child's accounts share them ~3 times in 4), and the
    name frequency per school (issue 14.2)."""
    classes: Counter[tuple[int, str]] = Counter()
    size: Counter[int] = Counter()
    firsts: Counter[tuple[int, str]] = Counter()
    lasts: Counter[tuple[int, str]] = Counter()
    for n in norms:
        if n.school_id is None:
            continue
        size[n.school_id] += 1
        if n.grade:
            classes[(n.school_id, n.grade)] += 1
        if n.first:
            firsts[(n.school_id, n.first[0])] += 1
        if n.last:
            lasts[(n.school_id, " ".join(n.last))] += 1
    total = sum(classes.values())
    if total < 50:  # too few to say: the default weight, no name counts
        return Context()
    # A name held once in a school can never be common there (the expected count needs both
    # names held many times): keep only the repeated ones (memory at 1M students).
    firsts = Counter({k: c for k, c in firsts.items() if c > 1})
    lasts = Counter({k: c for k, c in lasts.items() if c > 1})
    chance = sum(c * c for c in classes.values()) / (total * total)
    weight = max(SAME_CLASS_MIN, min(SAME_CLASS_MAX, math.log(0.75 / chance)))

    def common(n: Norm) -> float:
        s = n.school_id
        if s is None or not n.first or not n.last:
            return 0.0
        k = size[s]
        if k < 50:
            return 0.0
        share = firsts[(s, n.first[0])] / k * lasts[(s, " ".join(n.last))] / k
        return classes[(s, n.grade)] * share

    return Context(same_class=weight, common=common)


DENSITY_REF = 0.1  # deterministic duplicate pairs per record in a typical district
DENSITY_GAIN = 3.5  # nats of prior per unit of log density ratio (tuned on FEBRL, capped at 5)


def density_shift(norms: list[Norm]) -> float:
    """Raise the prior odds when the data set is dense in duplicates (never lower them).

    Like splink's `estimate_probability_two_random_records_match`, count pairs agreeing on a
    deterministic rule (same number and birth date, or same full name and birth date) per
    record; districts sit near or below DENSITY_REF, so the tuned default stays in force.
    """
    by_number: Counter[tuple[str, dt.date]] = Counter()
    by_name: Counter[tuple[tuple[str, ...], tuple[str, ...], dt.date]] = Counter()
    for n in norms:
        if n.dob is None:
            continue
        if n.number:
            by_number[(n.number, n.dob)] += 1
        if n.first and n.last:
            by_name[(n.first, n.last, n.dob)] += 1
    pairs = sum(c * (c - 1) // 2 for c in (*by_number.values(), *by_name.values()))
    rho = pairs / max(len(norms), 1)
    if rho <= DENSITY_REF:
        return 0.0
    return min(5.0, DENSITY_GAIN * math.log(rho / DENSITY_REF))


def find_groups(
    people: list[Person],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    excluded: set[frozenset[int]] | None = None,
    progress: Callable[[int, int], None] | None = None,
    prior: float = PRIOR,
) -> list[Match]:
    """Groups of accounts of one person, scored, sorted by score (desc) then smallest id.

    `excluded` holds id pairs marked "not duplicates": they are never joined.
    """
    with _gc_paused():
        return _find_groups(people, threshold, excluded or set(), progress, prior)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Detection allocates millions of small acyclic objects (keys, tuples, tallies): the
    cyclic collector would rescan every record on each generation-2 pass (measured: blocking
    2.5x slower at 100k students). Reference counting still frees everything as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _find_groups(
    people: list[Person],
    threshold: float,
    excluded: set[frozenset[int]],
    progress: Callable[[int, int], None] | None,
    prior: float,
) -> list[Match]:
    norms = [normalise(p) for p in people]
    tf = _tf_table(norms)
    ctx = _context(norms)
    prior += density_shift(norms)
    floor = min(threshold, POSSIBLE_FLOOR)
    edges: list[tuple[float, int, int, tuple[str, ...]]] = []
    weak: list[tuple[float, int, int, tuple[str, ...]]] = []
    for i, j, s, tally in _scored(norms, tf, ctx, prior, excluded, progress):
        if s >= floor and not tally.veto:
            (edges if s >= threshold else weak).append((s, i, j, tuple(tally.evidence)))
    return _cluster(norms, edges, weak, tf, ctx, excluded, prior)


def _scored(
    norms: list[Norm],
    tf: Callable[[str, str], float],
    ctx: Context,
    prior: float,
    excluded: set[frozenset[int]],
    progress: Callable[[int, int], None] | None,
) -> Iterator[tuple[int, int, float, Tally]]:
    codes = pair_codes(norms)
    total, size = len(codes), len(norms)
    for done, code in enumerate(codes, 1):
        if progress is not None and done % 50_000 == 0:
            progress(done, total)
        i, j = divmod(code, size)
        a, b = norms[i], norms[j]
        if excluded and frozenset((a.id, b.id)) in excluded:
            continue
        tally = compare(a, b, tf, ctx)
        yield i, j, score_of(tally.weight, prior), tally
    if progress is not None:
        progress(total, total)


def scored_pairs(people: list[Person], *, prior: float = PRIOR) -> list[tuple[int, int, float]]:
    """Every candidate pair as (id, id, shown score), a vetoed pair (twins) at 0: what
    `find_groups` links from (for the reliability table in bench/README.md)."""
    norms = [normalise(p) for p in people]
    tf = _tf_table(norms)
    ctx = _context(norms)
    prior += density_shift(norms)
    with _gc_paused():
        return [
            (norms[i].id, norms[j].id, 0.0 if t.veto else s)
            for i, j, s, t in _scored(norms, tf, ctx, prior, set(), None)
        ]


def _cluster(
    norms: list[Norm],
    edges: list[tuple[float, int, int, tuple[str, ...]]],
    weak: list[tuple[float, int, int, tuple[str, ...]]],
    tf: Callable[[str, str], float],
    ctx: Context,
    excluded: set[frozenset[int]],
    prior: float,
) -> list[Match]:
    """Groups held by links at the threshold (a weak member never lowers a group's score or
    hides a certain pair: it is not in the group), then weak links attach accounts in no group
    as "possible" members of the group they link to, when consistent with all of it."""
    parent: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    used: dict[int, list[tuple[float, int, int, tuple[str, ...]]]] = {}

    def root(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for s, i, j, ev in sorted(edges, key=lambda e: (-e[0], e[1], e[2])):
        ri, rj = root(i), root(j)
        if ri == rj:
            used[ri].append((s, i, j, ev))
            continue
        mi, mj = members.get(ri, [i]), members.get(rj, [j])
        if not _consistent(norms, mi, mj, tf, ctx, excluded, prior):
            continue
        parent[rj] = ri
        members[ri] = mi + mj
        members.pop(rj, None)
        used[ri] = used.pop(ri, []) + used.pop(rj, []) + [(s, i, j, ev)]
    group_of = {k: r for r, mem in members.items() for k in mem}
    possible: dict[int, list[Possible]] = {}
    taken: set[int] = set()
    for s, i, j, ev in sorted(weak, key=lambda e: (-e[0], e[1], e[2])):
        if (i in group_of) == (j in group_of):
            continue  # both in groups, or neither: no group to attach to
        inside, other = (i, j) if i in group_of else (j, i)
        r = group_of[inside]
        if other in taken or not _consistent(norms, members[r], [other], tf, ctx, excluded, prior):
            continue
        taken.add(other)
        possible.setdefault(r, []).append(
            Possible(id=norms[other].id, score=s, linked_to=norms[inside].id, evidence=ev)
        )
    out = []
    for r, mem in members.items():
        links = sorted(used[r], key=lambda u: (-u[0], u[1], u[2]))
        evidence: list[str] = []
        for _, _, _, ev in links:
            evidence.extend(w for w in ev if w not in evidence)
        ids = tuple(sorted(norms[k].id for k in mem))
        pairs = tuple(
            Link(ids=tuple(sorted((norms[i].id, norms[j].id))), score=s, evidence=ev)  # type: ignore[arg-type]
            for s, i, j, ev in links
        )
        out.append(
            Match(
                ids=ids,
                score=min(u[0] for u in links),
                evidence=tuple(evidence),
                pairs=pairs,
                possible=tuple(possible.get(r, ())),
            )
        )
    out.sort(key=lambda m: (-m.score, m.ids[0]))
    return out


def _consistent(
    norms: list[Norm],
    a: list[int],
    b: list[int],
    tf: Callable[[str, str], float],
    ctx: Context,
    excluded: set[frozenset[int]],
    prior: float,
) -> bool:
    if len(a) * len(b) == 1:
        return frozenset((norms[a[0]].id, norms[b[0]].id)) not in excluded
    for i in a:
        for j in b:
            if frozenset((norms[i].id, norms[j].id)) in excluded:
                return False
            tally = compare(norms[i], norms[j], tf, ctx)
            if tally.veto or score_of(tally.weight, prior) < CONSISTENCY:
                return False
    return True
