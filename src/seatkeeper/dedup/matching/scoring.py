"""Field-by-field comparison of two people: log-odds weights and evidence in words."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from seatkeeper.dedup.matching.names import Norm, Person, name_family, normalise

PRIOR = -9.0  # log-odds that two blocked records are one person before looking at fields
SIBLING_JW = 0.75  # first names less alike than this (Jaro-Winkler) are two children's names
# Same school and same grade (issue 14.2): log(P(same class | one child) / P(same class | two
# children)), measured on the data set (Context); without one (a single pair) this default.
SAME_CLASS = 4.0
SAME_CLASS_MIN, SAME_CLASS_MAX = 1.2, 5.0
# A name is common in a school when a grade of that school is expected to hold this many other
# children of that first and last name by chance (name frequency per school, issue 14.2).
COMMON_IN_SCHOOL = 0.05
TWIN_VETO = -12.0  # consecutive numbers + same birth date + other first names (issue 14.4)


@dataclass(frozen=True)
class Context:
    """What the data set says about school and grade: the weight of sharing both, and how many
    children of a name a grade of a school holds by chance (name frequency per school)."""

    same_class: float = SAME_CLASS
    common: Callable[[Norm], float] = field(default=lambda n: 0.0)


DEFAULT_CONTEXT = Context()

# --- field comparisons -------------------------------------------------------------------------


@dataclass(slots=True)
class Tally:
    """Weights and words collected while comparing two records."""

    weight: float = 0.0
    evidence: list[str] = field(default_factory=list)
    veto: bool = False  # two people for sure (the twin pattern): never linked, never grouped

    def add(self, w: float, words: str = "") -> None:
        self.weight += w
        if words:
            self.evidence.append(words)


def _typos(a: str, b: str) -> int:
    return DamerauLevenshtein.distance(a, b)


def _typo_words(a: str, b: str, n: int) -> str:
    return f"{a} ~ {b} ({'one typo' if n == 1 else f'{n} typos'})"


def _name_relation(a: tuple[str, ...], b: tuple[str, ...], nick: bool) -> tuple[str, int]:
    """How two token tuples relate: exact | tokens | nickname | typo | initial | close | none."""
    if not a or not b:
        return "missing", 0
    ja, jb = "".join(a), "".join(b)
    if a == b or ja == jb:
        return "exact", 0
    if set(a) & set(b):
        return "tokens", 0
    if nick:
        for x in a:
            fam = name_family(x)
            if any(y in fam for y in b):
                return "nickname", 0
    n = _typos(ja, jb)
    longest = max(len(ja), len(jb))
    if (n == 1 and longest >= 4) or (n == 2 and longest >= 8):
        return "typo", n
    if len(a[0]) == 1 or len(b[0]) == 1:
        return ("initial", 0) if a[0][0] == b[0][0] else ("none", 0)
    if JaroWinkler.similarity(ja, jb) >= 0.94 and longest >= 6:
        return "close", n
    return "none", 0


def _rarity(tf: float) -> float:
    """Extra weight for agreeing on a rare value; tf is the share of records holding it."""
    return max(0.0, min(3.0, math.log(0.01 / max(tf, 1e-6)) / 1.5))


def _consecutive(x: str, y: str) -> bool:
    """Student numbers handed out one after the other (twins enrolled together)."""
    return x != y and x.isdigit() and y.isdigit() and abs(int(x) - int(y)) <= 2


def compare(
    a: Norm,
    b: Norm,
    tf: Callable[[str, str], float] | None = None,
    ctx: Context = DEFAULT_CONTEXT,
) -> Tally:
    """Weigh the evidence that a and b are one person. Only fields present on both count: an
    absent value (no number, no birth date, no email) is no evidence either way (issue 14.2)."""
    t = Tally()
    tf = tf or (lambda kind, value: 0.002)
    first_rel, _ = _name_relation(a.first, b.first, nick=True)
    # The twin pattern (issue 14.4): consecutive student numbers, the same birth date and first
    # names that are not the same, even when alike ("Rachana" / "Yachana") or sharing a token
    # ("Maria Eugenia" / "Jose Maria"). Twins are two children; they must never score certain.
    twins = (
        bool(a.number and b.number)
        and _consecutive(a.number, b.number)
        and a.dob is not None
        and a.dob == b.dob
        and first_rel != "exact"
    )
    # Another child (a sibling) rather than a misspelling: on a school roster (both records
    # carry a grade) the first names are not alike at all. Without grades (FEBRL-style person
    # files, where a replaced first name is a known corruption) the plain weights apply.
    other_child = (
        first_rel == "none"
        and bool(a.grade and b.grade)
        and JaroWinkler.similarity("".join(a.first), "".join(b.first)) < SIBLING_JW
    )
    # Student number: the strongest single field; different numbers are strong counter-evidence.
    if a.number and b.number:
        if a.number == b.number:
            t.add(9.0, "same student number")
        elif _typos(a.number, b.number) == 1 and len(a.number) >= 5 and not (other_child or twins):
            # (with different first names a near number is the sibling pattern: twins get
            # consecutive numbers, so it is no evidence of one person)
            t.add(3.0, "student number one digit apart")
        else:
            # Re-created accounts often get a new number: counter-evidence, not a veto.
            t.add(-3.0, "different student numbers")
    if a.email_local and len(a.email_local) >= 4 and a.email_local == b.email_local:
        t.add(7.0, "same email local part")
    if a.username and b.username and a.username == b.username and len(a.username) >= 4:
        t.add(6.0, "same username")
    _names(a, b, t, tf, first_rel)
    _dob(a, b, t, tf)
    if twins:
        t.add(TWIN_VETO, "consecutive student numbers, same birth date, other first names (twins)")
        t.veto = True
    elif (
        other_child
        and a.dob is not None
        and a.dob == b.dob
        and a.last
        and set(a.last) & set(b.last)
        and not (a.number and a.number == b.number)
    ):
        # Twins (R3 counts each child): same surname and birth date, another first name. The
        # shared surname and date are expected for siblings, so they must not add up to a match.
        t.add(-5.0, "different first names, same surname and birth date (twins?)")
    same_school = a.school_id is not None and a.school_id == b.school_id
    if same_school and a.grade and a.grade == b.grade:
        # Same school and grade: a real candidate, unless the name is common in that school.
        expected = ctx.common(a)
        if expected >= COMMON_IN_SCHOOL:
            t.add(1.2, f"same school and grade (a common name there: {expected:.2f} by chance)")
        else:
            t.add(ctx.same_class, "same school and grade")
        return t
    if a.grade and b.grade:
        if a.grade == b.grade:
            t.add(0.7, "same grade")
        elif a.grade.isdigit() and b.grade.isdigit() and abs(int(a.grade) - int(b.grade)) == 1:
            t.add(-0.5)
        else:
            t.add(-3.0, "different grades")
    if same_school:
        t.add(0.5, "same school")
    return t


def _names(a: Norm, b: Norm, t: Tally, tf: Callable[[str, str], float], fr: str) -> None:
    lr, ln = _name_relation(a.last, b.last, nick=False)
    # Swapped first and last names: compare crosswise when straight does not agree.
    if fr not in ("exact", "tokens") or lr not in ("exact", "tokens"):
        xf, _ = _name_relation(a.first, b.last, nick=False)
        xl, _ = _name_relation(a.last, b.first, nick=False)
        good, fair = ("exact", "tokens"), ("exact", "tokens", "typo")
        if (xf in good and xl in fair) or (xf in fair and xl in good):
            t.add(7.5 if xf in good and xl in good else 6.0, "swapped first and last name")
            return
        if fr in ("none", "missing") and lr in ("none", "missing") and (xf in good or xl in good):
            # One name sits in the other field, the second name is new: partial evidence only.
            t.add(1.0, "a name appears swapped into the other field")
            return
    if fr == "exact":
        t.add(3.0 + _rarity(tf("first", " ".join(a.first))), "same first name")
    elif fr == "tokens":
        t.add(2.5, f"{a.first_raw} ~ {b.first_raw} (shared given name)")
    elif fr == "nickname":
        t.add(2.5, f"{a.first_raw} ~ {b.first_raw} (nickname)")
    elif fr == "typo":
        t.add(
            2.0, _typo_words(a.first_raw, b.first_raw, _typos("".join(a.first), "".join(b.first)))
        )
    elif fr == "close":
        t.add(0.5, f"{a.first_raw} ~ {b.first_raw} (similar)")
    elif fr == "initial":
        t.add(0.5, f"{a.first_raw} ~ {b.first_raw} (initial)")
    elif fr == "none":
        t.add(-4.0, f"different first names ({a.first_raw} ~ {b.first_raw})")
    if lr == "exact":
        t.add(3.5 + _rarity(tf("last", " ".join(a.last))), "same last name")
    elif lr == "tokens":
        t.add(3.0, f"{a.last_raw} ~ {b.last_raw} (shared surname)")
    elif lr == "typo":
        t.add(2.5, _typo_words(a.last_raw, b.last_raw, ln))
    elif lr == "close":
        t.add(0.5, f"{a.last_raw} ~ {b.last_raw} (similar)")
    elif lr in ("none", "initial"):
        t.add(-4.0, f"different last names ({a.last_raw} ~ {b.last_raw})")
    if a.middle and b.middle:
        if a.middle[0][0] != b.middle[0][0]:
            t.add(-2.0, "different middle names")
        elif a.middle == b.middle and len(a.middle[0]) > 1:
            t.add(1.0, "same middle name")


def _dob(a: Norm, b: Norm, t: Tally, tf: Callable[[str, str], float]) -> None:
    if a.dob is None or b.dob is None:
        return
    if a.dob == b.dob:
        t.add(4.0 + min(2.0, _rarity(tf("dob", a.dob.isoformat()))), "same date of birth")
        return
    x, y = a.dob, b.dob
    if x.year == y.year and x.month == y.day and x.day == y.month:
        t.add(2.5, "date of birth with day and month swapped")
        return
    sa, sb = x.isoformat(), y.isoformat()  # YYYY-MM-DD: the dashes always agree
    n = sum(1 for i, j in zip(sa, sb, strict=True) if i != j)
    if n == 1:
        t.add(1.5, f"date of birth one digit apart ({x.isoformat()} ~ {y.isoformat()})")
    else:
        t.add(-4.5, "different dates of birth")


def score_of(weight: float, prior: float = PRIOR) -> float:
    """Log-odds to 0..1, rounded for stable output."""
    z = weight + prior
    return round(1.0 / (1.0 + math.exp(-z)), 4)


def pair_score(a: Person, b: Person) -> tuple[float, tuple[str, ...]]:
    """Score and evidence of one pair (for tests and the review page)."""
    tally = compare(normalise(a), normalise(b))
    return score_of(tally.weight), tuple(tally.evidence)
