"""Reading OneRoster CSV sets: a zip or a folder, streamed row by row (the parser).

Files are found case-insensitively (`userProfiles.csv` and `userprofiles.csv` are the same),
in the shallowest folder holding `manifest.csv` (or `users.csv`) so a zip with a top folder or
extra folders (`__MACOSX/`) works. Text is decoded as UTF-8 (a BOM is accepted); anything else
is reported with the file and line where decoding failed, never a traceback. Headers are
trimmed and empty header cells (trailing commas) dropped; a header name that differs from a
known column only in case (`birthdate`) is read as that column (`canonical_header`), and the
caller says so in its notes.

Only the OneRoster files Seatkeeper reads (`KNOWN_FILES`) are ever opened; other CSV files are
listed as ignored, and member names that climb out of their folder (`../`, absolute paths)
are ignored too. A zip passes the upload and archive limits (`archive.py`, issue 18.1) before
anything is read from it, and its members are read as bounded, counted streams.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from seatkeeper.errors import FieldProblem, InvalidInput
from seatkeeper.roster.oneroster import archive

csv.field_size_limit(1 << 20)
# A OneRoster file has about twenty columns; PostgreSQL tables stop at 1,600 (the staging table
# takes one more). Wider files are refused with the file and line, never a database error.
MAX_COLUMNS = 1000
# The OneRoster files read (lower case); any other file in the set is never opened.
KNOWN_FILES = frozenset(
    {
        "manifest.csv",
        "orgs.csv",
        "academicsessions.csv",
        "classes.csv",
        "courses.csv",
        "users.csv",
        "enrollments.csv",
        "roles.csv",
        "demographics.csv",
    }
)


class ReadError(Exception):
    """A file could not be read at all (bad encoding, not a CSV, not a zip)."""

    def __init__(self, problem: FieldProblem):
        super().__init__(problem.message)
        self.problem = problem


class Row:
    """One CSV record: the physical line it starts on (header is line 1) and its cells.

    Rows of one file share the header's column index, so a row costs its cells and nothing
    more (no dict per row); only the current row is alive while a file streams.
    """

    __slots__ = ("cells", "index", "line")

    def __init__(self, line: int, cells: list[str], index: dict[str, int]):
        self.line = line
        self.cells = cells
        self.index = index

    def get(self, key: str) -> str:
        i = self.index.get(key)
        if i is None or i >= len(self.cells):  # short rows: missing cells are ""
            return ""
        return self.cells[i].strip()


@dataclass
class Source:
    """A OneRoster set: where its files are and how to open them."""

    label: str
    names: dict[str, str] = field(default_factory=dict)  # lower-case file name -> member path
    ignored: list[str] = field(default_factory=list)  # members outside the set's folder
    unknown: list[str] = field(default_factory=list)  # CSV files in it that are not read
    zip: zipfile.ZipFile | None = None
    root: Path | None = None
    zip_path: Path | None = None
    limits: archive.Limits | None = None

    def has(self, name: str) -> bool:
        return name.lower() in self.names

    def open_bytes(self, name: str) -> IO[bytes]:
        member = self.names[name.lower()]
        if self.zip is not None:
            assert self.zip_path is not None
            assert self.limits is not None
            return archive.open_member(
                self.zip_path, self.zip.getinfo(member), self.label, self.limits
            )
        assert self.root is not None
        return (self.root / member).open("rb")

    def size(self, name: str) -> int:
        """The file's size in bytes (uncompressed), for progress."""
        member = self.names[name.lower()]
        if self.zip is not None:
            return self.zip.getinfo(member).file_size
        assert self.root is not None
        return (self.root / member).stat().st_size

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()

    def file_name(self, name: str) -> str:
        return PurePosixPath(self.names[name.lower()]).name


