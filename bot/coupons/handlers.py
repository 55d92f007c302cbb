"""The member menu's クーポン tile."""

from __future__ import annotations

from bot.handlers.context import EventContext
from bot.messages import render, text_message


def show_coupons(ctx: EventContext, params: dict[str, str]) -> None:
    """Reply with the customer's usable coupons (none are issued yet)."""
    ctx.reply([text_message(render("coupons_none"))])
