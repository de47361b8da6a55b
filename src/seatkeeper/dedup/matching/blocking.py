"""Blocking: keys two accounts of one person very likely share, and the candidate pairs."""

from __future__ import annotations

from collections.abc import Callable

from seatkeeper.dedup.matching.names import Norm, canonical_names, phonetic

# Blocks up to FULL_BLOCK records compare every pair. A bigger block (a common name in a big
# district) is sorted by the names and birth date and each record is compared with its next
# WINDOW neighbours only (sorted neighbourhood), so its pairs grow linearly with its size instead
# of quadratically, and accounts spelled alike still meet. Measured in bench/README.md (De-Dup).
FULL_BLOCK = 16
WINDOW = 8


def _id_keys(n: Norm) -> set[str]:
    keys: set[str] = set()
    if n.number:
        keys.add(f"n:{n.number}")
    if n.email_local and len(n.email_local) >= 4:
        keys.add(f"e:{n.email_local}")
    if n.username and len(n.username) >= 4:
        keys.add(f"u:{n.username}")
    return keys


def _dob_keys(n: Norm) -> set[str]:
    # Birth date + the whole sound of either name (same namespace, so swapped names still meet;
    # one name replaced by another still meets on the other), and + the first two letters of
    # both names (both sounds changed by typos). Initials alone, or the first three letters of a
    # sound, let the blocks grow with the district, since birth dates crowd into ~13 years: at
    # 1M students they made 29% of all candidate pairs, and no true pair that other keys missed
    # (bench/README.md, De-Dup scale).
    if n.dob is None:
        return set()
    d = n.dob.isoformat()
    keys = {f"d:{d}:{phonetic(tok)}" for tok in n.first + n.last}
    if n.first and n.last:
        keys.add(f"d:{d}:{n.first[0][:2]}.{n.last[-1][:2]}")
    return keys


def _name_keys(n: Norm) -> set[str]:
    # Name keys carry the grade (empty when unknown): same-name students of different grades
    # are never compared on names alone, which keeps blocks small in big districts.
    keys: set[str] = set()
    g = n.grade
    lasts = {phonetic(tok) for tok in n.last} | ({phonetic("".join(n.last))} if n.last else set())
    fams: set[str] = set()
    for tok in n.first:
        # The name and the full names it may be short for: Kate and Katherine meet on
        # "katherine", Bobby and Robert on "robert".
        fams |= {tok} | canonical_names(tok)
    for lp in lasts:
        for f in fams:
            keys.add(f"l:{g}:{lp}:{f[:3]}")
    if n.first and n.last:
        # swapped first and last names meet on the unordered pair of sounds
        keys.add(f"p:{g}:" + "|".join(sorted((phonetic(n.first[0]), phonetic(n.last[-1])))))
    return keys


def _typo_keys(n: Norm) -> set[str]:
    # Typos that change a name's sound ("Jonhson" ~ "Johnson"): the exact other name with the
    # first and with the last three letters; one typo in a name of 6+ letters leaves one intact.
    if not (n.first and n.last):
        return set()
    g, lj, fj = n.grade, "".join(n.last), n.first[0]
    return {
        f"f:{g}:{fj}:{lj[:3]}",
        f"f:{g}:{fj}:-{lj[-3:]}",
        f"s:{g}:{lj}:{fj[:3]}",
        f"s:{g}:{lj}:-{fj[-3:]}",
    }


# One pass per family in candidate_pairs: only one family's key index is in memory at a time.
FAMILIES: tuple[Callable[[Norm], set[str]], ...] = (_id_keys, _dob_keys, _name_keys, _typo_keys)


def block_keys(n: Norm) -> set[str]:
    """Keys two accounts of one person very likely share at least one of."""
    return set().union(*(family(n) for family in FAMILIES))


def _order(n: Norm) -> tuple[str, str, str]:
    """Sort key inside a big block: names, then birth date (alike accounts sit together)."""
    return ("".join(n.first), "".join(n.last), n.dob.isoformat() if n.dob else "")


def candidate_pairs(
    norms: list[Norm], *, full_block: int = FULL_BLOCK, window: int = WINDOW
) -> set[tuple[int, int]]:
    """Index pairs (i < j) sharing a block key: every pair in a small block, the next `window`
    neighbours (by names and birth date) in a big one. So a record has at most about
    keys x max(full_block, 2 x window) candidates, however big the district."""
    size = len(norms)
    return {divmod(c, size) for c in pair_codes(norms, full_block=full_block, window=window)}


def pair_codes(
    norms: list[Norm], *, full_block: int = FULL_BLOCK, window: int = WINDOW
) -> set[int]:
    """`candidate_pairs` as one int per pair, i * len(norms) + j: a third of the memory of a set
    of tuples and faster to fill (millions of pairs at 1M students; bench/README.md)."""
    pairs: set[int] = set()
    size = len(norms)
    for family in FAMILIES:
        # key -> first record, or the list of records once a second one shares it (most keys
        # are held by one record: no list for them)
        index: dict[str, int | list[int]] = {}
        for i, n in enumerate(norms):
            for k in family(n):
                held = index.setdefault(k, i)
                if held is i:  # the key was new: this record now holds it (one dict lookup)
                    continue
                if isinstance(held, int):
                    index[k] = [held, i]
                else:
                    held.append(i)
        for members in index.values():
            if isinstance(members, list):
                _block_pairs(norms, members, pairs, size, full_block, window)
        del index
    return pairs


def _block_pairs(
    norms: list[Norm],
    members: list[int],
    pairs: set[int],
    size: int,
    full_block: int,
    window: int,
) -> None:
    m = len(members)
    if m <= full_block:
        # members are in index order (appended while enumerating): mi < my
        for x in range(m - 1):
            base = members[x] * size
            for y in range(x + 1, m):
                pairs.add(base + members[y])
        return
    members.sort(key=lambda i: _order(norms[i]))
    for x in range(m - 1):
        mi = members[x]
        for y in range(x + 1, min(m, x + 1 + window)):
            my = members[y]
            pairs.add(mi * size + my if mi < my else my * size + mi)