def open_source(path: str | Path, label: str | None = None) -> Source:
    """Open a zip file or a folder of OneRoster CSV files, within the import limits
    (`archive.py`): a zip is refused before anything is staged when it is too large, holds
    too many members, or a member it would read expands past the ratio or size limits."""
    p = Path(path)
    label = label or p.name
    limits = archive.Limits.current()
    if p.is_dir():
        members = [str(f.relative_to(p)).replace("\\", "/") for f in p.rglob("*") if f.is_file()]
        src = Source(label=label, root=p, limits=limits)
        _index(src, members)
        archive.folder_expanded(p, src.names.values(), label, limits)
        return src
    if p.is_file():
        archive.check_upload_size(p, label, limits)
        archive.check_directory(p, label, limits)
        try:
            zf = zipfile.ZipFile(p)
        except (zipfile.BadZipFile, OSError):
            raise InvalidInput(
                f"{label} is not a zip file or a folder of OneRoster CSV files.",
                problems=[FieldProblem(field="file", message="not a zip file", file=label)],
            ) from None
        try:
            if len(zf.infolist()) > limits.members:
                raise archive.too_many_members(label, limits)
            members = [m for m in zf.namelist() if not m.endswith("/")]
            src = Source(label=label, zip=zf, zip_path=p, limits=limits)
            _index(src, members)
            archive.check_members(p, [zf.getinfo(m) for m in src.names.values()], label, limits)
        except BaseException:
            zf.close()
            raise
        return src
    raise InvalidInput(
        f"{path} does not exist.",
        problems=[FieldProblem(field="path", message="no such file or folder", value=str(p))],
    )


def _index(src: Source, members: list[str]) -> None:
    csvs = [
        m
        for m in members
        if m.lower().endswith(".csv")
        and not archive.unsafe_name(m)
        and not any(part.startswith(("__MACOSX", ".")) for part in m.split("/"))
    ]
    anchors = [m for m in csvs if PurePosixPath(m).name.lower() in ("manifest.csv", "users.csv")]
    if not anchors:
        raise InvalidInput(
            f"{src.label} holds no OneRoster files (manifest.csv or users.csv).",
            problems=[
                FieldProblem(field="file", message="no manifest.csv or users.csv", file=src.label)
            ],
        )
    anchors.sort(key=lambda m: (m.count("/"), m))
    folder = str(PurePosixPath(anchors[0]).parent)
    for m in members:
        parent = str(PurePosixPath(m).parent)
        if m in csvs and parent == folder:
            if PurePosixPath(m).name.lower() in KNOWN_FILES:
                src.names[PurePosixPath(m).name.lower()] = m
            else:
                src.unknown.append(m)
        else:
            src.ignored.append(m)


def canonical_header(
    cells: list[str], known: Collection[str] = ()
) -> tuple[list[str], list[tuple[str, str]]]:
    """Each header cell trimmed, and read as a known column when it differs from it only in
    case (unless the header also has that column as written); with the (given, read as) pairs.
    """
    names = [c.strip() for c in cells]
    present = set(names)
    by_lower: dict[str, list[str]] = {}
    for k in known:
        by_lower.setdefault(k.lower(), []).append(k)
    renamed = []
    for i, h in enumerate(names):
        if not h or h in known:
            continue
        matches = by_lower.get(h.lower(), [])
        if len(matches) == 1 and matches[0] not in present:
            names[i] = matches[0]
            present.add(matches[0])
            renamed.append((h, matches[0]))
    return names, renamed


@dataclass
class Table:
    """A file opened for reading: its header as read, how wide it is, and its rows."""

    header: list[str]  # the names, empty cells dropped
    cells: list[str]  # every header cell as read (canonical names), empty ones too
    renamed: list[tuple[str, str]]  # header names read as a known column (case)
    rows: Iterator[Row]

    @property
    def width(self) -> int:
        return len(self.cells)


def read_rows(
    src: Source, name: str, known: Collection[str] = ()
) -> tuple[list[str], Iterator[Row]]:
    """Header (trimmed, empty cells dropped) and a streaming iterator of rows."""
    t = read_table(src, name, known)
    return t.header, t.rows


