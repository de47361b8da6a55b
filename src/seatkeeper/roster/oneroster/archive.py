"""Upload and archive limits, and zip members read as bounded streams (issue 18.1).

Every import (web page, CLI, background task) opens its zip through `reader.open_source`,
which calls `check_archive` before anything is staged:

- the upload's size (`SEATKEEPER_IMPORT_MAX_UPLOAD_BYTES`, 200 MB);
- the number of members (`SEATKEEPER_IMPORT_MAX_MEMBERS`, 50), read from the end-of-central-
  directory record *before* `zipfile` parses the directory, and the directory's size bounded
  too, so a zip of a million empty entries is refused without building a million objects;
- each member's expansion ratio (`SEATKEEPER_IMPORT_MAX_RATIO`, 100:1; members that expand to
  at most `RATIO_FLOOR` are never refused for their ratio);
- the total expanded size of the members that are read (`SEATKEEPER_IMPORT_MAX_EXPANDED_BYTES`,
  2 GB).

Sizes are counted as bytes come out of the decompressor, in chunks of `CHUNK` bytes: the sizes
the zip header declares are never trusted. `zipfile.ZipExtFile` decompresses bzip2 and LZMA
input without an output bound (4 kB of a bzip2 bomb can yield gigabytes in one call), so a
member is read here from its raw compressed bytes with a bounded decompressor
(`MemberStream`), and `Source.open_bytes` reads through the same stream with the same limits.
"""

from __future__ import annotations

import bz2
import io
import lzma
import os
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from seatkeeper.errors import FieldProblem, InvalidInput

CHUNK = 1 << 16  # decompressed bytes per read
RAW_CHUNK = 1 << 14  # compressed bytes fed to the decompressor at a time
RATIO_FLOOR = 1 << 20  # a member expanding to at most 1 MiB is never refused for its ratio
DIRECTORY_BYTES_PER_MEMBER = 1024  # central directory bytes allowed per member
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    upload_bytes: int
    expanded_bytes: int
    ratio: float
    members: int

    @classmethod
    def current(cls) -> Limits:
        return cls(
            upload_bytes=int(settings.SEATKEEPER_IMPORT_MAX_UPLOAD_BYTES),
            expanded_bytes=int(settings.SEATKEEPER_IMPORT_MAX_EXPANDED_BYTES),
            ratio=float(settings.SEATKEEPER_IMPORT_MAX_RATIO),
            members=int(settings.SEATKEEPER_IMPORT_MAX_MEMBERS),
        )


def size_text(n: float) -> str:
    if n >= 1024 * MB:
        return f"{n / (1024 * MB):,.1f} GB".replace(".0 GB", " GB")
    if n >= MB:
        return f"{n / MB:,.1f} MB".replace(".0 MB", " MB")
    return f"{int(n):,} bytes"


class LimitExceeded(InvalidInput):
    """An upload or archive beyond a configured limit: refused, nothing staged or written."""

    code = "import_limit"

    def __init__(self, message: str, *, file: str, setting: str):
        super().__init__(
            f"{message} Import refused, nothing was written.",
            problems=[FieldProblem(field=setting, message=message, file=file)],
            limit=setting,
        )


def upload_too_large(label: str, limits: Limits) -> LimitExceeded:
    return LimitExceeded(
        f"{label} is larger than the upload limit of {size_text(limits.upload_bytes)} "
        "(SEATKEEPER_IMPORT_MAX_UPLOAD_BYTES).",
        file=label,
        setting="SEATKEEPER_IMPORT_MAX_UPLOAD_BYTES",
    )


def check_upload_size(path: Path, label: str, limits: Limits | None = None) -> None:
    limits = limits or Limits.current()
    if path.stat().st_size > limits.upload_bytes:
        raise upload_too_large(label, limits)


def too_many_members(label: str, limits: Limits) -> LimitExceeded:
    return LimitExceeded(
        f"{label} holds more than {limits.members:,} members, the limit "
        "(SEATKEEPER_IMPORT_MAX_MEMBERS).",
        file=label,
        setting="SEATKEEPER_IMPORT_MAX_MEMBERS",
    )


