"""unfollow: the user blocked the shop; nothing is pushed to them any more."""

from __future__ import annotations

import logging

from bot.handlers.context import EventContext
from bot.handoff.timers import close_for_blocked_customer
from bot.measure.friends import LINE, count_friend_event
from bot.measure.service import record_block
from bot.scenarios.service import leave_all_scenarios
from bot.users.service import record_unfollow

log = logging.getLogger(__name__)


def handle_unfollow(ctx: EventContext) -> None:
    """Mark the user blocked, close their conversation, take them out of scenarios.

    An unfollow event has no reply token, and nothing can be pushed now.
    """
    if ctx.line_user_id is None:
        return
    user = record_unfollow(ctx.line_user_id, ctx.occurred_at)
    if user is None:
        log.info("unfollow older than the last follow ignored")
        return
    ctx.user = user
    close_for_blocked_customer(user.id, ctx.occurred_at)
    leave_all_scenarios(user.id, ctx.occurred_at)
    record_block(user.id, ctx.occurred_at)
    count_friend_event(LINE, ctx.occurred_at, unfollows=1)
