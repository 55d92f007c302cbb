"""Who received what, and what they did after: clicks, purchases, blocks.

Exposures are written where marketing messages are recorded (one row per
customer, campaign and variant); conversions and blocks look up the customer's
last qualifying exposure through (line_user_id, last_sent_at). Every change
adds to the daily roll-up in the same transaction, so reports never scan these.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, select, update

from bot.bulk import in_ids, insert_for_ids, insert_rows
from bot.extensions import db
from bot.marketing.rules import local_day
from bot.measure.links import register_links, rewrite
from bot.measure.models import (
    COUPON,
    HOLDOUT,
    ONLINE,
    STORE,
    Click,
    Conversion,
    Exposure,
    TrackedLink,
)
from bot.measure.rollup import bump
from bot.purchases.models import STORE as PURCHASE_STORE
from bot.purchases.models import Purchase

BLOCK_WINDOW = timedelta(days=3)
CLICK_CHUNK = 5000


def record_exposures(
    user_ids: Iterable[int],
    moment: datetime,
    campaign: str,
    variant: str = "",
    holdout: bool = False,
    delivered: bool = True,
) -> None:
    """Record that customers got (or, held out, did not get) a campaign's message."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        # One upsert: a lookup of who exists first was a scan of the campaign's
        # rows per batch, slower with every batch of a large send.
        fresh_count = insert_for_ids(
            Exposure.__table__,
            "line_user_id",
            ids,
            {
                "campaign": campaign,
                "variant": variant,
                "holdout": holdout,
                "first_sent_at": moment,
                "last_sent_at": moment,
            },
            upsert=(("campaign", "variant", "line_user_id"), ("last_sent_at",)),
        )
        _count_recipients(campaign, variant, moment, fresh_count, holdout, delivered)
        return
    existing = set(
        db.session.scalars(
            select(Exposure.line_user_id).where(
                Exposure.campaign == campaign,
                Exposure.variant == variant,
                in_ids(Exposure.line_user_id, ids),
            )
        )
    )
    if existing:
        db.session.execute(
            update(Exposure)
            .where(
                Exposure.campaign == campaign,
                Exposure.variant == variant,
                in_ids(Exposure.line_user_id, list(existing)),
            )
            .values(last_sent_at=moment)
            .execution_options(synchronize_session=False)
        )
    fresh = [uid for uid in ids if uid not in existing]
    insert_rows(
        Exposure.__table__,
        [
            {
                "campaign": campaign,
                "variant": variant,
                "line_user_id": uid,
                "holdout": holdout,
                "first_sent_at": moment,
                "last_sent_at": moment,
            }
            for uid in fresh
        ],
    )
    _count_recipients(campaign, variant, moment, len(fresh), holdout, delivered)


def _count_recipients(
    campaign: str,
    variant: str,
    moment: datetime,
    fresh: int,
    holdout: bool,
    delivered: bool,
) -> None:
    bump(
        campaign,
        variant,
        moment,
        recipients=fresh,
        delivered=0 if holdout or not delivered else fresh,
    )


def _last_exposure(
    user_id: int, moment: datetime, window: timedelta
) -> Exposure | None:
    return db.session.scalar(
        select(Exposure)
        .where(
            Exposure.line_user_id == user_id,
            Exposure.first_sent_at <= moment,
            Exposure.last_sent_at >= moment - window,
        )
        .order_by(Exposure.last_sent_at.desc(), Exposure.id.desc())
        .limit(1)
    )


def attribution_window() -> timedelta:
    """Return how long after a message a purchase still counts for it."""
    return timedelta(days=current_app.config["SETTINGS"].ATTRIBUTION_DAYS)


