"""JSON-lines logging with the event and job being handled on every record."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

_context: contextvars.ContextVar[dict[str, object] | None] = contextvars.ContextVar(
    "log_context", default=None
)

# Keys that must never reach a log line, whatever a caller passes in `extra`.
FORBIDDEN_KEYS = frozenset(
    {"text", "body", "password", "token", "reply_token", "secret", "authorization"}
)


@contextlib.contextmanager
def log_context(**values: object) -> Iterator[None]:
    """Attach values (event_id, job_id, ...) to every record logged inside."""
    token = _context.set({**(_context.get() or {}), **values})
    try:
        yield
    finally:
        _context.reset(token)


_base_factory = logging.getLogRecordFactory()


def _record_with_context(*args: object, **kwargs: object) -> logging.LogRecord:
    # Captured when the record is made, in the thread that made it, so any
    # handler (even one formatting later or elsewhere) sees the event id.
    record = _base_factory(*args, **kwargs)
    record.log_context = _context.get() or {}
    return record


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object on one line."""

    _standard = frozenset(vars(logging.makeLogRecord({})))

    def format(self, record: logging.LogRecord) -> str:
        """Render the record, its context and its safe extras as JSON."""
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "log_context", None) or _context.get() or {})
        for key, value in vars(record).items():
            if key in self._standard or key.startswith("_") or key == "log_context":
                continue
            if key in FORBIDDEN_KEYS:
                continue
            entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


_SECRET_QUERY = re.compile(r"((?:linkToken|nonce|token|code)=)[^&\s\"]+", re.IGNORECASE)


class RedactQueryFilter(logging.Filter):
    """Blank token-like query values in access-log lines (werkzeug, gunicorn)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message when it carries a token; keep the record."""
        message = record.getMessage()
        redacted = _SECRET_QUERY.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def configure_logging(level: str) -> None:
    """Send JSON lines to stderr once per process; redact tokens in access logs."""
    if logging.getLogRecordFactory() is not _record_with_context:
        logging.setLogRecordFactory(_record_with_context)
    for name in ("werkzeug", "gunicorn.access"):
        access_log = logging.getLogger(name)
        if not any(isinstance(f, RedactQueryFilter) for f in access_log.filters):
            access_log.addFilter(RedactQueryFilter())
    # urllib3 logs full URLs at debug level; keep it quiet.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    # werkzeug sets its own logger to INFO unless told; follow LOG_LEVEL.
    logging.getLogger("werkzeug").setLevel(level)
    root = logging.getLogger()
    root.setLevel(level)
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
