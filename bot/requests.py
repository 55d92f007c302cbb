"""The app's request class: the size limit holds for chunked bodies too."""

from __future__ import annotations

import io
from typing import IO

from flask import Request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property


class _CappedStream(io.RawIOBase):
    """Read a body of unknown length; refuse it (413) once it passes the limit."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self._stream, self._left = stream, limit

    def readable(self) -> bool:
        """Tell io that this stream can be read."""
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        """Read the next piece; 413 as soon as the body is longer than the limit."""
        data = self._stream.read(len(buffer))
        self._left -= len(data)
        if self._left < 0:
            raise RequestEntityTooLarge()
        buffer[: len(data)] = data
        return len(data)


class BoundedRequest(Request):
    """Werkzeug's request, but a chunked body over the limit is 413, not cut.

    Werkzeug stops reading a body without Content-Length at the limit and
    hands on what it read, so an oversized webhook failed its signature and an
    oversized form was parsed in part.
    """

    @cached_property
    def stream(self) -> IO[bytes]:
        """Return the body stream, refusing more than `max_content_length` bytes."""
        limit = self.max_content_length
        if (
            limit is None
            or self.content_length is not None
            or "wsgi.input_terminated" not in self.environ
        ):
            return super().stream
        raw = _CappedStream(self.environ["wsgi.input"], limit)
        return io.BufferedReader(raw)
