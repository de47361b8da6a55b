"""Accent- and case-insensitive name search (issue 17.14): "Nunez" finds "Núñez".

One folding rule, `fold()`, used on both sides of the comparison: lower case, then every Latin
letter with a diacritic (Latin-1 Supplement and Latin Extended-A/B) read as its base letter, and
the few letters that are two (ß, æ, œ, ĳ) spelt out. In the database the same rule is the SQL
function `Fold`: on SQLite a Python function registered on each connection (`register_sqlite`),
on PostgreSQL `translate(lower(x), ...)` with the same table, so no extension, no new column, no
table rebuild (the seat-ledger triggers on roster tables stay untouched).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.models import F, Func, Q, TextField
from django.db.models.lookups import Contains

MULTI = {"ß": "ss", "æ": "ae", "œ": "oe", "ĳ": "ij", "ø": "o", "đ": "d", "ł": "l", "ħ": "h"}


def _table() -> tuple[str, str]:
    src, dst = [], []
    for code in range(0xC0, 0x250):
        ch = chr(code)
        if ch != ch.lower() or ch in MULTI:
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if len(base) == 1 and base != ch and base.isascii():
            src.append(ch)
            dst.append(base)
    for ch, base in MULTI.items():
        if len(base) == 1:
            src.append(ch)
            dst.append(base)
    return "".join(src), "".join(dst)


FOLD_FROM, FOLD_TO = _table()
_TRANSLATE = str.maketrans(FOLD_FROM, FOLD_TO)
_PAIRS = {k: v for k, v in MULTI.items() if len(v) > 1}


def fold(value: str | None) -> str:
    """The search form of a string (the Python half of `Fold`)."""
    out = (value or "").lower().translate(_TRANSLATE)
    for ch, base in _PAIRS.items():
        out = out.replace(ch, base)
    return out


class Fold(Func):
    """SQL: the `fold()` of a text column."""

    function = "sk_fold"
    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        out = f"translate(lower({sql}), %s, %s)"
        params = [*params, FOLD_FROM, FOLD_TO]
        for ch, base in _PAIRS.items():
            out = f"replace({out}, %s, %s)"
            params += [ch, base]
        return out, params


def folded_contains(fields: tuple[str, ...] | list[str], term: str) -> Q:
    """Q: any of `fields` contains `term`, ignoring case and accents."""
    needle = fold(term)
    cond = Q()
    for name in fields:
        cond |= Q(Contains(Fold(F(name)), needle))
    return cond


def register_sqlite(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created: give each SQLite connection `sk_fold`."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("sk_fold", 1, fold, deterministic=True)
