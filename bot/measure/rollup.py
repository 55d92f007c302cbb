"""The daily roll-up: counters added to as events happen, read by reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite

from bot.extensions import db
from bot.marketing.rules import local_day
from bot.measure.models import DailyRollup

COUNTERS = (
    "recipients",
    "delivered",
    "clicks",
    "clickers",
    "converted",
    "converted_store",
    "converted_online",
    "redemptions",
    "revenue",
    "blocks",
)


def bump(campaign: str, variant: str, moment: datetime, **counts: int) -> None:
    """Add counts to one campaign variant's row of the moment's local day."""
    counts = {name: value for name, value in counts.items() if value}
    if not counts:
        return
    unknown = set(counts) - set(COUNTERS)
    if unknown:
        raise ValueError(f"unknown roll-up counters: {sorted(unknown)}")
    table = DailyRollup.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(
        campaign=campaign,
        variant=variant,
        day=local_day(moment),
        **{name: counts.get(name, 0) for name in COUNTERS},
    )
    statement = statement.on_conflict_do_update(
        index_elements=["campaign", "variant", "day"],
        set_={name: table.c[name] + statement.excluded[name] for name in counts},
    )
    db.session.execute(statement)
