"""CSV files meant for spreadsheets, safe to open: no cell can run as a formula.

A cell that starts with = + - @ (or a tab or carriage return, which some spreadsheets skip
before them) is read by Excel, LibreOffice and Google Sheets as a formula: `=HYPERLINK(...)` in
a student's name would run on an admin's machine (OWASP "CSV injection"). Such cells get a
leading apostrophe, which spreadsheets show as text and do not display. Every CSV the product
writes for people goes through `writer()`; the OneRoster export does not (it is read by SIS
software, byte for byte).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _Writer:
    def __init__(self, out: Any) -> None:
        self._w = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._w.writerow([cell(v) for v in row])


def writer(out: Any) -> _Writer:
    """A csv.writer whose every cell is neutralised (see the module doc)."""
    return _Writer(out)
