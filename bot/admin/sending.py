"""Sends started from the console: read the form, start once per form key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.admin.models import ConsoleSendKey
from bot.coupons.line_coupons import line_coupon_messages
from bot.coupons.messages import definition_message
from bot.coupons.models import CouponDefinition
from bot.csrf import is_form_key
from bot.extensions import db
from bot.scenarios.definition import PLACEHOLDER
from bot.segments.definition import SegmentDefinition, SegmentError
from bot.segments.models import SegmentSend
from bot.segments.sending import create_send, parse_send_time
from bot.segments.service import check_known_store
from bot.segments.templates import image_messages, text_messages
from bot.segments.variants import SendVariant, check_split, seed_from_text

INT_CONDITIONS = ("min_visits", "days", "dormant_days", "birthday_month")
TEXT_CONDITIONS = ("home_store", "channel", "rank")


@dataclass(frozen=True)
class SendPlan:
    """What the form asks for: audience, messages, coupon, A/B, holdout and time."""

    definition: SegmentDefinition
    messages: list[dict[str, Any]]
    coupon_id: str | None
    scheduled_at: datetime | None
    variants: list[SendVariant] | None = None
    holdout_percent: int = 0
    split_seed: int = 0

    def groups(self) -> list[SendVariant]:
        """Return the variants, or the one message everyone gets."""
        return self.variants or [SendVariant("", 1, self.messages, self.coupon_id)]


def definition_from_form(form: Any) -> SegmentDefinition:
    """Build a segment definition from form fields; empty ones are unused."""
    values: dict[str, Any] = {}
    for name in INT_CONDITIONS:
        raw = (form.get(name) or "").strip()
        if raw:
            try:
                values[name] = int(raw)
            except ValueError:
                raise SegmentError(f"{name} must be a whole number") from None
    for name in TEXT_CONDITIONS:
        raw = (form.get(name) or "").strip()
        if raw:
            values[name] = raw[:64]
    linked = form.get("linked") or ""
    if linked in ("yes", "no"):
        values["linked"] = linked == "yes"
    elif linked:
        raise SegmentError("linked must be yes, no or empty")
    return check_known_store(SegmentDefinition.from_dict(values))


def plan_from_form(form: Any, now: datetime) -> SendPlan:
    """Read the whole send form, refusing anything the send cannot take."""
    definition = definition_from_form(form)
    messages, coupon_id = _message_from_form(form, "")
    variants = None
    if form.get("ab") == "1":
        split = _whole_number(form, "split", 50)
        if not 1 <= split <= 99:
            raise SegmentError("the A/B split must give A 1 to 99 percent")
        b_messages, b_coupon = _message_from_form(form, "b_")
        variants = [
            SendVariant("A", split, messages, coupon_id),
            SendVariant("B", 100 - split, b_messages, b_coupon),
        ]
    holdout = _whole_number(form, "holdout", 0)
    if variants:
        check_split(variants, holdout)
    else:
        check_split([SendVariant("-", 1, messages, coupon_id)], holdout)
    return SendPlan(
        definition,
        messages,
        coupon_id,
        _send_time(form, now),
        variants,
        holdout,
        seed_from_text(form.get("send_key") or ""),
    )


def _message_from_form(
    form: Any, prefix: str
) -> tuple[list[dict[str, Any]], str | None]:
    """Read one variant's text, image URL and coupon (fields named prefix + ...)."""
    text = (form.get(f"{prefix}text") or "").strip()
    image = (form.get(f"{prefix}image_url") or "").strip()
    which = "variant B: " if prefix else ""
    coupon_id = (form.get(f"{prefix}coupon_id") or "").strip() or None
    if not text and not image and coupon_id is None:
        raise SegmentError(f"{which}write a text, give an image URL or a coupon")
    placeholder = PLACEHOLDER.search(text)
    if placeholder:
        raise SegmentError(
            f"{which}{placeholder[0]} would reach customers as written: a send"
            " carries one text for everyone (names are filled in by scenarios)"
        )
    messages: list[dict[str, Any]] = []
    if text:
        messages += text_messages(text)
    if image:
        messages += image_messages(image)
    if coupon_id is not None:
        coupon = db.session.get(CouponDefinition, coupon_id)
        if coupon is None or not coupon.active:
            raise SegmentError(f"{which}no active coupon {coupon_id!r}")
        # The customer sees the coupon, as the preview shows it, with its
        # button to the coupon page (the copies are issued batch by batch).
        if coupon.line_coupon:
            try:
                messages += line_coupon_messages(coupon)
            except ValueError as exc:
                raise SegmentError(f"{which}{exc}: run `coupons load` first") from None
            coupon_id = None  # LINE keeps a LINE coupon's copies
        else:
            messages.append(definition_message(coupon))
    return messages, coupon_id


def _whole_number(form: Any, name: str, default: int) -> int:
    raw = (form.get(name) or "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SegmentError(f"{name} must be a whole number") from None


def _send_time(form: Any, now: datetime) -> datetime | None:
    if form.get("when") != "later":
        return None
    return parse_send_time(form.get("send_at") or "", now)


def send_for_key(key: str) -> SegmentSend | None:
    """Return the send a form key already started, if any."""
    found = db.session.get(ConsoleSendKey, key)
    return db.session.get(SegmentSend, found.send_id) if found else None


def start_send_once(
    key: str, plan: SendPlan, operator_id: int
) -> tuple[SegmentSend, bool]:
    """Create the send for a form key, or return the one it made; True if new.

    The key row and the send are inserted together; a second submit racing
    the first fails on the key's primary key and finds the first send.
    """
    if not is_form_key(key):
        raise SegmentError("the form has no valid send key; reload the page")
    existing = send_for_key(key)
    if existing is not None:
        return existing, False
    try:
        with db.session.begin_nested():
            send = create_send(
                plan.definition,
                plan.messages,
                scheduled_at=plan.scheduled_at,
                coupon_id=plan.coupon_id,
                variants=plan.variants,
                holdout_percent=plan.holdout_percent,
                split_seed=plan.split_seed,
            )
            db.session.add(
                ConsoleSendKey(key=key, send_id=send.id, operator_id=operator_id)
            )
            db.session.flush()
    except IntegrityError:
        existing = send_for_key(key)
        if existing is None:
            raise
        return existing, False
    return send, True


def recent_sends(limit: int = 30) -> list[SegmentSend]:
    """Return the newest segment sends."""
    return list(
        db.session.scalars(
            select(SegmentSend).order_by(SegmentSend.id.desc()).limit(limit)
        )
    )
