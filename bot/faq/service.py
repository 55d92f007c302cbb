"""Rules for the FAQ: load a file all or nothing, and match against the live FAQ."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import select

from bot.extensions import db, get_redis
from bot.faq.content import FaqContentError, FaqEntry, parse_faq
from bot.faq.matcher import FaqIndex
from bot.faq.models import FaqRecord
from bot.models_base import utcnow

# Bumped after every committed load; each process rebuilds when it changes.
VERSION_KEY = "faq:version"


@dataclass(frozen=True)
class LoadReport:
    """What a load changed, by FAQ id."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)


def read_faq_file(path: Path) -> list[FaqEntry]:
    """Read and validate a FAQ file; raise FaqContentError listing every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FaqContentError(str(path), [f"cannot read the file: {exc}"]) from exc
    return parse_faq(text, str(path))


def load_entries(entries: list[FaqEntry]) -> LoadReport:
    """Upsert validated entries and retire those missing from them (flush only)."""
    existing = {r.faq_id: r for r in db.session.scalars(select(FaqRecord))}
    report = LoadReport()
    for position, entry in enumerate(entries):
        record = existing.pop(entry.id, None)
        values = {
            "category": entry.category,
            "question": entry.question,
            "answer": entry.answer,
            "alternatives": list(entry.alternatives),
            "keywords": list(entry.keywords),
            "position": position,
        }
        if record is None:
            db.session.add(FaqRecord(faq_id=entry.id, **values))
            report.added.append(entry.id)
            continue
        changed = record.retired or any(
            getattr(record, name) != value for name, value in values.items()
        )
        for name, value in values.items():
            setattr(record, name, value)
        record.retired, record.retired_at = False, None
        (report.updated if changed else report.unchanged).append(entry.id)
    now = utcnow()
    for record in existing.values():
        if not record.retired:
            record.retired, record.retired_at = True, now
            report.retired.append(record.faq_id)
    db.session.flush()
    return report


def publish_new_version() -> None:
    """Tell every web and worker process that the FAQ changed (after commit)."""
    get_redis().set(VERSION_KEY, uuid.uuid4().hex)
    g.pop("live_faq", None)  # this context sees the new FAQ too


@dataclass(frozen=True)
class LiveFaq:
    """The active entries of one FAQ version and the index built over them."""

    version: str
    index: FaqIndex
    by_id: dict[str, FaqEntry]
    categories: tuple[str, ...]

    def in_category(self, category: str) -> list[FaqEntry]:
        """Return the entries of one category in file order."""
        return [e for e in self.index.entries if e.category == category]


class _FaqCache:
    """One process's copy of the live FAQ, rebuilt when the version moves."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.live: LiveFaq | None = None


def init_cache(app: Flask) -> None:
    """Give the app an empty FAQ cache (filled on first use)."""
    app.extensions["faq_cache"] = _FaqCache()


def live_faq(before_rebuild: Callable[[], None] | None = None) -> LiveFaq:
    """Return the current FAQ, rebuilding the index if another process loaded one.

    `before_rebuild` runs first when the index must be rebuilt (a moment's
    work), so a caller can show LINE's loading animation meanwhile.

    The version is read once per app context, that is once per job or
    request: a job answering fifty messages asks Redis once, and answers
    them all from the same FAQ.
    """
    found: LiveFaq | None = g.get("live_faq")
    if found is not None:
        return found
    cache: _FaqCache = current_app.extensions["faq_cache"]
    version = _current_version()
    live = cache.live
    if before_rebuild is not None and (live is None or live.version != version):
        before_rebuild()  # outside the lock: a slow LINE call blocks no one
    with cache.lock:
        if cache.live is None or cache.live.version != version:
            cache.live = _build(version)
        g.live_faq = cache.live
        return cache.live


def _current_version() -> str:
    redis = get_redis()
    raw = redis.get(VERSION_KEY)
    if raw is None:
        # Redis lost the key (flush, new server): agree on a fresh one once.
        redis.set(VERSION_KEY, uuid.uuid4().hex, nx=True)
        raw = redis.get(VERSION_KEY)
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def _build(version: str) -> LiveFaq:
    records = db.session.scalars(
        select(FaqRecord)
        .where(FaqRecord.retired.is_(False))
        .order_by(FaqRecord.position, FaqRecord.id)
    ).all()
    entries = [record.to_entry() for record in records]
    return LiveFaq(
        version=version,
        index=FaqIndex.build(entries),
        by_id={entry.id: entry for entry in entries},
        categories=tuple(dict.fromkeys(entry.category for entry in entries)),
    )
