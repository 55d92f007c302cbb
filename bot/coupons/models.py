"""Coupon definitions (loaded from coupons.yaml), personal coupons and scan codes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.extensions import db
from bot.models_base import UTCDateTime, utcnow

# Kinds of discount.
AMOUNT_OFF = "amount_off"
PERCENT_OFF = "percent_off"
FREE_ITEM = "free_item"
KINDS = (AMOUNT_OFF, PERCENT_OFF, FREE_ITEM)

# Channels where a coupon may be used.
IN_STORE = "store"
ONLINE = "online"
CHANNELS = (IN_STORE, ONLINE)

# Stored statuses; "expired" is worked out from `expires_at` when read.
USABLE = "usable"
USED = "used"
EXPIRED = "expired"
WITHDRAWN = "withdrawn"


class CouponDefinition(db.Model):
    """One entry of coupons.yaml; `active` is False once it left the file."""

    __tablename__ = "coupon_definitions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[int]
    min_purchase: Mapped[int | None]
    valid_days: Mapped[int | None]
    valid_until: Mapped[date | None] = mapped_column(Date)
    channels: Mapped[list[str]] = mapped_column(JSON)
    stores: Mapped[list[str] | None] = mapped_column(JSON)
    beacon_stores: Mapped[list[str]] = mapped_column(JSON, default=list)
    limit_per_customer: Mapped[int] = mapped_column(default=1)
    total_limit: Mapped[int | None]
    # Coupons issued so far; raised under the row's lock, so never past the limit.
    issued_count: Mapped[int] = mapped_column(default=0)
    image_url: Mapped[str | None] = mapped_column(String(1000))
    line_coupon: Mapped[bool] = mapped_column(default=False)
    # The couponId LINE gave a `line_coupon` entry when it was created there.
    line_coupon_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )

    def content(self) -> dict[str, Any]:
        """Return the fields that come from the file, to compare with a new load."""
        return {
            "title": self.title,
            "description": self.description,
            "kind": self.kind,
            "value": self.value,
            "min_purchase": self.min_purchase,
            "valid_days": self.valid_days,
            "valid_until": self.valid_until,
            "channels": list(self.channels),
            "stores": list(self.stores) if self.stores is not None else None,
            "beacon_stores": list(self.beacon_stores or []),
            "limit_per_customer": self.limit_per_customer,
            "total_limit": self.total_limit,
            "image_url": self.image_url,
            "line_coupon": self.line_coupon,
        }


class PersonalCoupon(db.Model):
    """One coupon held by one customer, with its own unguessable code.

    A guest's coupon is held by their LINE user; a member's also names the
    member, so it stays theirs if the LINE account is unlinked.
    """

    __tablename__ = "personal_coupons"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    coupon_id: Mapped[str] = mapped_column(
        ForeignKey("coupon_definitions.id"), index=True
    )
    line_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("line_users.id", ondelete="SET NULL"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=USABLE)
    # What issued it: "send:<id>", "beacon:<store>", "cli", ...
    source: Mapped[str] = mapped_column(String(64), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_channel: Mapped[str | None] = mapped_column(String(8))
    used_store_code: Mapped[str | None] = mapped_column(String(32))
    # The ledger reference of the sale: "pos:<store>:<receipt>" or "ec:<order>".
    used_reference: Mapped[str | None] = mapped_column(String(120), index=True)
    discount: Mapped[int | None]

    definition: Mapped[CouponDefinition] = relationship(lazy="joined", innerjoin=True)

    def status_at(self, now: datetime) -> str:
        """Return usable, used, expired or withdrawn at `now`."""
        if self.status == USABLE and self.expires_at <= now:
            return EXPIRED
        return self.status


class CouponScanCode(db.Model):
    """A one-time code on the coupon page's QR and barcode; valid briefly, once."""

    __tablename__ = "coupon_scan_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    personal_coupon_id: Mapped[int] = mapped_column(
        ForeignKey("personal_coupons.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_store_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
