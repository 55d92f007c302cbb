"""Segments: saving definitions by name, counting and sampling their members."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from bot.extensions import db
from bot.models_base import utcnow
from bot.segments.definition import SegmentDefinition, SegmentError
from bot.segments.models import Segment
from bot.segments.query import count_segment_users, segment_user_ids, segment_users
from bot.segments.variants import SendVariant, group_sql
from bot.stores.models import Store


@dataclass(frozen=True)
class SegmentPreview:
    """How many friends a segment reaches and a few of their LINE user ids."""

    count: int
    sample: list[str]


def check_known_store(definition: SegmentDefinition) -> SegmentDefinition:
    """Refuse a home store no store has as its code (it would reach no one)."""
    code = definition.home_store
    if code is not None and not db.session.scalar(
        select(Store.id).where(Store.code == code)
    ):
        raise SegmentError(f"--home-store: no store has the code {code!r}")
    return definition


def save_segment(name: str, definition: SegmentDefinition) -> Segment:
    """Create or replace the saved segment with this name."""
    segment = db.session.scalar(select(Segment).where(Segment.name == name))
    if segment is None:
        segment = Segment(name=name, definition=definition.to_dict())
        db.session.add(segment)
    else:
        segment.definition = definition.to_dict()
    db.session.flush()
    return segment


def load_segment(name: str) -> SegmentDefinition:
    """Return the saved segment's definition, or raise SegmentError."""
    segment = db.session.scalar(select(Segment).where(Segment.name == name))
    if segment is None:
        raise SegmentError(f"no saved segment named {name!r}")
    return SegmentDefinition.from_dict(segment.definition)


def preview_segment(
    definition: SegmentDefinition, sample_size: int = 10
) -> SegmentPreview:
    """Count the reachable friends in a segment and return a sample of them."""
    now, timezone_name = utcnow(), _timezone()
    count = db.session.scalar(count_segment_users(definition, now, timezone_name))
    sample: list[str] = []
    if sample_size > 0:
        users = segment_users(definition, now, timezone_name).limit(sample_size)
        sample = [line_user_id for _, line_user_id in db.session.execute(users)]
    return SegmentPreview(count=count or 0, sample=sample)


def split_counts(
    definition: SegmentDefinition,
    variants: list[SendVariant],
    holdout_percent: int,
    seed: int,
) -> dict[int, int]:
    """Count the segment per variant index (-1: the holdout), drawn as a send draws.

    With the seed the send will be created with, these are the groups its
    recipients fall in (less anyone who follows, blocks or reaches the day's
    cap before it goes).
    """
    if len(variants) == 1 and not holdout_percent:
        return {0: preview_segment(definition, sample_size=0).count}
    users = segment_user_ids(definition, utcnow(), _timezone()).subquery()
    group = group_sql(users.c.id, variants, holdout_percent, seed).label("grp")
    rows = db.session.execute(
        select(group, func.count()).select_from(users).group_by(group)
    )
    counts = dict.fromkeys(range(len(variants)), 0)
    if holdout_percent:
        counts[-1] = 0
    for index, number in rows:
        counts[int(index)] = number
    return counts


def _timezone() -> str:
    return current_app.config["SETTINGS"].BOT_TIMEZONE
