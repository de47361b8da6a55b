"""Pure duplicate detection: normalise people, block, score pairs, group (no ORM).

Why duplicates matter: each account takes a seat (R3). This module finds accounts of one person
and says why, in words, per field. Scoring is a Fellegi-Sunter style sum of log-odds weights per
field (agreement adds, disagreement subtracts, a missing field adds nothing, so missing fields
lower confidence instead of breaking anything), passed through a logistic into 0..1. Exact name
agreement is weighted by how rare the name is in the data set (term frequency), as splink does.

Blocking: only records sharing a key (student number, email local part, date of birth + a
name's whole sound or the first two letters of both names, a phonetic surname + a first-name
family, a phonetic name pair in either order, an exact name + the other name's first or last
three letters for typos) are compared; a block over FULL_BLOCK records is sorted and compared
through a WINDOW of neighbours, so a record's candidates are bounded however big the district
(bench/README.md). Grouping is a greedy union that refuses to join two clusters
when any cross pair contradicts (score under `CONSISTENCY`), so A~B and B~C never chain A into C
when A and C are plainly different people.
"""

from seatkeeper.dedup.matching.blocking import FULL_BLOCK, WINDOW, block_keys, candidate_pairs
from seatkeeper.dedup.matching.grouping import (
    CONSISTENCY,
    DEFAULT_THRESHOLD,
    POSSIBLE_FLOOR,
    Link,
    Match,
    Possible,
    density_shift,
    find_groups,
    scored_pairs,
)
from seatkeeper.dedup.matching.names import (
    Norm,
    Person,
    canonical_names,
    fold,
    name_family,
    normalise,
    phonetic,
    tokens,
)
from seatkeeper.dedup.matching.scoring import PRIOR, Tally, compare, pair_score, score_of

__all__ = [
    "CONSISTENCY",
    "DEFAULT_THRESHOLD",
    "FULL_BLOCK",
    "PRIOR",
    "Link",
    "Match",
    "POSSIBLE_FLOOR",
    "Possible",
    "Norm",
    "Person",
    "WINDOW",
    "Tally",
    "block_keys",
    "canonical_names",
    "candidate_pairs",
    "compare",
    "density_shift",
    "find_groups",
    "fold",
    "name_family",
    "normalise",
    "pair_score",
    "phonetic",
    "score_of",
    "scored_pairs",
    "tokens",
]
