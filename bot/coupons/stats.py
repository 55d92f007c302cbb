"""Coupon figures and the online shop's code export."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select

from bot.coupons.models import (
    IN_STORE,
    ONLINE,
    USABLE,
    USED,
    CouponDefinition,
    PersonalCoupon,
)
from bot.coupons.service import format_code
from bot.extensions import db

STAT_FIELDS = (
    "coupon_id",
    "issued",
    "used",
    "used_store",
    "used_online",
    "expired",
    "usable",
    "withdrawn",
    "discount_total",
)


def online_codes(now: datetime, coupon_id: str | None = None) -> list[list[Any]]:
    """Return rows of usable codes valid online: code, coupon, kind, value, ..."""
    query = (
        select(PersonalCoupon, CouponDefinition)
        .join(CouponDefinition, CouponDefinition.id == PersonalCoupon.coupon_id)
        .where(PersonalCoupon.status == USABLE, PersonalCoupon.expires_at > now)
        .order_by(PersonalCoupon.id)
    )
    if coupon_id is not None:
        query = query.where(PersonalCoupon.coupon_id == coupon_id)
    rows = []
    for coupon, definition in db.session.execute(query).tuples():
        if ONLINE not in definition.channels:
            continue
        rows.append(
            [
                format_code(coupon.code),
                definition.id,
                definition.kind,
                definition.value,
                definition.min_purchase or 0,
                coupon.expires_at.isoformat(timespec="seconds"),
            ]
        )
    return rows


def coupon_stats(now: datetime, coupon_id: str | None = None) -> list[dict[str, Any]]:
    """Return each coupon's figures, with its uses by store."""
    pc = PersonalCoupon
    usable_now = (pc.status == USABLE) & (pc.expires_at > now)
    expired = (pc.status == USABLE) & (pc.expires_at <= now)

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    query = (
        select(
            CouponDefinition.id,
            func.count(pc.id),
            count(pc.status == USED),
            count((pc.status == USED) & (pc.used_channel == IN_STORE)),
            count((pc.status == USED) & (pc.used_channel == ONLINE)),
            count(expired),
            count(usable_now),
            count(pc.status == "withdrawn"),
            func.coalesce(func.sum(case((pc.status == USED, pc.discount), else_=0)), 0),
        )
        .outerjoin(pc, pc.coupon_id == CouponDefinition.id)
        .group_by(CouponDefinition.id)
        .order_by(CouponDefinition.id)
    )
    if coupon_id is not None:
        query = query.where(CouponDefinition.id == coupon_id)
    figures = [
        dict(zip(STAT_FIELDS, row, strict=True)) for row in db.session.execute(query)
    ]
    stores_query = (
        select(pc.coupon_id, pc.used_store_code, func.count())
        .where(pc.status == USED, pc.used_channel == IN_STORE)
        .group_by(pc.coupon_id, pc.used_store_code)
        .order_by(pc.coupon_id, pc.used_store_code)
    )
    by_store: dict[str, dict[str, int]] = {}
    for cid, store, n in db.session.execute(stores_query):
        by_store.setdefault(cid, {})[store or "-"] = n
    for row in figures:
        row["used_by_store"] = by_store.get(row["coupon_id"], {})
    return figures


def render_stats(figures: list[dict[str, Any]], fmt: str) -> str:
    """Return the figures as text, CSV or JSON."""
    if fmt == "json":
        return json.dumps(figures, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([*STAT_FIELDS, "used_by_store"])
        for row in figures:
            stores = ";".join(f"{k}={v}" for k, v in row["used_by_store"].items())
            writer.writerow([*(row[f] for f in STAT_FIELDS), stores])
        return buffer.getvalue()
    lines = []
    for row in figures:
        lines.append(
            f"{row['coupon_id']}: issued {row['issued']}, used {row['used']}"
            f" (store {row['used_store']}, online {row['used_online']}),"
            f" expired {row['expired']}, usable {row['usable']},"
            f" discount total {row['discount_total']:,} yen"
        )
        for store, n in row["used_by_store"].items():
            lines.append(f"  used in {store}: {n}")
    return "\n".join(lines) + ("\n" if lines else "")
