"""Answering text messages and FAQ buttons from the live FAQ."""

from __future__ import annotations

import logging
from typing import Any

from bot.faq.content import FaqEntry
from bot.faq.gaps import record_gap
from bot.faq.service import LiveFaq, live_faq
from bot.handlers.context import EventContext
from bot.handoff import service as handoff
from bot.handoff.handlers import (
    customer_of,
    hand_to_person,
    handoff_quick_reply_item,
    wants_person,
)
from bot.line.client import LineApiError, line_client
from bot.line.postback import encode_postback
from bot.messages import render, text_message

log = logging.getLogger(__name__)

LABEL_LIMIT = 20
QUICK_REPLY_LIMIT = 13
# LINE takes multiples of 5; the answer usually replaces it well before.
LOADING_SECONDS = 5


def answer_text(ctx: EventContext) -> None:
    """Answer from the FAQ, offer close candidates, or hand over to a person."""
    user = customer_of(ctx)
    text = str((ctx.payload.get("message") or {}).get("text") or "")
    if user is None:
        return
    event_id = ctx.event.webhook_event_id
    if wants_person(text):
        handoff.clear_not_understood(user.id)
        hand_to_person(ctx, user, "asked", [(event_id, text)])
        return
    result = live_faq(lambda: show_loading(user.line_user_id)).index.match(text)
    log.info(
        "faq matched", extra={"kind": result.kind, "score": round(result.score, 3)}
    )
    if result.kind == "answer" and result.entry is not None:
        handoff.clear_not_understood(user.id)
        ctx.reply([answer_message(result.entry)])
    elif result.kind == "candidates":
        handoff.clear_not_understood(user.id)
        record_gap(user.id, text, "candidates", result.candidates[0].id)
        ctx.reply([candidates_message(result.candidates)])
    else:
        record_gap(user.id, text, "none", None)
        misses = handoff.note_not_understood(user.id, event_id, text)
        if len(misses) >= handoff.MISSES_BEFORE_HANDOFF:
            handoff.clear_not_understood(user.id)
            hand_to_person(ctx, user, "not_understood", misses, after_misses=True)
            return
        ctx.reply(
            [
                text_message(
                    render("faq_not_understood"),
                    quickReply={"items": [handoff_quick_reply_item()]},
                )
            ]
        )


def show_loading(line_user_id: str) -> None:
    """Show LINE's loading animation while the FAQ index is rebuilt."""
    try:
        line_client().show_loading(line_user_id, LOADING_SECONDS)
    except LineApiError as exc:  # only a courtesy: answer all the same
        log.warning("loading animation not shown", extra={"status": exc.status})


def answer_message(entry: FaqEntry) -> dict[str, Any]:
    """Return the entry's answer, exactly as written, with follow-up buttons."""
    items = [_postback_item(render("faq_more_button"), encode_postback("faq"))]
    items.append(handoff_quick_reply_item())
    return text_message(entry.answer, quickReply={"items": items})


def candidates_message(candidates: tuple[FaqEntry, ...]) -> dict[str, Any]:
    """Offer up to three close questions as buttons, and a person."""
    items = [_pick_item(entry) for entry in candidates[:3]]
    items.append(handoff_quick_reply_item())
    return text_message(render("faq_candidates"), quickReply={"items": items})


def show_faq_menu(ctx: EventContext, params: dict[str, str]) -> None:
    """List the FAQ categories, or the questions of one category, as buttons."""
    faq = live_faq()
    category = params.get("category")
    if category and category in faq.categories:
        ctx.reply([_category_message(faq, category)])
        return
    if not faq.categories:
        text, items = render("faq_menu_empty"), []
    else:
        text = render("faq_menu")
        items = [
            _postback_item(_label(name), encode_postback("faq", category=name), name)
            for name in faq.categories[: QUICK_REPLY_LIMIT - 1]
        ]
    items.append(handoff_quick_reply_item())
    ctx.reply([text_message(text, quickReply={"items": items})])


def answer_pick(ctx: EventContext, params: dict[str, str]) -> None:
    """Answer the question the customer picked from the buttons."""
    entry = live_faq().by_id.get(params.get("id", ""))
    user = customer_of(ctx)
    if user is not None:
        handoff.clear_not_understood(user.id)
    if entry is None:
        ctx.reply(
            [
                text_message(
                    render("faq_pick_gone"),
                    quickReply={"items": [handoff_quick_reply_item()]},
                )
            ]
        )
        return
    ctx.reply([answer_message(entry)])


def _category_message(faq: LiveFaq, category: str) -> dict[str, Any]:
    entries = faq.in_category(category)[: QUICK_REPLY_LIMIT - 1]
    items = [_pick_item(entry) for entry in entries]
    items.append(handoff_quick_reply_item())
    return text_message(
        render("faq_category", category=category), quickReply={"items": items}
    )


def _pick_item(entry: FaqEntry) -> dict[str, Any]:
    data = encode_postback("faq_pick", id=entry.id)
    return _postback_item(_label(entry.question), data, entry.question[:300])


def _postback_item(
    label: str, data: str, display_text: str | None = None
) -> dict[str, Any]:
    action = {"type": "postback", "label": label, "data": data}
    action["displayText"] = display_text or label
    return {"type": "action", "action": action}


def _label(text: str) -> str:
    """Fit a question into LINE's 20-character button label."""
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"