def record_conversion(
    user_id: int | None, kind: str, reference: str, amount: int, moment: datetime
) -> Conversion | None:
    """Credit a purchase or redemption to the customer's last message (flush)."""
    if user_id is None:
        return None
    exposure = _last_exposure(user_id, moment, attribution_window())
    if exposure is None:
        return None
    conversion = Conversion(
        exposure_id=exposure.id,
        campaign=exposure.campaign,
        variant=exposure.variant,
        line_user_id=user_id,
        kind=kind,
        reference=reference,
        amount=amount if kind != COUPON else 0,
        occurred_at=moment,
    )
    db.session.add(conversion)
    counts = {"revenue": conversion.amount}
    if kind == COUPON:
        counts["redemptions"] = 1
    if exposure.converted_at is None:
        exposure.converted_at = moment
        counts["converted"] = 1
    if kind == STORE and exposure.store_at is None:
        exposure.store_at = moment
        counts["converted_store"] = 1
    if kind == ONLINE and exposure.online_at is None:
        exposure.online_at = moment
        counts["converted_online"] = 1
    bump(exposure.campaign, exposure.variant, moment, **counts)
    db.session.flush()
    return conversion


def record_block(user_id: int, moment: datetime) -> None:
    """Count an unfollow against the last message of the 3 days before it."""
    exposure = db.session.scalar(
        select(Exposure)
        .where(
            Exposure.line_user_id == user_id,
            Exposure.holdout.is_(False),
            Exposure.last_sent_at <= moment,
            Exposure.last_sent_at >= moment - BLOCK_WINDOW,
        )
        .order_by(Exposure.last_sent_at.desc(), Exposure.id.desc())
        .limit(1)
    )
    if exposure is None or exposure.blocked_at is not None:
        return
    exposure.blocked_at = moment
    bump(exposure.campaign, exposure.variant, moment, blocks=1)
    db.session.flush()


def count_clicks(limit: int = CLICK_CHUNK) -> int:
    """Add clicks not yet counted to the roll-up; return how many (flush)."""
    rows = db.session.execute(
        select(
            Click.id,
            Click.line_user_id,
            Click.clicked_at,
            TrackedLink.campaign,
            TrackedLink.variant,
        )
        .join(TrackedLink, TrackedLink.id == Click.link_id)
        .where(Click.counted.is_(False))
        .order_by(Click.id)
        .limit(limit)
    ).all()
    if not rows:
        return 0
    clicks: dict[tuple[str, str, date], list[Any]] = {}
    for row in rows:
        key = (row.campaign, row.variant, local_day(row.clicked_at))
        clicks.setdefault(key, [row.clicked_at, 0])[1] += 1
        if row.line_user_id:
            first = db.session.execute(
                update(Exposure)
                .where(
                    and_(
                        Exposure.campaign == row.campaign,
                        Exposure.variant == row.variant,
                        Exposure.line_user_id == row.line_user_id,
                        Exposure.clicked_at.is_(None),
                    )
                )
                .values(clicked_at=row.clicked_at)
                .execution_options(synchronize_session=False)
            )
            if first.rowcount:
                bump(row.campaign, row.variant, row.clicked_at, clickers=1)
    for (campaign, variant, _), (moment, n) in clicks.items():
        bump(campaign, variant, moment, clicks=n)
    db.session.execute(
        update(Click)
        .where(in_ids(Click.id, [row.id for row in rows]))
        .values(counted=True)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return len(rows)


def record_holdout(user_id: int, moment: datetime, scenario_id: str) -> None:
    """Record a customer held out of a scenario step (compared, never sent)."""
    record_exposures([user_id], moment, f"scenario:{scenario_id}", HOLDOUT, True)


def track_links(
    messages: list[dict[str, Any]], campaign: str, variant: str, user_id: int
) -> list[dict[str, Any]]:
    """Return one customer's copy of messages with tracked links (flush)."""
    links = register_links(campaign, variant, messages)
    return rewrite(messages, links, user_id)


def record_purchase(user_id: int, purchase: Purchase) -> None:
    """Credit a new purchase at its own time; revenue is what was paid in money."""
    if purchase.channel == PURCHASE_STORE:
        kind, reference = STORE, f"pos:{purchase.origin}:{purchase.reference}"
        paid = purchase.amount - purchase.discount - purchase.points_used
    else:
        kind, reference = ONLINE, f"ec:{purchase.reference}"
        paid = purchase.amount
    record_conversion(user_id, kind, reference, max(paid, 0), purchase.purchased_at)


def record_redemption(user_id: int | None, code: str, moment: datetime) -> None:
    """Credit a coupon redemption to the customer's last message."""
    record_conversion(user_id, COUPON, f"coupon:{code}", 0, moment)