def check_directory(path: Path, label: str, limits: Limits) -> None:
    """Refuse a zip declaring too many members, or a central directory too large for them,
    from its end record alone (before `zipfile` reads the directory into memory)."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        tail_len = min(size, 22 + 65535)
        fh.seek(size - tail_len)
        tail = fh.read(tail_len)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            return  # not a zip: zipfile says so
        _, _, _, _, entries, cd_size, _, _ = struct.unpack("<4s4H2LH", tail[at : at + 22])
        if entries == 0xFFFF or cd_size == 0xFFFFFFFF:  # zip64: the locator precedes the end
            loc = tail[at - 20 : at] if at >= 20 else b""
            if loc[:4] == b"PK\x06\x07":
                _, _, z64_offset, _ = struct.unpack("<4sLQL", loc)
                fh.seek(z64_offset)
                rec = fh.read(56)
                if rec[:4] == b"PK\x06\x06" and len(rec) == 56:
                    entries, cd_size = struct.unpack("<4sQ2H2L4Q", rec)[7:9]
    if entries > limits.members or cd_size > limits.members * DIRECTORY_BYTES_PER_MEMBER:
        raise too_many_members(label, limits)


class MemberStream(io.RawIOBase):
    """One zip member's bytes, decompressed in bounded chunks, counted as they come out.

    Raises LimitExceeded once the member expands past its ratio allowance or `cap` bytes,
    and a bad-zip InvalidInput for a corrupt member (CRC checked at the end)."""

    def __init__(
        self,
        zip_path: Path,
        info: zipfile.ZipInfo,
        *,
        label: str,
        limits: Limits,
        cap: int | None = None,
    ):
        super().__init__()
        self.info = info
        self.name = info.filename
        self.label = label
        self.limits = limits
        self.cap = limits.expanded_bytes if cap is None else cap
        self.allowance = max(info.compress_size * limits.ratio, RATIO_FLOOR)
        self.count = 0
        self._crc = 0
        self._buf = b""
        self._eof = False
        self._fh = zip_path.open("rb")
        try:
            self._fh.seek(info.header_offset)
            header = self._fh.read(30)
            if len(header) != 30 or header[:4] != b"PK\x03\x04":
                raise self._corrupt("no local header")
            flags, method = struct.unpack("<HH", header[6:10])
            name_len, extra_len = struct.unpack("<HH", header[26:30])
            if flags & 0x1:
                raise InvalidInput(
                    f"{self.name} in {label} is encrypted; upload an unencrypted zip.",
                    problems=[FieldProblem(field="file", message="encrypted", file=self.name)],
                )
            self._fh.seek(info.header_offset + 30 + name_len + extra_len)
        except BaseException:
            self._fh.close()
            raise
        self._left = info.compress_size
        self._dec: Any
        self._zlib = info.compress_type == zipfile.ZIP_DEFLATED
        if info.compress_type == zipfile.ZIP_STORED:
            self._dec = None
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            self._dec = zlib.decompressobj(-15)
        elif info.compress_type == zipfile.ZIP_BZIP2:
            self._dec = bz2.BZ2Decompressor()
        elif info.compress_type == zipfile.ZIP_LZMA:
            self._dec = _ZipLzma()
        else:
            self._fh.close()
            raise InvalidInput(
                f"{self.name} in {label} uses a compression method Seatkeeper cannot read "
                f"({info.compress_type}); zip it again with the usual (deflate) method.",
                problems=[
                    FieldProblem(field="file", message="unknown compression", file=self.name)
                ],
            )

    def _corrupt(self, why: str) -> InvalidInput:
        return InvalidInput(
            f"{self.name} in {self.label} is damaged ({why}); make the zip again.",
            problems=[
                FieldProblem(field="file", message=f"damaged zip member: {why}", file=self.name)
            ],
        )

    def readable(self) -> bool:
        return True

    def _raw(self) -> bytes:
        n = min(self._left, RAW_CHUNK)
        data = self._fh.read(n) if n else b""
        self._left -= len(data)
        if n and not data:
            raise self._corrupt("the file ends inside it")
        return data

    def _next_chunk(self) -> bytes:
        """Up to CHUNK decompressed bytes; b"" at the member's end."""
        dec = self._dec
        while True:
            if dec is None:
                return self._raw()
            if self._zlib:
                data = dec.unconsumed_tail or self._raw()
                if not data:
                    return dec.flush() if not dec.eof else b""
                out = dec.decompress(data, CHUNK)
            else:
                if dec.eof:
                    return b""
                data = self._raw() if dec.needs_input else b""
                if dec.needs_input and not data:
                    raise self._corrupt("the compressed data ends early")
                out = dec.decompress(data, CHUNK)
            if out:
                return out

    def _take(self) -> bytes:
        if self._eof:
            return b""
        try:
            out = self._next_chunk()
        except (zlib.error, OSError, EOFError, lzma.LZMAError) as exc:
            raise self._corrupt(str(exc) or type(exc).__name__) from None
        if not out:
            self._eof = True
            if (self._crc & 0xFFFFFFFF) != self.info.CRC:
                raise self._corrupt("CRC check failed")
            return b""
        self.count += len(out)
        self._crc = zlib.crc32(out, self._crc)
        if self.count > self.allowance:
            raise LimitExceeded(
                f"{self.name} in {self.label} expands more than {self.limits.ratio:g}:1 "
                f"(over {size_text(self.count)} from {size_text(self.info.compress_size)} "
                "compressed), past the limit SEATKEEPER_IMPORT_MAX_RATIO.",
                file=self.name,
                setting="SEATKEEPER_IMPORT_MAX_RATIO",
            )
        if self.count > self.cap:
            raise expanded_too_large(self.name, self.label, self.limits)
        return out

    def readinto(self, b: Any) -> int:
        if not self._buf:
            self._buf = self._take()
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
        super().close()


