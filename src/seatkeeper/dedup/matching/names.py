"""Names and people as the matcher sees them: folding (case, diacritics, apostrophes,
hyphens, non-Latin scripts via anyascii), tokens, nickname families, phonetic codes."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jellyfish
from anyascii import anyascii
from nicknames import NickNamer

_NICK = NickNamer()
_SPLIT = re.compile(r"[\s\-\u2010-\u2015_.,/]+")
_DROP = re.compile(r"['\u2018\u2019\u02bc`\"()]")


@dataclass(frozen=True)
class Person:
    """One account, as the matcher sees it. Strings may be empty; dob may be None."""

    id: int
    first_name: str = ""
    last_name: str = ""
    middle_name: str = ""
    preferred_first_name: str = ""
    date_of_birth: dt.date | None = None
    grade: str = ""
    number: str = ""  # student number (or teacher staff id)
    email: str = ""
    username: str = ""
    school_id: int | None = None


@dataclass(slots=True)
class Norm:
    """Normalised fields of one Person (computed once; read-only by convention). Slots, not
    frozen: a frozen dataclass sets each field through object.__setattr__, 4.5x slower to build
    and 75% bigger, which a 1M-student district pays a million times (bench/README.md)."""

    id: int
    first: tuple[str, ...]  # tokens of first + preferred names, ascii-folded
    last: tuple[str, ...]  # tokens of the surname(s)
    middle: tuple[str, ...]
    first_raw: str
    last_raw: str
    dob: dt.date | None
    grade: str
    number: str
    email_local: str
    username: str
    school_id: int | None


def _fold(text: str) -> str:
    """Casefold, strip diacritics, transliterate non-Latin scripts (anyascii), drop apostrophes."""
    text = text or ""
    if text.isascii():  # most names and every e-mail: Unicode normalisation changes nothing
        return _DROP.sub("", text.strip()).casefold().strip()
    text = unicodedata.normalize("NFKC", text).strip()
    text = _DROP.sub("", text)
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in decomposed if not unicodedata.combining(c))
    if not text.isascii():
        text = anyascii(text)
        text = _DROP.sub("", text)
    return text.casefold().strip()


# Names repeat (a few thousand first names, a long tail of surnames): cached. Numbers, e-mails
# and usernames are one per account: folded uncached, so they never evict the names.
fold = lru_cache(maxsize=500_000)(_fold)


@lru_cache(maxsize=200_000)
def tokens(text: str) -> tuple[str, ...]:
    """Name tokens: hyphens and spaces separate several surnames; 'O'Brien' -> ('obrien',)."""
    return tuple(t for t in _SPLIT.split(fold(text)) if t)


def _email_local(email: str) -> str:
    local = (email or "").split("@", 1)[0]
    local = local.split("+", 1)[0]
    return _fold(local).replace(".", "").replace("_", "").replace("-", "")


def normalise(p: Person) -> Norm:
    first = tokens(p.first_name)
    pref = tokens(p.preferred_first_name)
    if pref and pref != first:
        first = first + tuple(t for t in pref if t not in first)
    return Norm(
        id=p.id,
        first=first,
        last=tokens(p.last_name),
        middle=tokens(p.middle_name),
        first_raw=p.first_name.strip(),
        last_raw=p.last_name.strip(),
        dob=p.date_of_birth,
        grade=fold(p.grade).lstrip("0") or ("0" if p.grade.strip() else ""),
        number=_fold(p.number).replace(" ", "").lstrip("0"),
        email_local=_email_local(p.email),
        username=_fold(p.username),
        school_id=p.school_id,
    )


@lru_cache(maxsize=100_000)
def name_family(token: str) -> frozenset[str]:
    """A first name and its nickname family (both directions of the nickname table)."""
    out = {token}
    out |= _NICK.canonicals_of(token)
    out |= _NICK.nicknames_of(token)
    return frozenset(out)


@lru_cache(maxsize=100_000)
def canonical_names(token: str) -> frozenset[str]:
    return frozenset(_NICK.canonicals_of(token))


@lru_cache(maxsize=200_000)
def phonetic(token: str) -> str:
    return jellyfish.metaphone(token) or token[:4] if token else ""
