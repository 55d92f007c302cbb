"""The member menu's クーポン tile."""

from __future__ import annotations

from bot.coupons.messages import coupons_carousel
from bot.coupons.service import usable_coupons_for_user
from bot.handlers.context import EventContext
from bot.messages import render, text_message


def show_coupons(ctx: EventContext, params: dict[str, str]) -> None:
    """Reply with the customer's usable coupons as a carousel, or say there are none."""
    coupons = (
        usable_coupons_for_user(ctx.user.id, ctx.occurred_at)
        if ctx.user is not None
        else []
    )
    if not coupons:
        ctx.reply([text_message(render("coupons_none"))])
        return
    ctx.reply([coupons_carousel(coupons)])
