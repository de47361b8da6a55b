"""Blocking: keys two accounts of one person very likely share, and the candidate pairs."""

from __future__ import annotations

from collections import defaultdict

from seatkeeper.dedup.matching.names import Norm, canonical_names, phonetic

# Blocks up to FULL_BLOCK records compare every pair. A bigger block (a common name in a big
# district) is sorted by the names and birth date and each record is compared with its next
# WINDOW neighbours only (sorted neighbourhood), so its pairs grow linearly with its size instead
# of quadratically, and accounts spelled alike still meet. Measured in bench/README.md (De-Dup).
FULL_BLOCK = 40
WINDOW = 12


def block_keys(n: Norm) -> set[str]:
    """Keys two accounts of one person very likely share at least one of."""
    keys: set[str] = set()
    if n.number:
        keys.add(f"n:{n.number}")
    if n.email_local and len(n.email_local) >= 4:
        keys.add(f"e:{n.email_local}")
    if n.username and len(n.username) >= 4:
        keys.add(f"u:{n.username}")
    if n.dob is not None:
        # Birth date + the sound of either name (same namespace, so swapped names still meet;
        # one name replaced by another still meets on the other). An initial alone would let
        # blocks grow with the district, since birth dates crowd into ~13 years.
        d = n.dob.isoformat()
        for tok in n.first + n.last:
            keys.add(f"d:{d}:{phonetic(tok)[:3]}")
        if n.first and n.last:
            keys.add(f"d:{d}:{n.first[0][0]}{n.last[-1][0]}")
    lasts = {phonetic(tok) for tok in n.last} | ({phonetic("".join(n.last))} if n.last else set())
    fams: set[str] = set()
    for tok in n.first:
        # The name and the full names it may be short for: Kate and Katherine meet on
        # "katherine", Bobby and Robert on "robert".
        fams |= {tok} | canonical_names(tok)
    # Name keys carry the grade (empty when unknown): same-name students of different grades
    # are never compared on names alone, which keeps blocks small in big districts.
    g = n.grade
    for lp in lasts:
        for f in fams:
            keys.add(f"l:{g}:{lp}:{f[:3]}")
    if n.first and n.last:
        pf, pl = phonetic(n.first[0]), phonetic(n.last[-1])
        keys.add(f"p:{g}:" + "|".join(sorted((pf, pl))))
        # Typos that change a name's sound ("Jonhson" ~ "Johnson"): the exact other name with
        # the first and with the last three letters; one typo in a name of 6+ letters leaves
        # one of the two intact.
        lj, fj = "".join(n.last), n.first[0]
        keys.add(f"f:{g}:{fj}:{lj[:3]}")
        keys.add(f"f:{g}:{fj}:-{lj[-3:]}")
        keys.add(f"s:{g}:{lj}:{fj[:3]}")
        keys.add(f"s:{g}:{lj}:-{fj[-3:]}")
    return keys


def _order(n: Norm) -> tuple[str, str, str]:
    """Sort key inside a big block: names, then birth date (alike accounts sit together)."""
    return ("".join(n.first), "".join(n.last), n.dob.isoformat() if n.dob else "")


def candidate_pairs(
    norms: list[Norm], *, full_block: int = FULL_BLOCK, window: int = WINDOW
) -> set[tuple[int, int]]:
    """Index pairs (i < j) sharing a block key: every pair in a small block, the next `window`
    neighbours (by names and birth date) in a big one. At most about
    keys-per-record x max(full_block, 2 x window) pairs per record, whatever the district size."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, n in enumerate(norms):
        for k in block_keys(n):
            blocks[k].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        m = len(members)
        if m < 2:
            continue
        if m <= full_block:
            for x in range(m):
                mi = members[x]
                for y in range(x + 1, m):
                    pairs.add((mi, members[y]))
            continue
        members.sort(key=lambda i: _order(norms[i]))
        for x in range(m):
            mi = members[x]
            for y in range(x + 1, min(m, x + 1 + window)):
                my = members[y]
                pairs.add((mi, my) if mi < my else (my, mi))
    return pairs
