"""What every request must be before a view sees it.

The size limit holds for chunked bodies too; a path, query or form field that
PostgreSQL cannot store is refused (400) before any view runs; an integer in a
route names a row, so one no integer column can hold is not found (404).
"""

from __future__ import annotations

import io
import re
from typing import IO, Any

from flask import Request, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter, Map
from werkzeug.utils import cached_property

# NUL (PostgreSQL text refuses it) and halves of a surrogate pair (no UTF-8).
UNSTORABLE_CHARACTER = re.compile(r"[\x00\ud800-\udfff]")
# The largest value of an integer (int4) column: every id our routes take.
LARGEST_ROW_ID = 2**31 - 1
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


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


class RowIdConverter(IntegerConverter):
    """`<int:...>` in a route: at most LARGEST_ROW_ID, or the route does not match.

    Werkzeug's converter takes any number of digits, and a value past the
    column's range made the database refuse the query (a 500).
    """

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", LARGEST_ROW_ID)
        super().__init__(url_map, *args, **kwargs)


def row_id_arg(name: str, default: int | None = None) -> int | None:
    """Read a query argument naming a row (or a position after one): 0 to the
    largest id, refused (400) otherwise.

    `request.args.get(name, type=int)` takes any number of digits, and one past
    the column's range made the database refuse the query (a 500 on SQLite).
    """
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) > LARGEST_ROW_ID:
        raise BadRequest(f"{name} must be a whole number from 0 to {LARGEST_ROW_ID}")
    return int(raw)


def refuse_unstorable_fields() -> None:
    """Refuse (400) a path, query or form field holding NUL or a lone surrogate.

    Registered with `before_request` for every view: such a value reached the
    database in the console's forms and routes (a 500). JSON bodies are
    checked where they are parsed (the webhook, the shop's webhooks, the POS
    API's fields).
    """
    fields: list[str] = [request.path]
    fields.extend(_keys_and_values(request.args))
    if request.mimetype in _FORM_TYPES:
        fields.extend(_keys_and_values(request.form))
    if any(UNSTORABLE_CHARACTER.search(field) for field in fields):
        raise BadRequest("a request field holds a NUL character or a lone surrogate")


def _keys_and_values(multi: Any) -> list[str]:
    return [text for pair in multi.items(multi=True) for text in pair]
