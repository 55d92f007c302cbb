"""Reports of a send, a scenario or a coupon, read from the daily roll-up."""

from __future__ import annotations

import math
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from bot.extensions import db
from bot.measure.models import HOLDOUT, DailyRollup, UnitStats
from bot.measure.rollup import COUNTERS

HIDDEN = "< 20"  # LINE hides counts under 20
BLOCK_RULE = "an unfollow within 3 days after a message counts against that message"
Z95 = 1.96


def attribution_rule() -> str:
    """Describe the attribution rule the figures follow."""
    days = current_app.config["SETTINGS"].ATTRIBUTION_DAYS
    return (
        f"last message wins: a store purchase, online order or coupon redemption "
        f"within {days} days after a message counts for the customer's most "
        "recent message before it; revenue is the amount paid"
    )


def _sums(campaigns: list[str]) -> dict[str, dict[str, int]]:
    """Sum the roll-up per variant over all days of some campaigns."""
    table = DailyRollup.__table__
    rows = db.session.execute(
        select(table.c.variant, *[func.sum(table.c[c]).label(c) for c in COUNTERS])
        .where(table.c.campaign.in_(campaigns))
        .group_by(table.c.variant)
    ).all()
    return {
        row.variant: {c: int(getattr(row, c) or 0) for c in COUNTERS} for row in rows
    }


def _opens(campaigns: list[str]) -> dict[str, int | str | None]:
    """Return unique impressions per variant: a number, "< 20", or None (unknown)."""
    rows = db.session.execute(
        select(
            UnitStats.variant, UnitStats.unique_impression, UnitStats.synced_at
        ).where(UnitStats.campaign.in_(campaigns))
    ).all()
    known: dict[str, int] = {}
    hidden: set[str] = set()
    for variant, impressions, synced_at in rows:
        if synced_at is None:
            continue
        if impressions is None:
            hidden.add(variant)
        else:
            known[variant] = known.get(variant, 0) + impressions
    opens: dict[str, int | str | None] = dict(known)
    for variant in hidden:
        if not known.get(variant):
            opens[variant] = HIDDEN
    return opens


def _figures(counts: dict[str, int], opened: int | str | None) -> dict[str, Any]:
    return {
        "recipients": counts["recipients"],
        "delivered": counts["delivered"],
        "opened": opened,
        "clicked": counts["clickers"],
        "clicks": counts["clicks"],
        "converted": counts["converted"],
        "store": counts["converted_store"],
        "online": counts["converted_online"],
        "redemptions": counts["redemptions"],
        "revenue": counts["revenue"],
        "blocks": counts["blocks"],
    }


def _add(total: dict[str, int], counts: dict[str, int]) -> None:
    for name in COUNTERS:
        total[name] = total.get(name, 0) + counts[name]


def _opened_total(values: list[int | str | None]) -> int | str | None:
    numbers = [v for v in values if isinstance(v, int)]
    if numbers:
        return sum(numbers)
    return HIDDEN if HIDDEN in values else None


def _group(size: int, converted: int, revenue: int) -> dict[str, Any]:
    return {
        "size": size,
        "converted": converted,
        "rate": converted / size if size else None,
        "revenue": revenue,
        "revenue_per_customer": revenue / size if size else None,
    }


def _difference(treated: dict[str, Any], control: dict[str, Any]) -> dict[str, Any]:
    """Return the difference of conversion rates and its unpooled 95% CI."""
    n1, n0 = treated["size"], control["size"]
    if not n1 or not n0:
        return {"difference": None, "ci95": None}
    p1, p0 = treated["rate"], control["rate"]
    d = p1 - p0
    half = Z95 * math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    return {"difference": d, "ci95": [d - half, d + half]}


def lift(sent: dict[str, int], holdout: dict[str, int]) -> dict[str, Any]:
    """Compare sent and holdout: rates, the difference and its unpooled 95% CI."""
    treated = _group(sent["recipients"], sent["converted"], sent["revenue"])
    control = _group(holdout["recipients"], holdout["converted"], holdout["revenue"])
    return {"sent": treated, "holdout": control, **_difference(treated, control)}