def read_table(src: Source, name: str, known: Collection[str] = ()) -> Table:
    """Header, width and a streaming iterator of rows (see `canonical_header` for `known`).

    Raises ReadError for a file that is empty, not UTF-8, or not parseable as CSV.
    """
    fname = src.file_name(name)
    raw = src.open_bytes(name)
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="", errors="strict")
    reader = csv.reader(_no_nul(text, fname), strict=False)
    try:
        header_cells = next(reader)
    except ReadError:
        raw.close()
        raise
    except StopIteration:
        raise ReadError(
            FieldProblem(field="file", message="the file is empty (no header row)", file=fname)
        ) from None
    except UnicodeDecodeError as exc:
        raise ReadError(_decode_problem(src, name, exc)) from None
    except csv.Error as exc:
        raise ReadError(
            FieldProblem(field="file", message=f"not a CSV file: {exc}", file=fname)
        ) from None
    if len(header_cells) > MAX_COLUMNS:
        raw.close()
        raise ReadError(
            FieldProblem(
                field="file",
                message=(
                    f"the header has {len(header_cells):,} columns; at most {MAX_COLUMNS:,} "
                    "are read (a OneRoster file has about 20)"
                ),
                file=fname,
                line=1,
            )
        )
    header, renamed = canonical_header(header_cells, known)

    index: dict[str, int] = {}
    for i, h in enumerate(header):
        if h:  # empty header cells never match; of two equal names the last wins
            index[h] = i

    def rows() -> Iterator[Row]:
        start = reader.line_num + 1
        try:
            for cells in reader:
                line = start
                start = reader.line_num + 1
                if not cells or (not cells[0] and not any(c.strip() for c in cells)):
                    continue  # blank line, or a line of empty cells (spreadsheet export)
                yield Row(line, cells, index)
        except UnicodeDecodeError as exc:
            raise ReadError(_decode_problem(src, name, exc)) from None
        except csv.Error as exc:
            raise ReadError(
                FieldProblem(field="file", message=f"CSV error: {exc}", file=fname, line=start)
            ) from None
        finally:
            raw.close()

    return Table([h for h in header if h], header, renamed, rows())


def width_problem(cells: int, header: list[str], required: Collection[str]) -> str | None:
    """Why a row of `cells` fields does not fit the header, or None when it does.

    More fields than the header: a value holding an unquoted comma shifted every later column.
    Fewer: fine when the missing fields are trailing optional ones (they read as empty), an
    error when a required column is among them.
    """
    width = len(header)
    if cells > width:
        return (
            f"the row has {cells} fields, the header {width}: a value holding a comma must be "
            'quoted ("Smith, Jr")'
        )
    if cells < width:
        missing = [h for h in header[cells:] if h in required]
        if missing:
            return (
                f"the row has {cells} fields, the header {width}: it ends before the required "
                f"column {missing[0]}"
            )
    return None


def last_required(header: list[str], required: Collection[str]) -> int:
    """How many fields a row needs so that every required column is in it (0 if none)."""
    return max((i + 1 for i, h in enumerate(header) if h in required), default=0)


def _no_nul(text: IO[str], fname: str) -> Iterator[str]:
    """The lines of `text`; ReadError at the first NUL byte (a database text column cannot hold
    one, and no roster value has one: it is a binary file, or a UTF-16 one read as UTF-8)."""
    for n, line in enumerate(text, start=1):
        if "\x00" in line:
            before = line[: line.index("\x00")]
            raise ReadError(
                FieldProblem(
                    field="file",
                    message=(
                        "a NUL byte (0x00) is not allowed in a CSV file (in the cell after "
                        f"{before.count(',')} commas); save the file as UTF-8 CSV and import "
                        "again"
                    ),
                    value=before.rsplit(",", 1)[-1][-40:],
                    file=fname,
                    line=n,
                )
            )
        yield line


def _decode_problem(src: Source, name: str, exc: UnicodeDecodeError) -> FieldProblem:
    """Where the first byte that is not UTF-8 is (decoding runs in chunks, so look again)."""
    bad = exc.object[exc.start : exc.start + 1]
    guess = (
        "UTF-16"
        if exc.object[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
        else ("Windows-1252 or Latin-1")
    )
    line, value = None, None
    with src.open_bytes(name) as fh:
        for n, raw_line in enumerate(fh, start=1):
            try:
                raw_line.decode("utf-8")
            except UnicodeDecodeError:
                line, value = n, raw_line.decode("latin-1").strip()[:80]
                break
    return FieldProblem(
        field="encoding",
        message=(
            f"not UTF-8 text (byte {bad!r}; it looks like {guess}); "
            'save the file as UTF-8 ("CSV UTF-8") and import again'
        ),
        value=value,
        file=src.file_name(name),
        line=line,
    )


def read_manifest(src: Source) -> dict[str, str]:
    if not src.has("manifest.csv"):
        return {}
    _, rows = read_rows(src, "manifest.csv")
    out = {}
    for row in rows:
        vals = row.cells
        if len(vals) >= 2:
            out[vals[0].strip()] = vals[1].strip()
    return out