def expanded_too_large(name: str, label: str, limits: Limits) -> LimitExceeded:
    return LimitExceeded(
        f"{name} in {label} takes the files past {size_text(limits.expanded_bytes)} expanded, "
        "the limit SEATKEEPER_IMPORT_MAX_EXPANDED_BYTES.",
        file=name,
        setting="SEATKEEPER_IMPORT_MAX_EXPANDED_BYTES",
    )


class _ZipLzma:
    """LZMA as zip stores it: a 4-byte version and properties-size prefix, then the
    properties, then the raw stream (what zipfile's LZMADecompressor does, bounded)."""

    def __init__(self) -> None:
        self._head = b""
        self._dec: lzma.LZMADecompressor | None = None

    @property
    def eof(self) -> bool:
        return self._dec is not None and self._dec.eof

    @property
    def needs_input(self) -> bool:
        return self._dec is None or self._dec.needs_input

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if self._dec is None:
            self._head += data
            if len(self._head) <= 4:
                return b""
            psize = struct.unpack("<H", self._head[2:4])[0]
            if len(self._head) <= 4 + psize:
                return b""
            filt = lzma._decode_filter_properties(  # type: ignore[attr-defined]
                lzma.FILTER_LZMA1, self._head[4 : 4 + psize]
            )
            self._dec = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[filt])
            data, self._head = self._head[4 + psize :], b""
        return self._dec.decompress(data, max_length)


def open_member(
    zip_path: Path, info: zipfile.ZipInfo, label: str, limits: Limits
) -> io.BufferedReader:
    return io.BufferedReader(MemberStream(zip_path, info, label=label, limits=limits), CHUNK)


def check_members(
    zip_path: Path, infos: Iterable[zipfile.ZipInfo], label: str, limits: Limits
) -> None:
    """Read every member that will be read, streamed, counting real bytes: refuse the set
    when one expands past its ratio, or all of them past the expanded-size limit."""
    total = 0
    for info in infos:
        stream = MemberStream(
            zip_path, info, label=label, limits=limits, cap=limits.expanded_bytes - total
        )
        try:
            while stream._take():
                pass
        finally:
            stream.close()
        total += stream.count


def folder_expanded(root: Path, members: Iterable[str], label: str, limits: Limits) -> None:
    total = 0
    for m in members:
        total += os.stat(root / m).st_size
        if total > limits.expanded_bytes:
            raise expanded_too_large(m, label, limits)


def unsafe_name(name: str) -> bool:
    """A member name that would climb out of its folder, or is absolute (never read)."""
    if name.startswith(("/", "\\")) or "\\" in name or (len(name) > 1 and name[1] == ":"):
        return True
    return any(part == ".." for part in name.split("/"))