def compare_variants(sums: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """Compare each variant with the holdout, or without one each with the first.

    Each row: the variant, what it is compared with, both groups' size,
    conversions and rate, the difference of rates and its 95% CI.
    """
    names = sorted(v for v in sums if v != HOLDOUT)
    if HOLDOUT in sums:
        pairs = [(name, HOLDOUT) for name in names]
    else:
        pairs = [(name, names[0]) for name in names[1:]]
    rows = []
    for name, against in pairs:
        treated, control = (
            _group(sums[n]["recipients"], sums[n]["converted"], sums[n]["revenue"])
            for n in (name, against)
        )
        rows.append(
            {
                "variant": name or "all",
                "against": against or "all",
                "treated": treated,
                "control": control,
                **_difference(treated, control),
            }
        )
    return rows


def campaign_report(title: str, campaigns: list[str]) -> dict[str, Any]:
    """Build a report over some campaigns: totals, per variant, and the holdout."""
    sums = _sums(campaigns)
    opens = _opens(campaigns)
    variants = {}
    total: dict[str, int] = dict.fromkeys(COUNTERS, 0)
    for variant in sorted(v for v in sums if v != HOLDOUT):
        _add(total, sums[variant])
        variants[variant or "all"] = _figures(sums[variant], opens.get(variant))
    opened = _opened_total([opens.get(v) for v in sums if v != HOLDOUT])
    report: dict[str, Any] = {
        "report": title,
        "attribution": attribution_rule(),
        "blocks_rule": BLOCK_RULE,
        "totals": _figures(total, opened),
        "variants": variants,
    }
    if HOLDOUT in sums:
        report["holdout"] = lift(total, sums[HOLDOUT])
    report["comparisons"] = compare_variants(sums)
    return report


def campaign_totals(campaigns: list[str]) -> dict[str, dict[str, int]]:
    """Sum the roll-up of many campaigns (holdouts left out) in one query.

    For lists of sends and scenarios: one grouped scan of the roll-up's rows
    of these campaigns instead of a report per campaign.
    """
    table = DailyRollup.__table__
    rows = db.session.execute(
        select(table.c.campaign, *[func.sum(table.c[c]).label(c) for c in COUNTERS])
        .where(table.c.campaign.in_(campaigns), table.c.variant != HOLDOUT)
        .group_by(table.c.campaign)
    ).all()
    found = {
        row.campaign: {c: int(getattr(row, c) or 0) for c in COUNTERS} for row in rows
    }
    return {
        campaign: found.get(campaign, dict.fromkeys(COUNTERS, 0))
        for campaign in campaigns
    }


def send_report(send_id: int) -> dict[str, Any]:
    """Report one segment send; recipients is its frozen audience."""
    from bot.segments.models import SegmentSend

    send = db.session.get(SegmentSend, send_id)
    if send is None:
        raise LookupError(f"no segment send {send_id}")
    from bot.segments.sending import variant_sizes

    report = campaign_report(f"send {send_id}", [f"segment:{send_id}"])
    if send.recipient_count is not None:
        # The frozen audience, also of batches not delivered yet.
        report["totals"]["recipients"] = send.recipient_count
        sizes = variant_sizes(send_id)
        for name, figures in report["variants"].items():
            figures["recipients"] = sizes.get("" if name == "all" else name, 0)
    report["coupon"] = send.coupon_id
    report["holdout_percent"] = send.holdout_percent
    return report


def scenario_report(scenario_id: str) -> dict[str, Any]:
    """Report one scenario: its variants and, with a holdout, the lift."""
    from bot.scenarios.models import ScenarioRecord

    if db.session.get(ScenarioRecord, scenario_id) is None:
        raise LookupError(f"no scenario {scenario_id!r}")
    return campaign_report(f"scenario {scenario_id}", [f"scenario:{scenario_id}"])


def coupon_report(coupon_id: str) -> dict[str, Any]:
    """Report the sends that issued one coupon, summed."""
    from bot.coupons.models import CouponDefinition
    from bot.segments.models import SegmentSend

    if db.session.get(CouponDefinition, coupon_id) is None:
        raise LookupError(f"no coupon {coupon_id!r}")
    send_ids = db.session.scalars(
        select(SegmentSend.id).where(SegmentSend.coupon_id == coupon_id)
    ).all()
    report = campaign_report(
        f"coupon {coupon_id}", [f"segment:{send_id}" for send_id in send_ids]
    )
    report["sends"] = list(send_ids)
    return report
