"""Thank-you and review-request messages, each sent at most once.

Timing lives in the database (`thanks_due_at`, `review_due_at`). A delayed job
is queued when a message becomes due-able (the quick path); the sweep job
`send_due_follow_ups` (run by `flask --app wsgi purchases send-due` from cron,
every few minutes) queues anything due that Redis lost or never held, such as
a review request days away. Sending locks the purchase row, skips it if it was
handled, pushes with a retry key derived from the purchase and records the
outcome in the same transaction, so duplicated or retried jobs send once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app
from sqlalchemy import select

from bot.extensions import after_commit, db
from bot.jobs import enqueue
from bot.line.client import LineApiError, LineTransientError
from bot.line.delivery import push_to_user, retry_key_for
from bot.members.models import Member
from bot.members.service import member_by_id
from bot.messages import render, text_message
from bot.models_base import utcnow
from bot.purchases.models import STORE, Purchase
from bot.purchases.service import REFUNDED, due_follow_ups
from bot.stores.models import Store

log = logging.getLogger(__name__)


def _locked_purchase(purchase_id: int) -> Purchase | None:
    return db.session.scalar(
        select(Purchase).where(Purchase.id == purchase_id).with_for_update()
    )


def _push(purchase: Purchase, kind: str, build: Callable[[Member], str]) -> str:
    member = member_by_id(purchase.member_id) if purchase.member_id else None
    if member is None or member.line_user is None:
        return "no_line"
    message = text_message(build(member))
    try:
        return push_to_user(
            member.line_user, [message], retry_key_for(kind, purchase.id)
        )
    except LineTransientError:
        raise  # retried with backoff under the same retry key
    except LineApiError as exc:
        log.warning(
            "follow-up refused by LINE",
            extra={"purchase": purchase.id, "status": exc.status},
        )
        return "failed"


def _thanks_text(purchase: Purchase, member: Member) -> str:
    if purchase.channel == STORE:
        store = db.session.scalar(select(Store).where(Store.code == purchase.origin))
        return render(
            "purchase_thanks_store",
            name=member.name,
            store=store.name if store else purchase.origin,
            earned=purchase.points_earned,
        )
    return render(
        "purchase_thanks_online",
        name=member.name,
        order=purchase.reference,
        earned=purchase.points_earned,
    )


def send_purchase_thanks(purchase_id: int) -> None:
    """Thank the customer for a purchase once, when it is due."""
    now = utcnow()
    purchase = _locked_purchase(purchase_id)
    if purchase is None or purchase.thanked_at is not None:
        db.session.rollback()
        return
    if purchase.thanks_due_at is None or purchase.thanks_due_at > now:
        db.session.rollback()  # too early: the sweep or the delayed job comes back
        return
    if purchase.status == REFUNDED:
        result = "refunded"
    else:
        result = _push(purchase, "purchase-thanks", lambda m: _thanks_text(purchase, m))
    purchase.thanked_at, purchase.thanks_result = now, result
    db.session.commit()
    log.info("purchase thanks", extra={"purchase": purchase_id, "result": result})


def send_review_request(purchase_id: int) -> None:
    """Ask for a review once, REVIEW_REQUEST_DAYS after the order was delivered."""
    now = utcnow()
    purchase = _locked_purchase(purchase_id)
    if purchase is None or purchase.review_requested_at is not None:
        db.session.rollback()
        return
    if purchase.review_due_at is None or purchase.review_due_at > now:
        db.session.rollback()
        return
    url = current_app.config["SETTINGS"].ONLINE_STORE_URL
    result = _push(
        purchase,
        "review-request",
        lambda m: render("review_request", name=m.name, url=url),
    )
    purchase.review_requested_at, purchase.review_result = now, result
    db.session.commit()
    log.info("review request", extra={"purchase": purchase_id, "result": result})


def send_due_follow_ups() -> None:
    """Queue every thank-you and review request that is due and not yet sent."""
    thanks, reviews = due_follow_ups(utcnow())
    db.session.rollback()
    for purchase_id in thanks:
        enqueue(send_purchase_thanks, purchase_id)
    for purchase_id in reviews:
        enqueue(send_review_request, purchase_id)


def queue_due_follow_ups() -> None:
    """Each minute in the worker, queue the follow-ups whose time has come."""
    send_due_follow_ups()


def schedule_thanks(purchase: Purchase) -> None:
    """Queue the thank-you once the transaction commits, if it is due by then.

    Later ones wait in the database (`thanks_due_at`) for the worker's minute
    sweep: nothing days away sits in Redis or in a worker's memory.
    """
    if purchase.thanks_due_at is not None and purchase.thanks_due_at <= utcnow():
        purchase_id = purchase.id
        after_commit(lambda: enqueue(send_purchase_thanks, purchase_id))


def schedule_review_request(purchase: Purchase) -> None:
    """Queue the review request once the transaction commits, if it is due."""
    if purchase.review_due_at is not None and purchase.review_due_at <= utcnow():
        purchase_id = purchase.id
        after_commit(lambda: enqueue(send_review_request, purchase_id))
