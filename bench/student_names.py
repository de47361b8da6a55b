"""Realistic student names for the scale benchmark: deterministic for a seed.

Most names are drawn by frequency from the US Census 1990 lists that the `names` package ships
(1,219 male and 4,275 female first names, 88,799 surnames, each with its share of the
population), so a big district has a few very common names (Smith ~1%, James ~1.6%) and a
long tail of rare ones, instead of a small list that every record repeats. A share comes from
Faker's locales (Spanish, German, French, Polish, Italian, Portuguese: diacritics and two-word
names; a little Chinese and Cyrillic, non-Latin scripts), and a share of surnames is hyphenated
or double, like the classic generator in bench/bench_dedup.py. Bench-only (`bench` extra).
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

# (locale, weight among the non-census names); vi_VN has no given names of its own in Faker
LOCALES = [
    ("es_MX", 40),
    ("de_DE", 10),
    ("fr_FR", 10),
    ("pl_PL", 8),
    ("it_IT", 8),
    ("pt_BR", 8),
    ("vi_VN", 6),
    ("zh_CN", 5),
    ("ru_RU", 5),
]
FOREIGN_SHARE = 0.15  # names from Faker's locales
HYPHENATED_SHARE = 0.06  # "Garcia-Lopez"
DOUBLE_SHARE = 0.03  # "Garcia Lopez" (two surnames, a space)


@cache
def _census(kind: str) -> tuple[list[str], list[float]]:
    import names

    path = (
        Path(names.__file__).parent
        / {
            "male": "dist.male.first",
            "female": "dist.female.first",
            "last": "dist.all.last",
        }[kind]
    )
    out, cum, total = [], [], 0.0
    for line in path.read_text().splitlines():
        name, freq, _, _ = line.split()
        total += max(float(freq), 0.0005)  # the tail is listed as 0.000; keep it drawable
        out.append(_title(name))
        cum.append(total)
    return out, cum


def _title(name: str) -> str:
    t = name.capitalize()
    if t.startswith("Mc") and len(t) > 3:
        t = "Mc" + t[2:].capitalize()
    return t


class StudentNames:
    """Draw (first, last) name pairs; the same seed gives the same sequence."""

    def __init__(self, seed: int) -> None:
        from faker import Faker

        self.rng = random.Random(seed)
        self._fakers = {}
        for i, (loc, _) in enumerate(LOCALES):
            f = Faker(loc)
            f.seed_instance(seed * 101 + i)
            self._fakers[loc] = f
        self._locs = [loc for loc, _ in LOCALES]
        self._weights = [w for _, w in LOCALES]

    def first(self, sex: str | None = None) -> str:
        sex = sex or self.rng.choice(("male", "female"))
        if self.rng.random() < FOREIGN_SHARE:
            loc = self.rng.choices(self._locs, self._weights)[0]
            if loc != "vi_VN":
                f = self._fakers[loc]
                return f.first_name_male() if sex == "male" else f.first_name_female()
        names, cum = _census(sex)
        return self.rng.choices(names, cum_weights=cum)[0]

    def _one_last(self) -> str:
        if self.rng.random() < FOREIGN_SHARE:
            loc = self.rng.choices(self._locs, self._weights)[0]
            return self._fakers[loc].last_name()
        names, cum = _census("last")
        return self.rng.choices(names, cum_weights=cum)[0]

    def last(self) -> str:
        last = self._one_last()
        r = self.rng.random()
        if r < HYPHENATED_SHARE:
            return f"{last}-{self._one_last()}"
        if r < HYPHENATED_SHARE + DOUBLE_SHARE:
            return f"{last} {self._one_last()}"
        return last

    def pick(self) -> tuple[str, str]:
        return self.first(), self.last()
