"""The upload limit, enforced while the upload is received (issue 18.1).

`LimitedUploadHandler` runs first in FILE_UPLOAD_HANDLERS: a request declaring a body larger
than SEATKEEPER_IMPORT_MAX_UPLOAD_BYTES is stopped at its first file, and a file is stopped as
soon as the bytes received pass the limit (a missing or lying Content-Length does not help).
Nothing past the limit is stored; the view finds the refusal on `request.upload_refused` and
shows it (`refusal`).
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from seatkeeper.roster.oneroster import archive

SLACK = 64 * 1024  # multipart boundaries and the form's other fields


class LimitedUploadHandler(FileUploadHandler):
    def handle_raw_input(
        self,
        input_data: Any,
        META: Any,
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        self.limits = archive.Limits.current()
        self.declared_too_big = content_length > self.limits.upload_bytes + SLACK

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0
        if getattr(self, "declared_too_big", False):
            self._refuse()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limits.upload_bytes:
            self._refuse()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def _refuse(self) -> None:
        if self.request is not None:
            error = archive.upload_too_large(self.file_name or "upload", self.limits)
            self.request.upload_refused = error  # type: ignore[attr-defined]
        # Do not read the rest: the answer is the same whatever follows.
        raise StopUpload(connection_reset=True)


def refusal(request: HttpRequest) -> archive.LimitExceeded | None:
    """The upload-limit refusal of this request, if its upload was cut off."""
    # Reading FILES parses the body (and runs the handler) if nothing has yet.
    request.FILES  # noqa: B018
    return getattr(request, "upload_refused", None)
