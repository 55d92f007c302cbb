"""Stores, their LINE Beacon hardware ids, and customers' store visits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.extensions import db
from bot.models_base import UTCDateTime, utcnow


class Store(db.Model):
    """A physical store; opening hours are local times in BOT_TIMEZONE."""

    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(300))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    opens_at: Mapped[str] = mapped_column(String(5))
    closes_at: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )

    beacons: Mapped[list[StoreBeacon]] = relationship(
        back_populates="store", cascade="all, delete-orphan"
    )


class StoreBeacon(db.Model):
    """A LINE Beacon hardware id installed in a store."""

    __tablename__ = "store_beacons"

    id: Mapped[int] = mapped_column(primary_key=True)
    hwid: Mapped[str] = mapped_column(String(10), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))

    store: Mapped[Store] = relationship(back_populates="beacons")


class StoreVisit(db.Model):
    """One customer's visit to one store on one local day (beacon or register)."""

    __tablename__ = "store_visits"
    __table_args__ = (UniqueConstraint("store_id", "customer_key", "visit_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    # "m:<member id>" for a member, else "u:<line user id>": one visit per person.
    customer_key: Mapped[str] = mapped_column(String(40))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    line_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("line_users.id", ondelete="SET NULL"), index=True
    )
    visit_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StoreApiKey(db.Model):
    """A register API key for one store; only the SHA-256 of the key is kept."""

    __tablename__ = "store_api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), index=True
    )
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the key, so staff can tell keys apart in lists.
    key_prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    store: Mapped[Store] = relationship()
