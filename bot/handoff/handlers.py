"""The customer's side of a handoff: asking for a person, waiting, ending it."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import current_app

from bot.handlers.context import EventContext
from bot.handoff import service
from bot.handoff.hours import describe_moment
from bot.handoff.models import BOT_SENDER, CUSTOMER, Conversation
from bot.line.postback import encode_postback
from bot.messages import render, text_message
from bot.models_base import utcnow
from bot.richmenu import service as richmenu_service
from bot.users.models import LineUser

log = logging.getLogger(__name__)

SUPPORT_MENU = "support"
# Folded (NFKC, hiragana, no long-vowel marks) phrases that ask for a person.
PERSON_PHRASES = (
    "すたっふ",
    "おぺれた",
    "有人",
    "担当者",
    "担当の方",
    "人と話",
    "人とはな",
    "人に聞",
    "人にき",
    "ひとと話",
    "人間と",
    "人間に",
    "係の人",
    "責任者",
    "店員さんと",
    "直接話",
    "電話で話",
)
_KATAKANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}


def wants_person(text: str) -> bool:
    """Tell whether a message asks to talk to a person."""
    folded = unicodedata.normalize("NFKC", text).lower().translate(_KATAKANA)
    folded = "".join(c for c in folded if not c.isspace() and c not in "ー〜～")
    return any(phrase in folded for phrase in PERSON_PHRASES)


def handoff_quick_reply_item() -> dict[str, Any]:
    """Return the quick reply button that hands the customer to a person."""
    return {
        "type": "action",
        "action": {
            "type": "postback",
            "label": render("handoff_button"),
            "data": encode_postback("handoff"),
            "displayText": render("handoff_button_text"),
        },
    }


def customer_of(ctx: EventContext) -> LineUser | None:
    """Return the event's user (the dispatcher created it on first contact)."""
    return ctx.user


def hand_to_person(
    ctx: EventContext,
    user: LineUser,
    reason: str,
    customer_texts: Sequence[tuple[str, str]] = (),
    *,
    after_misses: bool = False,
) -> Conversation:
    """Queue the customer for a person, keep their words and acknowledge once."""
    now = utcnow()
    existing = service.open_conversation_of(user.id)
    conversation = existing or service.open_conversation(user.id, reason, now)
    for event_id, text in customer_texts:
        service.record_message(
            conversation, CUSTOMER, text=text, source_event_id=event_id, now=now
        )
    if existing is not None:
        return conversation  # acknowledged when it opened
    ack = acknowledgement(now)
    if after_misses:
        ack = f"{render('handoff_after_misses')}\n{ack}"
    service.record_message(conversation, BOT_SENDER, text=ack, delivery="replied")
    ctx.reply([text_message(ack)])
    richmenu_service.apply_menu(user, SUPPORT_MENU)
    log.info("customer handed to a person", extra={"reason": reason})
    return conversation


def acknowledgement(now: datetime) -> str:
    """Return the handoff acknowledgement, saying when a person answers."""
    hours = service.business_hours()
    if hours.is_open(now):
        return render("handoff_ack")
    zone = current_app.config["SETTINGS"].timezone
    return render(
        "handoff_ack_closed",
        hours=hours.describe(),
        opens=describe_moment(hours.next_opening(now), zone),
    )


def keep_for_operator(ctx: EventContext) -> bool:
    """Store any message of a customer who waits for or talks to a person."""
    if ctx.line_user_id is None or ctx.user is None:
        return False
    if service.OPEN_CONVERSATION in ctx.preloaded:
        conversation = ctx.preloaded[service.OPEN_CONVERSATION]
    else:
        conversation = service.open_conversation_of(ctx.user.id)
    if conversation is None:
        return False
    message = ctx.payload.get("message") or {}
    kind = str(message.get("type") or "other")[:16]
    service.record_message(
        conversation,
        CUSTOMER,
        kind=kind,
        text=message.get("text") if kind == "text" else None,
        source_event_id=ctx.event.webhook_event_id,
        now=ctx.occurred_at,
        read_token=str(message.get("markAsReadToken") or "")[:255] or None,
    )
    return True


def ask_for_person(ctx: EventContext, params: dict[str, str]) -> None:
    """Hand the customer to a person from a quick reply or menu button."""
    user = customer_of(ctx)
    if user is None:
        return
    reason = "menu" if params.get("via") == "menu" else "quick_reply"
    hand_to_person(ctx, user, reason)


def end_support(ctx: EventContext, params: dict[str, str]) -> None:
    """End the handoff from the support menu and return to the bot."""
    user = customer_of(ctx)
    if user is None:
        return
    conversation = service.open_conversation_of(user.id)
    closed = (
        service.resolve_conversation(conversation.id, "customer", utcnow())
        if conversation is not None
        else None
    )
    if closed is None:
        ctx.reply([text_message(render("handoff_not_in_support"))])
    else:
        closing = render("handoff_closing_customer")
        service.record_message(closed, BOT_SENDER, text=closing, delivery="replied")
        ctx.reply([text_message(closing)])
    richmenu_service.apply_menu(user)


def support_menu_while_handed_off(user: LineUser) -> str | None:
    """Name the support menu for a customer who waits for or talks to a person."""
    return SUPPORT_MENU if service.open_conversation_of(user.id) else None
