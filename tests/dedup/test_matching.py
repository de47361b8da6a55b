"""Pure matching: each kind of evidence, normalisation, blocking and grouping (no database)."""

from __future__ import annotations

import datetime as dt

from seatkeeper.dedup.matching import (
    DEFAULT_THRESHOLD,
    Person,
    find_groups,
    fold,
    pair_score,
    tokens,
)

DOB = dt.date(2014, 3, 5)


def p(pk: int, first: str, last: str, **kw: object) -> Person:
    return Person(id=pk, first_name=first, last_name=last, **kw)  # type: ignore[arg-type]


def test_fold_strips_diacritics_apostrophes_and_case() -> None:
    assert fold("Seán") == "sean"
    assert fold("O'Brien") == "obrien"
    assert fold("O’Brien") == "obrien"
    assert fold("NÚÑEZ") == "nunez"
    assert tokens("García-López") == ("garcia", "lopez")
    assert tokens("Van Dyke") == ("van", "dyke")


def test_fold_transliterates_non_latin_scripts() -> None:
    assert fold("张") == "zhang"
    assert fold("Владимир") == "vladimir"


def test_same_student_number_is_evidence() -> None:
    score, ev = pair_score(
        p(1, "Liam", "Johnson", number="123"), p(2, "Liam", "Jonhson", number="123")
    )
    assert "same student number" in ev
    assert "Johnson ~ Jonhson (one typo)" in ev
    assert score >= DEFAULT_THRESHOLD


def test_nickname_evidence_in_words() -> None:
    score, ev = pair_score(
        p(1, "Katherine", "Smith", date_of_birth=DOB, grade="3"),
        p(2, "Kate", "Smith", date_of_birth=DOB, grade="3"),
    )
    assert ev[0] == "Katherine ~ Kate (nickname)"
    assert "same date of birth" in ev
    assert "same grade" in ev
    assert score >= DEFAULT_THRESHOLD


def test_swapped_first_and_last_name() -> None:
    score, ev = pair_score(
        p(1, "Wei", "Zhang", date_of_birth=DOB), p(2, "Zhang", "Wei", date_of_birth=DOB)
    )
    assert "swapped first and last name" in ev
    assert score >= DEFAULT_THRESHOLD


def test_same_email_local_part() -> None:
    score, ev = pair_score(
        p(1, "Amy", "Lee", email="amy.lee@school.org"), p(2, "Amy", "Lee", email="amylee@gmail.com")
    )
    assert "same email local part" in ev
    assert score >= DEFAULT_THRESHOLD


def test_diacritics_and_apostrophes_match_plain_spelling() -> None:
    score, ev = pair_score(
        p(1, "Seán", "O'Brien", date_of_birth=DOB, grade="4"),
        p(2, "Sean", "OBrien", date_of_birth=DOB, grade="4"),
    )
    assert ev[:2] == ("same first name", "same last name")
    assert score >= DEFAULT_THRESHOLD


def test_several_surnames_share_one() -> None:
    _, ev = pair_score(
        p(1, "José", "García-López", date_of_birth=DOB), p(2, "Jose", "Garcia", date_of_birth=DOB)
    )
    assert "García-López ~ Garcia (shared surname)" in ev


def test_cjk_name_matches_its_transliteration() -> None:
    score, ev = pair_score(
        p(1, "伟", "张", date_of_birth=DOB, grade="2"),
        p(2, "Wei", "Zhang", date_of_birth=DOB, grade="2"),
    )
    assert ev[:2] == ("same first name", "same last name")
    assert score >= DEFAULT_THRESHOLD


def test_missing_fields_lower_confidence_without_breaking() -> None:
    full, _ = pair_score(
        p(1, "Maya", "Okafor", date_of_birth=DOB, grade="3"),
        p(2, "Maya", "Okafor", date_of_birth=DOB, grade="3"),
    )
    bare, ev = pair_score(p(1, "Maya", "Okafor"), p(2, "Maya", "Okafor"))
    assert bare < full
    assert ev == ("same first name", "same last name")
    empty, ev = pair_score(p(1, "", ""), p(2, "", ""))
    assert empty < 0.01
    assert ev == ()


def test_different_dob_and_first_name_is_not_a_match() -> None:
    score, ev = pair_score(
        p(1, "Ana", "Smith", date_of_birth=DOB, grade="3"),
        p(2, "Maria", "Smith", date_of_birth=DOB, grade="3"),
    )
    assert score < 0.1
    assert "different first names (Ana ~ Maria)" in ev


def test_twins_are_not_grouped() -> None:
    people = [
        p(1, "Liam", "Rossi", date_of_birth=DOB, grade="3", school_id=1),
        p(2, "Noah", "Rossi", date_of_birth=DOB, grade="3", school_id=1),
    ]
    assert find_groups(people) == []


def test_three_accounts_of_one_child_are_one_group() -> None:
    people = [
        p(1, "Katherine", "Brown", date_of_birth=DOB, grade="3", number="777"),
        p(2, "Kate", "Brown", date_of_birth=DOB, grade="3"),
        p(3, "Katherine", "Brwon", date_of_birth=DOB, grade="3", number="777"),
        p(4, "Oliver", "Brown", date_of_birth=DOB, grade="3"),
    ]
    groups = find_groups(people)
    assert [g.ids for g in groups] == [(1, 2, 3)]
    assert "Katherine ~ Kate (nickname)" in groups[0].evidence


def test_grouping_never_chains_contradicting_accounts() -> None:
    # 1~2 (same number) and 2~3 (same name and dob) but 1 and 3 differ in number and dob.
    people = [
        p(1, "Sam", "Lee", number="100", date_of_birth=dt.date(2014, 1, 1)),
        p(2, "Sam", "Lee", number="100"),
        p(3, "Sam", "Lee", number="200", date_of_birth=dt.date(2013, 6, 9)),
    ]
    groups = find_groups(people, threshold=0.5)
    assert all(not {1, 3} <= set(g.ids) for g in groups)


def test_not_duplicates_pairs_are_excluded() -> None:
    people = [p(1, "Ava", "Ito", date_of_birth=DOB), p(2, "Ava", "Ito", date_of_birth=DOB)]
    assert [g.ids for g in find_groups(people)] == [(1, 2)]
    assert find_groups(people, excluded={frozenset((1, 2))}) == []


def crowd(n: int = 300) -> list[Person]:
    """Distinct other students, so name and birth-date frequencies look like a school's."""
    return [
        p(
            1000 + i,
            f"Given{i}",
            f"Family{i}",
            date_of_birth=dt.date(2010, 1, 1) + dt.timedelta(days=i),
        )
        for i in range(n)
    ]


def test_groups_sorted_by_score_desc() -> None:
    people = crowd() + [
        p(1, "Kate", "Smith", date_of_birth=DOB, grade="3"),
        p(2, "Katherine", "Smith", date_of_birth=DOB, grade="3"),
        p(3, "Omar", "Haddad", number="55"),
        p(4, "Omar", "Haddad", number="55"),
    ]
    groups = find_groups(people)
    assert [g.ids for g in groups] == [(3, 4), (1, 2)]
    assert groups[0].score >= groups[1].score
