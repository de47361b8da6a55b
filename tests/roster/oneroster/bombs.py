"""Zip bombs built on the fly (issue 18.1): a member of zeros written in chunks, so neither
the test nor the bench ever holds the expanded bytes."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tests.roster.oneroster.helpers import FILES, MANIFEST

ZEROS = b"\0" * (1 << 20)


def bomb(
    out: Path,
    expanded: int,
    *,
    method: int = zipfile.ZIP_DEFLATED,
    member: str = "users.csv",
    valid_set: bool = True,
    zip64: bool = True,
) -> Path:
    """A zip holding the small valid set with `member` replaced by `expanded` bytes: a CSV
    header, then zeros (streamed through the compressor 1 MiB at a time)."""
    with zipfile.ZipFile(out, "w", compression=method) as zf:
        if valid_set:
            for name, text in {"manifest.csv": MANIFEST, **FILES}.items():
                if name != member:
                    zf.writestr(name, text)
        with zf.open(member, "w", force_zip64=zip64) as fh:
            head = b"sourcedId,givenName,familyName\n"
            fh.write(head)
            left = expanded - len(head)
            while left > 0:
                n = min(left, len(ZEROS))
                fh.write(ZEROS[:n])
                left -= n
    return out
