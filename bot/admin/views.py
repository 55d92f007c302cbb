"""Console pages: overview, audience and send (results are in results_views)."""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from bot.admin import figures
from bot.admin.audit import record_change
from bot.admin.blueprint import bp, me, page_or_csv
from bot.admin.sending import definition_from_form, plan_from_form, start_send_once
from bot.admin.tables import Table
from bot.coupons.models import CouponDefinition
from bot.csrf import new_form_key
from bot.extensions import after_commit, db
from bot.marketing.rules import quiet_hours
from bot.members.models import RANKS
from bot.models_base import utcnow
from bot.segments.definition import CHANNELS, SegmentError
from bot.segments.jobs import schedule_send
from bot.segments.service import preview_segment, split_counts
from bot.stores.models import Store

log = logging.getLogger(__name__)


@bp.get("/")
def overview() -> Any:
    """Show friends over time, the linked share, the quota and the last sends."""
    friends = figures.friends_by_day()
    sends = figures.last_sends_with_conversion()
    tables = [
        Table(
            "friends",
            ("day", "follows", "blocks", "links"),
            [
                (r["day"], r["follows"], r["blocks"], r["links"])
                for r in friends["rows"]
            ],
        ),
        Table(
            "last_sends",
            ("send", "status", "recipients", "clicked", "converted", "revenue"),
            [
                (
                    s["id"],
                    s["status"],
                    s["recipients"],
                    s["clicked"],
                    s["converted"],
                    s["revenue"],
                )
                for s in sends
            ],
        ),
    ]
    return page_or_csv(tables) or render_template(
        "admin/overview.html",
        friends=friends,
        quota=figures.quota_now(),
        sends=sends,
    )


@bp.get("/audience")
def audience() -> str:
    """Show the segment conditions, the message editor and its preview."""
    return render_template(
        "admin/audience.html",
        form=request.args,
        send_key=new_form_key(),
        **_choices(),
    )


@bp.get("/api/segment-count")
def segment_count() -> tuple[Response, int] | Response:
    """Count the friends the conditions in the query string reach (live count)."""
    try:
        definition = definition_from_form(request.args)
    except SegmentError as exc:
        return jsonify(error=str(exc)), 400
    preview = preview_segment(definition, sample_size=0)
    return jsonify(count=preview.count, conditions=definition.describe())


@bp.post("/send/confirm")
def confirm_send() -> Any:
    """Show the count and the quota the send would use, before it goes."""
    try:
        plan = plan_from_form(request.form, utcnow())
    except SegmentError as exc:
        flash(str(exc), "error")
        return render_template(
            "admin/audience.html",
            form=request.form,
            send_key=request.form.get("send_key") or new_form_key(),
            **_choices(),
        ), 400
    groups = plan.groups()
    counts = split_counts(
        plan.definition, groups, plan.holdout_percent, plan.split_seed
    )
    rows = [
        {
            "variant": variant,
            "count": counts[index],
            "messages": len(variant.messages),
            # LINE counts a message per recipient, whatever its bubbles.
            "quota": counts[index],
        }
        for index, variant in enumerate(groups)
    ]
    # A send due inside quiet hours waits until they end: say when it goes.
    hours, starts = quiet_hours(), plan.scheduled_at or utcnow()
    held_until = hours.next_allowed(starts) if hours.contains(starts) else None
    return render_template(
        "admin/confirm.html",
        form=request.form,
        plan=plan,
        held_until=held_until,
        quiet=hours,
        rows=rows,
        count=sum(row["count"] for row in rows),
        held_out=counts.get(-1, 0),
        quota_used=sum(row["quota"] for row in rows),
        quota=figures.quota_now(),
    )


@bp.post("/send")
def send() -> Any:
    """Start the send once; a second submit of the same form shows the first."""
    try:
        plan = plan_from_form(request.form, utcnow())
        send, new = start_send_once(request.form.get("send_key", ""), plan, me().id)
    except SegmentError as exc:
        db.session.rollback()
        abort(400, description=str(exc))
    if new:
        record_change(
            me().id,
            "send.create",
            f"send:{send.id}",
            conditions=plan.definition.to_dict(),
            messages=len(plan.messages),
            coupon=plan.coupon_id,
            variants=[
                {"name": v.name, "weight": v.weight, "coupon": v.coupon_id}
                for v in plan.variants or []
            ],
            holdout_percent=plan.holdout_percent,
            scheduled_at=plan.scheduled_at.isoformat() if plan.scheduled_at else None,
        )
        send_id, at = send.id, plan.scheduled_at or utcnow()
        after_commit(lambda: schedule_send(send_id, at))
    db.session.commit()
    if new:
        log.info("console send started", extra={"send_id": send.id})
        flash(f"配信 #{send.id} を開始しました。")
    else:
        flash(f"この配信はすでに受け付けています（配信 #{send.id}）。", "error")
    return redirect(url_for("admin.send_detail", send_id=send.id), 303)


def _choices() -> dict[str, Any]:
    stores = db.session.execute(select(Store.code, Store.name).order_by(Store.code))
    coupons = db.session.execute(
        select(CouponDefinition.id, CouponDefinition.title)
        .where(CouponDefinition.active.is_(True))
        .order_by(CouponDefinition.id)
    )
    return {
        "stores": list(stores),
        "coupons": list(coupons),
        "ranks": RANKS,
        "channels": CHANNELS,
    }


from bot.admin import results_views  # noqa: E402, F401  (routes on the same bp)
