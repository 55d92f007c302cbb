"""Chat side of account linking: link, unlink and tab postbacks; accountLink."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from flask import current_app

from bot.handlers.context import EventContext
from bot.line.client import LineNotFound, line_client
from bot.line.postback import encode_postback
from bot.members import service
from bot.messages import render, text_message
from bot.richmenu.service import apply_menu, liff_url

log = logging.getLogger(__name__)

# What the customer is told for each outcome that did not link.
_REFUSALS = {
    service.FAILED: "link_failed",
    service.UNKNOWN_NONCE: "link_failed",
    service.WRONG_USER: "link_failed",
    service.EXPIRED: "link_expired",
    service.REUSED: "link_reused",
    service.MEMBER_TAKEN: "link_member_taken",
    service.USER_HAS_OTHER_MEMBER: "link_user_has_other_member",
}


def _button(text: str, label: str, uri: str, alt: str) -> dict[str, Any]:
    return {
        "type": "template",
        "altText": alt,
        "template": {
            "type": "buttons",
            "text": text,
            "actions": [{"type": "uri", "label": label, "uri": uri}],
        },
    }


def start_link(ctx: EventContext, params: dict[str, str]) -> None:
    """Issue a link token for the user and reply with the button to the link page."""
    if ctx.line_user_id is None:
        return
    assert ctx.user is not None  # the dispatcher creates it for every user event
    member = service.member_for_user(ctx.user.id)
    if member is not None:
        tail = service.member_no_tail(member)
        ctx.reply([text_message(render("link_already_linked", tail=tail))])
        return
    try:
        link_token = line_client().issue_link_token(ctx.line_user_id)
    except LineNotFound:
        log.info("link token refused: the user is not a friend")
        return
    service.record_link_token(ctx.user, link_token)
    base = current_app.config["SETTINGS"].BOT_BASE_URL.rstrip("/")
    url = f"{base}/link?{urlencode({'linkToken': link_token})}"
    label = render("link_invite_button")
    ctx.reply([_button(render("link_invite"), label, url, label)])


def finish_link(ctx: EventContext) -> None:
    """Link on ok with a fresh nonce; otherwise say what to do and change nothing."""
    link = ctx.payload.get("link") or {}
    ok = link.get("result") == "ok"
    result = service.complete_link(
        str(link.get("nonce") or ""), ok, ctx.user, ctx.event.webhook_event_id
    )
    log.info("account link event", extra={"outcome": result.outcome})
    if result.outcome in service.SUCCESSFUL and ctx.user is not None:
        apply_menu(ctx.user)
        member = result.member
        tail = service.member_no_tail(member) if member else ""
        name = (member.name if member else "") or render("customer_fallback_name")
        label = render("link_card_button")
        ctx.reply(
            [
                text_message(render("link_welcome", name=name, tail=tail)),
                _button(render("link_card_prompt"), label, liff_url(), label),
            ]
        )
        return
    template = _REFUSALS.get(result.outcome, "link_failed")
    tail = service.member_no_tail(result.member) if result.member else ""
    message = [text_message(render(template, tail=tail))]
    if ctx.payload.get("replyToken"):
        ctx.reply(message)
    elif result.notify is not None:
        # A failed event has no reply token (and maybe no source): push to the
        # user the link token was issued for, once per event.
        ctx.push(message, "link-refused", to=result.notify)
    else:
        log.info("account link refused; nobody to tell")


def unlink(ctx: EventContext, params: dict[str, str]) -> None:
    """Ask to confirm, then unlink the member and put the user back on guest."""
    if ctx.line_user_id is None:
        return
    assert ctx.user is not None  # the dispatcher creates it for every user event
    member = service.member_for_user(ctx.user.id)
    confirm = params.get("confirm")
    if confirm == "no":
        ctx.reply([text_message(render("unlink_kept"))])
        return
    if confirm != "yes":
        if member is None:
            ctx.reply([text_message(render("unlink_not_linked"))])
            return
        ctx.reply([_confirm(member.id, service.member_no_tail(member))])
        return
    member_id = params.get("m", "")
    unlinked = (
        service.unlink_member(ctx.user, int(member_id)) if member_id.isdigit() else None
    )
    if unlinked is None:
        apply_menu(ctx.user)  # also repairs the menu if an earlier try stopped
        ctx.reply([text_message(render("unlink_not_linked"))])
        return
    log.info("member unlinked", extra={"user": ctx.user.id})
    apply_menu(ctx.user)
    ctx.reply([text_message(render("unlink_done"))])


def _confirm(member_id: int, tail: str) -> dict[str, Any]:
    text = render("unlink_confirm", tail=tail)
    yes, no = render("unlink_yes"), render("unlink_no")
    return {
        "type": "template",
        "altText": text[:400],
        "template": {
            "type": "confirm",
            "text": text,
            "actions": [
                {
                    "type": "postback",
                    "label": yes,
                    "data": encode_postback("unlink", confirm="yes", m=str(member_id)),
                    "displayText": yes,
                },
                {
                    "type": "postback",
                    "label": no,
                    "data": encode_postback("unlink", confirm="no"),
                    "displayText": no,
                },
            ],
        },
    }


def switch_tab(ctx: EventContext, params: dict[str, str]) -> None:
    """Do nothing: LINE already switched the member menu's tab on the phone."""
