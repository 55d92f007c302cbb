"""Friends per day: follows, unfollows, poster visits and links, by source."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.extensions import db
from bot.marketing.rules import local_day
from bot.measure.models import FriendDaily
from bot.models_base import utcnow

FIELDS = ("join_visits", "follows", "unfollows", "links")
LINE = "line"
DIRECT = "direct"


def poster_source(store_code: str | None) -> str:
    """Return the source name of a store's poster (or `direct` without one)."""
    return f"poster:{store_code}"[:40] if store_code else DIRECT


def count_friend_event(source: str, moment: datetime, **counts: int) -> None:
    """Add to one source's row of the moment's local day."""
    table = FriendDaily.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {name: counts.get(name, 0) for name in FIELDS}
    statement = insert(table).values(day=local_day(moment), source=source, **values)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "source"],
        set_={name: table.c[name] + statement.excluded[name] for name in counts},
    )
    db.session.execute(statement)


def friends_report(days: int) -> dict[str, Any]:
    """Return per-day rows by source for the last `days` days, and the linked share."""
    from bot.members.models import Member
    from bot.users.models import LineUser

    since = local_day(utcnow()) - timedelta(days=days - 1)
    rows = db.session.execute(
        select(FriendDaily)
        .where(FriendDaily.day >= since)
        .order_by(FriendDaily.day, FriendDaily.source)
    ).scalars()
    out = [
        {
            "day": row.day.isoformat(),
            "source": row.source,
            **{name: getattr(row, name) for name in FIELDS},
        }
        for row in rows
    ]
    friends = db.session.scalar(
        select(func.count()).select_from(LineUser).where(LineUser.is_friend)
    )
    linked = db.session.scalar(
        select(func.count())
        .select_from(Member)
        .join(LineUser, LineUser.id == Member.line_user_id)
        .where(LineUser.is_friend)
    )
    return {
        "days": out,
        "friends": friends,
        "linked": linked,
        "linked_share": linked / friends if friends else None,
        "note": "LINE's follow event has no source: follows and unfollows are "
        "'line'; poster QR visits and links are by store",
    }


def friends_text(report: dict[str, Any]) -> str:
    """Return the friends report as aligned columns."""
    lines = [f"{'day':<12}{'source':<20}" + "".join(f"{n:>12}" for n in FIELDS)]
    for row in report["days"]:
        cells = "".join(f"{row[n]:>12,}" for n in FIELDS)
        lines.append(f"{row['day']:<12}{row['source']:<20}{cells}")
    share = report["linked_share"]
    lines.append("")
    lines.append(
        f"friends {report['friends']:,}, linked {report['linked']:,}"
        + ("" if share is None else f" ({share:.1%})")
    )
    lines.append(report["note"])
    return "\n".join(lines)
