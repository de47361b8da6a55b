"""Blocking at district scale: big blocks are windowed (not skipped), typo keys, twins (R3),
and candidate pairs per student stay bounded however many students share the common names."""

from __future__ import annotations

import datetime as dt
import random

from seatkeeper.dedup.matching import (
    FULL_BLOCK,
    WINDOW,
    Person,
    block_keys,
    candidate_pairs,
    find_groups,
    normalise,
    pair_score,
    phonetic,
)

DOB = dt.date(2014, 3, 5)


def _crowded_grade(n: int, seed: int = 3) -> list[Person]:
    """n distinct 'John Smith's in one grade: every one shares the name keys."""
    rng = random.Random(seed)
    days = rng.sample(range(3000), n)
    return [
        Person(
            id=i + 1,
            first_name="John",
            last_name="Smith",
            date_of_birth=dt.date(2008, 1, 1) + dt.timedelta(days=d),
            grade="5",
        )
        for i, d in enumerate(days)
    ]


def test_big_block_is_windowed_and_still_yields_the_true_pair() -> None:
    people = _crowded_grade(300)
    original = people[137]
    # A second account of one of them (no number, same birth date): R3 counts it as a seat.
    people.append(
        Person(
            id=999,
            first_name="JOHN",
            last_name="Smith",
            date_of_birth=original.date_of_birth,
            grade="5",
        )
    )
    norms = [normalise(x) for x in people]
    shared = set.intersection(*(block_keys(n) for n in norms))
    assert shared  # one block holds all 301 records: far over FULL_BLOCK
    assert len(people) > FULL_BLOCK
    pairs = candidate_pairs(norms)
    assert (137, 300) in pairs
    # windowed, not quadratic: 301 records in one block give far fewer than 301*300/2 pairs
    assert len(pairs) < len(people) * WINDOW * 4
    groups = find_groups(people)
    assert [g.ids for g in groups] == [(original.id, 999)]


def test_big_block_is_not_skipped() -> None:
    # Before windowing, blocks over 400 records were skipped: the pair was never compared.
    people = _crowded_grade(600)
    twin_account = Person(
        id=9999,
        first_name="John",
        last_name="Smith",
        date_of_birth=people[10].date_of_birth,
        grade="5",
    )
    pairs = candidate_pairs([normalise(x) for x in [*people, twin_account]])
    assert (10, 600) in pairs


def test_typo_keys_catch_a_surname_typo_that_changes_its_sound() -> None:
    a = Person(id=1, first_name="Emma", last_name="Jonhson", grade="3")
    b = Person(id=2, first_name="Emma", last_name="Johnson", grade="3")
    assert phonetic("jonhson") != phonetic("johnson")  # the sound keys alone would miss it
    assert (0, 1) in candidate_pairs([normalise(a), normalise(b)])
    _, evidence = pair_score(a, b)
    assert "Jonhson ~ Johnson (one typo)" in evidence


def test_typo_keys_catch_a_first_name_typo_in_its_first_letters() -> None:
    a = Person(id=1, first_name="Mcihael", last_name="Okafor", grade="7")
    b = Person(id=2, first_name="Michael", last_name="Okafor", grade="7")
    assert (0, 1) in candidate_pairs([normalise(a), normalise(b)])


def test_a_transfer_with_both_names_misspelled_meets_on_birth_date_and_first_letters() -> None:
    # Another school, the next grade, no student number, and a typo in each name that changes
    # its sound: the grade-keyed name and typo keys cannot meet; the birth date + the first two
    # letters of both names does (issue 14.5 kept it when the initials key went).
    a = Person(id=1, first_name="Christopher", last_name="Nguyen", grade="5", date_of_birth=DOB)
    b = Person(id=2, first_name="Christohper", last_name="Ngyuen", grade="6", date_of_birth=DOB)
    assert phonetic("christopher") != phonetic("christohper")
    assert phonetic("nguyen") != phonetic("ngyuen")
    assert (0, 1) in candidate_pairs([normalise(a), normalise(b)])


def test_birth_date_keys_hold_whole_sounds_so_their_blocks_stay_small() -> None:
    # Same birth date, first names that share only the start of their sound (XRS: Christopher,
    # Christian, Christina...): not compared on that alone (29% fewer pairs at 1M; bench/README).
    a = Person(id=1, first_name="Christopher", last_name="Alvarez", grade="4", date_of_birth=DOB)
    b = Person(id=2, first_name="Christian", last_name="Okafor", grade="2", date_of_birth=DOB)
    assert phonetic("christopher")[:3] == phonetic("christian")[:3]
    assert (0, 1) not in candidate_pairs([normalise(a), normalise(b)])


def test_twins_with_consecutive_numbers_and_a_rare_surname_are_not_grouped() -> None:
    # R3: twins are two children and two seats. Consecutive student numbers, same rare
    # surname, same birth date, grade and school: only the first names differ.
    crowd = _crowded_grade(2000)
    twins = [
        Person(
            id=pid,
            first_name=first,
            last_name="Deppner",
            date_of_birth=DOB,
            grade="3",
            number=number,
            school_id=7,
        )
        for pid, first, number in ((50001, "Olivia", "100041"), (50002, "Phillip", "100042"))
    ]
    groups = find_groups([*crowd, *twins])
    assert all(not {50001, 50002} & set(g.ids) for g in groups)
    score, evidence = pair_score(*twins)
    assert score < 0.01
    assert any("twins" in e for e in evidence)
    assert "student number one digit apart" not in evidence


def test_a_misspelt_first_name_is_not_taken_for_a_twin() -> None:
    # One letter dropped is a typo, not another child: still one student.
    score, _ = pair_score(
        Person(id=1, first_name="Katherine", last_name="Deppner", date_of_birth=DOB, grade="3"),
        Person(id=2, first_name="Katherin", last_name="Deppner", date_of_birth=DOB, grade="3"),
    )
    assert score >= 0.9


def test_candidate_pairs_per_student_stay_bounded_on_20k_crowded_names() -> None:
    # 20,000 students drawn from only 12 x 12 names in 3 grades: name blocks hold ~140
    # records each. Quadratic blocking would give thousands of pairs per student.
    rng = random.Random(20)
    firsts = ["Liam", "Emma", "Noah", "Olivia", "Ava", "Ethan", "Mia", "Lucas", "Zoe", "Ian"]
    firsts += ["Aria", "Owen"]
    lasts = ["Smith", "Lee", "Garcia", "Brown", "Nguyen", "Patel", "Kim", "Lopez", "Young"]
    lasts += ["Cruz", "Ward", "Reed"]
    people = [
        Person(
            id=i + 1,
            first_name=rng.choice(firsts),
            last_name=rng.choice(lasts),
            date_of_birth=dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(1100)),
            grade=str(rng.randint(3, 5)),
            number=str(300000 + i),
        )
        for i in range(20_000)
    ]
    planted = []
    for k in range(0, 20_000, 500):  # 40 second accounts (no number), same name and birth date
        o = people[k]
        planted.append((k, len(people)))
        people.append(
            Person(
                id=100_000 + k,
                first_name=o.first_name,
                last_name=o.last_name,
                date_of_birth=o.date_of_birth,
                grade=o.grade,
            )
        )
    pairs = candidate_pairs([normalise(x) for x in people])
    assert len(pairs) / len(people) < 40
    assert all(pr in pairs for pr in planted)
