"""issue 14.2-14.4: absent values are no evidence, same name + school + grade is a candidate
unless the name is common in that school, transfers are duplicates, twins are never merged."""

from __future__ import annotations

import datetime as dt
import random

from seatkeeper.dedup.matching import DEFAULT_THRESHOLD, Person, find_groups, pair_score

FIRST = ["Ava", "Liam", "Noah", "Emma", "Olivia", "Mason", "Sofia", "Ethan", "Mia", "Lucas"]
FIRST += ["Harper", "Logan", "Ella", "Aiden", "Chloe", "Jack", "Zoe", "Owen", "Nora", "Levi"]
LAST = ["Garcia", "Kim", "Patel", "Okafor", "Rossi", "Sato", "Nowak", "Haddad", "Dubois", "Lee"]
LAST += ["Brown", "Young", "Adams", "Reyes", "Baker", "Kelly", "Price", "Ward", "Cruz", "Ortiz"]


def district(n: int = 1200, seed: int = 5, schools: int = 4) -> list[Person]:
    """n distinct students over a few schools and grades K-12 (ids 1..n)."""
    rng = random.Random(seed)
    out = []
    for i in range(1, n + 1):
        g = rng.randint(0, 12)
        out.append(
            Person(
                id=i,
                first_name=rng.choice(FIRST),
                last_name=f"{rng.choice(LAST)}{rng.choice('abcdefghij')}",
                date_of_birth=dt.date(2015 - g, rng.randint(1, 12), rng.randint(1, 28)),
                grade=str(g),
                number=str(300000 + 7 * i),
                school_id=rng.randrange(schools),
            )
        )
    return out


def grouped(groups: list, a: int, b: int) -> bool:
    return any(a in g.ids and b in g.ids for g in groups)


ORIGINAL = Person(
    id=9001,
    first_name="James",
    last_name="Thompson",
    date_of_birth=dt.date(2010, 4, 2),
    grade="10",
    number="482113",
    email="james.thompson113@students.example.org",
    school_id=2,
)


def test_issue14_2_teacher_typed_account_without_number_or_birth_date_is_found() -> None:
    # "James Thompson, grade 10, same school" typed by a teacher, against the SIS account.
    typed = Person(id=9002, first_name="james", last_name="Thompson", grade="10", school_id=2)
    groups = find_groups([*district(), ORIGINAL, typed])
    assert grouped(groups, 9001, 9002)
    g = next(g for g in groups if 9001 in g.ids)
    assert g.score >= DEFAULT_THRESHOLD
    assert "same school and grade" in g.evidence


def test_issue14_2_self_sign_up_with_a_personal_email_is_found() -> None:
    # "paige mendoza, grade 6, same school, personal email"
    sis = Person(
        id=9011,
        first_name="Paige",
        last_name="Mendoza",
        date_of_birth=dt.date(2014, 9, 30),
        grade="6",
        number="471002",
        email="paige.mendoza002@students.example.org",
        school_id=1,
    )
    signup = Person(
        id=9012,
        first_name="paige",
        last_name="mendoza",
        grade="6",
        email="paigemendoza14@gmail.com",
        school_id=1,
    )
    assert grouped(find_groups([*district(), sis, signup]), 9011, 9012)


def test_issue14_2_absent_values_are_no_evidence_either_way() -> None:
    typed = Person(id=9002, first_name="james", last_name="Thompson", grade="10", school_id=2)
    bare = Person(id=9001, first_name="James", last_name="Thompson", grade="10", school_id=2)
    with_ids, _ = pair_score(ORIGINAL, typed)
    without, _ = pair_score(bare, typed)
    assert with_ids == without  # number, birth date and email absent on one side: no change


def test_issue14_2_a_name_common_in_that_school_is_not_enough() -> None:
    # School 9: one grade full of Nguyens and Minhs, so a same-name pair without a number or
    # a birth date may well be two children.
    crowd = [
        Person(
            id=5000 + i,
            first_name="Minh" if i % 2 else "Anh",
            last_name="Nguyen" if i % 3 else "Tran",
            date_of_birth=dt.date(2012, 1 + i % 12, 1 + i % 28),
            grade="7",
            number=str(700000 + 9 * i),
            school_id=9,
        )
        for i in range(60)
    ]
    a = Person(id=9101, first_name="Minh", last_name="Nguyen", grade="7", school_id=9)
    b = Person(id=9102, first_name="minh", last_name="nguyen", grade="7", school_id=9)
    groups = find_groups([*district(), *crowd, a, b], threshold=0.5)
    assert not grouped(groups, 9101, 9102)
    # the same two accounts at a school where the name is rare score far higher
    a2 = Person(id=9101, first_name="Minh", last_name="Nguyen", grade="7", school_id=1)
    b2 = Person(id=9102, first_name="minh", last_name="nguyen", grade="7", school_id=1)
    assert grouped(find_groups([*district(), *crowd, a2, b2], threshold=0.5), 9101, 9102)


def test_issue14_3_transfer_same_number_name_birth_date_grade_plus_one_other_school() -> None:
    moved = Person(
        id=9003,
        first_name="James",
        last_name="Thompson",
        date_of_birth=dt.date(2010, 4, 2),
        grade="11",
        number="482113",
        school_id=3,
    )
    groups = find_groups([*district(), ORIGINAL, moved])
    assert grouped(groups, 9001, 9003)
    score, evidence = pair_score(ORIGINAL, moved)
    assert score >= DEFAULT_THRESHOLD
    assert "same student number" in evidence


def _twins(a: str, b: str, base: int) -> list[Person]:
    return [
        Person(
            id=base + k,
            first_name=first,
            last_name="Sok",
            date_of_birth=dt.date(2013, 6, 11),
            grade="5",
            number=str(555100 + k),
            school_id=1,
        )
        for k, first in enumerate((a, b))
    ]


def test_issue14_4_twins_with_alike_first_names_are_never_grouped() -> None:
    # The twin pattern: consecutive numbers, same birth date, other first names, even when the
    # names share a token or are one letter apart.
    pairs = [("María Eugenia", "José María"), ("Rachana", "Yachana"), ("Aiden", "Aidan")]
    people = district()
    for k, (a, b) in enumerate(pairs):
        people += _twins(a, b, 9200 + 10 * k)
    groups = find_groups(people, threshold=0.1)
    for k, (a, b) in enumerate(pairs):
        twins = _twins(a, b, 9200 + 10 * k)
        assert not grouped(groups, twins[0].id, twins[1].id), (a, b)
        score, evidence = pair_score(*twins)
        assert score < 0.5
        assert any("twins" in e for e in evidence)


def test_issue14_4_a_teacher_typed_copy_of_one_twin_never_joins_the_twins() -> None:
    twins = _twins("Rachana", "Yachana", 9300)
    copy = Person(id=9310, first_name="rachana", last_name="sok", grade="5", school_id=1)
    groups = find_groups([*district(), *twins, copy])
    assert grouped(groups, 9300, 9310)  # the copy is found, with its own child
    assert not grouped(groups, 9300, 9301)
