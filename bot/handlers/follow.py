"""follow: a user adds the shop as a friend (or unblocks it)."""

from __future__ import annotations

import logging

from bot.handlers.context import EventContext
from bot.line.client import line_client
from bot.measure.friends import LINE, count_friend_event
from bot.members.service import member_for_user
from bot.messages import render, text_message
from bot.richmenu.service import apply_menu
from bot.scenarios.triggers import fire_event
from bot.users.service import record_follow

log = logging.getLogger(__name__)


def handle_follow(ctx: EventContext) -> None:
    """Record the friend with their profile and welcome them (back)."""
    if ctx.line_user_id is None:
        log.info("follow without a user source ignored")
        return
    # A returning friend's profile may have changed; a new one's was just read.
    profile = None if ctx.first_contact else line_client().get_profile(ctx.line_user_id)
    user = record_follow(ctx.line_user_id, profile, ctx.occurred_at)
    if user is None:
        log.info("follow older than the last unfollow ignored")
        return
    ctx.user = user
    count_friend_event(LINE, ctx.occurred_at, follows=1)
    # A returning member gets the member menu back; a guest sees the default.
    apply_menu(ctx.user)
    # A linked member reads the member name, as in every other message.
    member = member_for_user(ctx.user.id)
    name = (
        (member.name if member else None)
        or ctx.user.display_name
        or render("customer_fallback_name")
    )
    unblocked = bool((ctx.payload.get("follow") or {}).get("isUnblocked"))
    if not unblocked:
        # Unblocking does not put a customer back into scenarios.
        fire_event("follow", ctx.user.id, ctx.event.webhook_event_id, ctx.occurred_at)
    template = "welcome_back" if unblocked else "welcome"
    ctx.reply([text_message(render(template, name=name))])
