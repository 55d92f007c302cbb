"""Console pages: sends, scenarios, coupons, FAQ and the audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.admin import figures
from bot.admin.audit import recent_changes, record_change
from bot.admin.blueprint import admin_only, bp, me, page_or_csv
from bot.admin.tables import Table
from bot.coupons.stats import coupon_stats
from bot.coupons.withdrawal import CouponNotFound, withdraw_definition
from bot.extensions import db
from bot.faq import gaps as faq_gaps
from bot.faq.service import live_faq
from bot.measure.formats import COLUMNS as FUNNEL
from bot.measure.models import DailyRollup
from bot.measure.report import campaign_totals, scenario_report, send_report
from bot.models_base import utcnow
from bot.scenarios.loader import set_paused
from bot.scenarios.models import ScenarioRecord
from bot.segments.definition import SegmentError
from bot.segments.models import SegmentSend
from bot.segments.sending import cancel_send

QUESTION_LIMIT = 500


def _funnel_tables(name: str, report: dict[str, Any]) -> list[Table]:
    groups = [("total", report["totals"]), *report["variants"].items()]
    tables = [
        Table(
            f"{name}_funnel",
            ("group", *FUNNEL),
            [(group, *(figures[c] for c in FUNNEL)) for group, figures in groups],
        )
    ]
    comparisons = report.get("comparisons")
    if comparisons:
        tables.append(
            Table(
                f"{name}_comparisons",
                (
                    "variant",
                    "against",
                    "size",
                    "converted",
                    "rate",
                    "against_size",
                    "against_converted",
                    "against_rate",
                    "difference",
                    "ci_low",
                    "ci_high",
                ),
                [
                    (
                        c["variant"],
                        c["against"],
                        c["treated"]["size"],
                        c["treated"]["converted"],
                        c["treated"]["rate"],
                        c["control"]["size"],
                        c["control"]["converted"],
                        c["control"]["rate"],
                        c["difference"],
                        *(c["ci95"] or (None, None)),
                    )
                    for c in comparisons
                ],
            )
        )
    holdout = report.get("holdout")
    if holdout:
        ci = holdout["ci95"] or (None, None)
        tables.append(
            Table(
                f"{name}_lift",
                (
                    "group",
                    "size",
                    "converted",
                    "rate",
                    "difference",
                    "ci_low",
                    "ci_high",
                ),
                [
                    (
                        group,
                        holdout[group]["size"],
                        holdout[group]["converted"],
                        holdout[group]["rate"],
                        # The difference is the sent group's against the holdout.
                        *(
                            (holdout["difference"], *ci)
                            if group == "sent"
                            else (None, None, None)
                        ),
                    )
                    for group in ("sent", "holdout")
                ],
            )
        )
    return tables


def _daily_table(name: str, campaign: str) -> Table:
    rows = db.session.execute(
        select(
            DailyRollup.day,
            DailyRollup.variant,
            DailyRollup.delivered,
            DailyRollup.clickers,
            DailyRollup.converted,
            DailyRollup.revenue,
        )
        .where(DailyRollup.campaign == campaign)
        .order_by(DailyRollup.day, DailyRollup.variant)
    )
    return Table(
        f"{name}_daily",
        ("day", "variant", "delivered", "clicked", "converted", "revenue"),
        [(day.isoformat(), *rest) for day, *rest in rows],
    )


@bp.get("/sends")
def sends() -> Any:
    """List sends and scenarios with their main figures."""
    sends = figures.last_sends_with_conversion(50)
    send_rows = [
        (
            s["id"],
            s["status"],
            s["coupon"] or "",
            s["recipients"],
            s["delivered"],
            s["clicked"],
            s["converted"],
            s["revenue"],
        )
        for s in sends
    ]
    records = list(
        db.session.scalars(select(ScenarioRecord).order_by(ScenarioRecord.id))
    )
    scenario_totals = campaign_totals([f"scenario:{r.id}" for r in records])
    scenario_rows = []
    for record in records:
        totals = scenario_totals[f"scenario:{record.id}"]
        scenario_rows.append(
            (
                record.id,
                record.trigger,
                record.status,
                totals["delivered"],
                totals["clickers"],
                totals["converted"],
                totals["revenue"],
            )
        )
    tables = [
        Table(
            "sends",
            (
                "send",
                "status",
                "coupon",
                "recipients",
                "delivered",
                "clicked",
                "converted",
                "revenue",
            ),
            send_rows,
        ),
        Table(
            "scenarios",
            (
                "scenario",
                "trigger",
                "status",
                "delivered",
                "clicked",
                "converted",
                "revenue",
            ),
            scenario_rows,
        ),
    ]
    return page_or_csv(tables) or render_template("admin/sends.html")


@bp.get("/sends/<int:send_id>")
def send_detail(send_id: int) -> Any:
    """Show a send's funnel, its variants and holdout, and its days."""
    send = db.session.get(SegmentSend, send_id) or abort(404)
    report = send_report(send_id)
    tables = [
        *_funnel_tables("send", report),
        _daily_table("send", f"segment:{send_id}"),
    ]
    return page_or_csv(tables) or render_template(
        "admin/result.html",
        title=f"配信 #{send.id}",
        subject=send,
        report=report,
        kind="send",
    )


