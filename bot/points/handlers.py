"""The member menu's ポイント・履歴 tile: balance, next expiry, last entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

from bot.handlers.context import EventContext
from bot.members.service import member_for_user
from bot.messages import render, text_message
from bot.points.service import PointSummary, points_with_history
from bot.richmenu.service import liff_url

HISTORY_ENTRIES = 5


def show_points(ctx: EventContext, params: dict[str, str]) -> None:
    """Reply with the member's points as a Flex bubble (guests get how to link)."""
    member = member_for_user(ctx.user.id) if ctx.user is not None else None
    if member is None:
        ctx.reply([text_message(render("points_not_member"))])
        return
    summary, recent = points_with_history(
        member.id, ctx.occurred_at, limit=HISTORY_ENTRIES
    )
    rows = [(e.created_at, e.kind, e.delta) for e in recent]
    ctx.reply([points_bubble(summary, rows)])


def points_bubble(
    summary: PointSummary, history: list[tuple[datetime, str, int]]
) -> dict[str, Any]:
    """Build the Flex message: balance, the next lapse, the last ledger rows."""
    zone = current_app.config["SETTINGS"].timezone
    if summary.next_expiry is not None and summary.expiring_points:
        expiry = render(
            "points_expiring",
            points=f"{summary.expiring_points:,}",
            date=f"{summary.next_expiry.astimezone(zone):%Y/%m/%d}",
        )
    else:
        expiry = render("points_no_expiry")
    lines: list[dict[str, Any]] = [
        _history_row(at.astimezone(zone), kind, delta) for at, kind, delta in history
    ] or [_text(render("points_history_empty"), size="sm", color="#888888")]
    balance = f"{summary.balance:,}"
    body = [
        _text(render("points_title"), size="sm", color="#06C755", weight="bold"),
        _text(render("points_balance", balance=balance), size="xxl", weight="bold"),
        _text(expiry, size="xs", color="#888888", wrap=True),
        {"type": "separator", "margin": "lg"},
        _text(render("points_history_title"), size="sm", weight="bold", margin="lg"),
        *lines,
    ]
    return {
        "type": "flex",
        "altText": render("points_alt", balance=balance),
        "contents": {
            "type": "bubble",
            "body": {"type": "box", "layout": "vertical", "contents": body},
            "footer": {
                "type": "box",
                "layout": "vertical",
                "contents": [
                    {
                        "type": "button",
                        "style": "primary",
                        "color": "#06C755",
                        "action": {
                            "type": "uri",
                            "label": render("points_card_button"),
                            "uri": liff_url(),
                        },
                    }
                ],
            },
        },
    }


def _history_row(at: datetime, kind: str, delta: int) -> dict[str, Any]:
    return {
        "type": "box",
        "layout": "horizontal",
        "margin": "sm",
        "contents": [
            _text(f"{at:%m/%d}", size="sm", color="#888888", flex=2),
            _text(render(f"points_kind_{kind}"), size="sm", flex=3),
            _text(f"{delta:+,} pt", size="sm", align="end", flex=3),
        ],
    }


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": text, **style}
