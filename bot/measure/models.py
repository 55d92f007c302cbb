"""Tracked links, clicks, who received what, conversions and the daily roll-ups."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.extensions import db
from bot.models_base import UTCDateTime, utcnow

# The variant of a campaign's holdout group (customers deliberately not sent).
HOLDOUT = "holdout"

# Conversion kinds.
STORE = "store"
ONLINE = "online"
COUPON = "coupon"


class TrackedLink(db.Model):
    """One URL of one campaign's message; tokens name it with a recipient."""

    __tablename__ = "tracked_links"
    __table_args__ = (UniqueConstraint("campaign", "variant", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "segment:<send id>" or "scenario:<id>", as in the marketing ledger.
    campaign: Mapped[str] = mapped_column(String(80))
    variant: Mapped[str] = mapped_column(String(16), default="")
    url: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Click(db.Model):
    """One request of a tracked link; `counted` once the roll-up has it."""

    __tablename__ = "clicks"
    __table_args__ = (
        Index(
            "ix_clicks_uncounted",
            "id",
            postgresql_where=text("NOT counted"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("tracked_links.id"))
    # 0: a link shared by everyone of a multicast (no recipient known).
    line_user_id: Mapped[int]
    clicked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    counted: Mapped[bool] = mapped_column(default=False)


class Exposure(db.Model):
    """One customer in one campaign variant: sent (or held out), and what followed."""

    __tablename__ = "exposures"
    __table_args__ = (
        UniqueConstraint("campaign", "variant", "line_user_id"),
        Index("ix_exposures_user_last", "line_user_id", "last_sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign: Mapped[str] = mapped_column(String(80))
    variant: Mapped[str] = mapped_column(String(16), default="")
    line_user_id: Mapped[int] = mapped_column(
        ForeignKey("line_users.id", ondelete="CASCADE")
    )
    holdout: Mapped[bool] = mapped_column(default=False)
    first_sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    store_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    online_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Conversion(db.Model):
    """A purchase or coupon redemption credited to the customer's last message."""

    __tablename__ = "conversions"

    id: Mapped[int] = mapped_column(primary_key=True)
    exposure_id: Mapped[int] = mapped_column(
        ForeignKey("exposures.id", ondelete="CASCADE"), index=True
    )
    campaign: Mapped[str] = mapped_column(String(80))
    variant: Mapped[str] = mapped_column(String(16), default="")
    line_user_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(8))
    # `pos:<store>:<receipt>`, `ec:<order id>` or `coupon:<code>`.
    reference: Mapped[str] = mapped_column(String(120))
    amount: Mapped[int] = mapped_column(default=0)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DailyRollup(db.Model):
    """Counts per campaign, variant and local day, added to as events happen."""

    __tablename__ = "measure_daily"

    campaign: Mapped[str] = mapped_column(String(80), primary_key=True)
    variant: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    recipients: Mapped[int] = mapped_column(default=0)
    delivered: Mapped[int] = mapped_column(default=0)
    clicks: Mapped[int] = mapped_column(default=0)
    clickers: Mapped[int] = mapped_column(default=0)
    converted: Mapped[int] = mapped_column(default=0)
    converted_store: Mapped[int] = mapped_column(default=0)
    converted_online: Mapped[int] = mapped_column(default=0)
    redemptions: Mapped[int] = mapped_column(default=0)
    revenue: Mapped[int] = mapped_column(default=0)
    blocks: Mapped[int] = mapped_column(default=0)


class UnitStats(db.Model):
    """LINE's statistics of one customAggregationUnit, as last pulled."""

    __tablename__ = "aggregation_units"

    unit: Mapped[str] = mapped_column(String(30), primary_key=True)
    campaign: Mapped[str] = mapped_column(String(80), index=True)
    variant: Mapped[str] = mapped_column(String(16), default="")
    step_no: Mapped[int | None]
    first_used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # None: not pulled yet, or LINE hides a count under 20.
    unique_impression: Mapped[int | None]
    unique_click: Mapped[int | None]
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FriendDaily(db.Model):
    """Friends per local day and source, added to as events happen.

    Source: "poster:<store>" for /join visits (the register poster's QR code)
    and for links by customers whose browser came from it; "line" for follows
    and unfollows, which LINE reports without a source; "direct" otherwise.
    """

    __tablename__ = "friend_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    join_visits: Mapped[int] = mapped_column(default=0)
    follows: Mapped[int] = mapped_column(default=0)
    unfollows: Mapped[int] = mapped_column(default=0)
    links: Mapped[int] = mapped_column(default=0)