@bp.get("/scenarios/<scenario_id>")
def scenario_detail(scenario_id: str) -> Any:
    """Show a scenario's funnel, variants side by side and the lift."""
    record = db.session.get(ScenarioRecord, scenario_id) or abort(404)
    report = scenario_report(scenario_id)
    tables = [
        *_funnel_tables("scenario", report),
        _daily_table("scenario", f"scenario:{scenario_id}"),
    ]
    return page_or_csv(tables) or render_template(
        "admin/result.html",
        title=f"シナリオ {record.id}",
        subject=record,
        report=report,
        kind="scenario",
    )


@bp.post("/scenarios/<scenario_id>/pause")
def pause_scenario(scenario_id: str) -> Any:
    """Pause or resume a scenario (form field `paused`: 1 or 0)."""
    paused = request.form.get("paused") == "1"
    try:
        set_paused(scenario_id, paused)
    except LookupError:
        db.session.rollback()
        abort(404)
    record_change(
        me().id,
        "scenario.pause" if paused else "scenario.resume",
        f"scenario:{scenario_id}",
    )
    db.session.commit()
    flash("シナリオを一時停止しました。" if paused else "シナリオを再開しました。")
    return redirect(url_for("admin.scenario_detail", scenario_id=scenario_id), 303)


@bp.post("/sends/<int:send_id>/cancel")
def cancel_scheduled_send(send_id: int) -> Any:
    """Call off a scheduled send before it starts; say why when it cannot be."""
    if db.session.get(SegmentSend, send_id) is None:
        abort(404)
    try:
        cancel_send(send_id)
    except SegmentError:
        db.session.rollback()
        flash("この配信はすでに始まっているため、取り消せません。", "error")
        return redirect(url_for("admin.send_detail", send_id=send_id), 303)
    record_change(me().id, "send.cancel", f"send:{send_id}")
    db.session.commit()
    flash(f"配信 #{send_id} を取り消しました。")
    return redirect(url_for("admin.send_detail", send_id=send_id), 303)


@bp.get("/coupons")
def coupons() -> Any:
    """Show each coupon's issued, used in store and online, expired; withdraw."""
    figures = coupon_stats(utcnow())
    table = Table(
        "coupons",
        (
            "coupon",
            "issued",
            "used_store",
            "used_online",
            "expired",
            "usable",
            "withdrawn",
            "discount_total",
            "used_by_store",
        ),
        [
            (
                f["coupon_id"],
                f["issued"],
                f["used_store"],
                f["used_online"],
                f["expired"],
                f["usable"],
                f["withdrawn"],
                f["discount_total"],
                "; ".join(f"{k}={v}" for k, v in f["used_by_store"].items()),
            )
            for f in figures
        ],
    )
    return page_or_csv([table]) or render_template("admin/coupons.html")


@bp.post("/coupons/<coupon_id>/withdraw")
def withdraw(coupon_id: str) -> Any:
    """Withdraw a coupon: its unused copies stop working."""
    try:
        count = withdraw_definition(coupon_id)
    except CouponNotFound:
        db.session.rollback()
        abort(404)
    record_change(me().id, "coupon.withdraw", f"coupon:{coupon_id}", copies=count)
    db.session.commit()
    flash(f"クーポン {coupon_id} を取り消しました（未使用 {count} 枚）。")
    return redirect(url_for("admin.coupons"), 303)


@bp.get("/faq")
def faq() -> Any:
    """Show the FAQ entries, unanswered questions, and try a question."""
    index = live_faq().index
    keep = current_app.config["SETTINGS"].FAQ_GAPS_KEEP_DAYS
    groups = faq_gaps.gap_groups(utcnow() - timedelta(days=keep))
    tables = [
        Table(
            "faq_entries",
            ("id", "category", "question"),
            [(e.id, e.category, e.question) for e in index.entries],
        ),
        Table(
            "faq_gaps",
            ("asked", "customers", "question", "last_seen"),
            [
                (
                    g.count,
                    len(g.users),
                    g.texts[0],
                    g.last_seen.isoformat(timespec="minutes") if g.last_seen else "",
                )
                for g in groups
            ],
        ),
    ]
    question = (request.args.get("q") or "").strip()[:QUESTION_LIMIT]
    trial = None
    if question:
        match = index.match(question)
        scored = [(score, index.entries[p]) for score, p in index.score(question)[:3]]
        trial = {"question": question, "match": match, "scored": scored}
    return page_or_csv(tables) or render_template("admin/faq.html", trial=trial)


@bp.get("/audit")
def audit() -> Any:
    """Show the audit log (admins only)."""
    admin_only()
    table = Table(
        "audit",
        ("when", "who", "action", "target", "details"),
        [
            (
                e.created_at.isoformat(timespec="seconds"),
                email or "-",
                e.action,
                e.target,
                e.details,
            )
            for e, email in recent_changes()
        ],
    )
    return page_or_csv([table]) or render_template("admin/audit.html")
