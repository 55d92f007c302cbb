"""The register API under /api/pos (per-store keys) and the /staff page."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, g, jsonify, request, send_from_directory
from sqlalchemy.exc import IntegrityError

from bot.cards.service import (
    CardCodeExpired,
    CardCodeUsed,
    UnknownCardCode,
    looks_like_card_code,
    member_summary,
    use_card_code,
)
from bot.coupons.models import IN_STORE, PersonalCoupon
from bot.coupons.redemption import (
    Applied,
    CouponExpired,
    CouponRefused,
    CouponUsed,
    UnknownCoupon,
    check_coupons,
    claim_coupons,
    restore_coupons,
)
from bot.coupons.service import (
    ScanCodeExpired,
    ScanCodeUsed,
    UnknownScanCode,
    format_code,
    guest_holding,
    looks_like_scan_code,
    register_coupons,
    use_scan_code,
)
from bot.extensions import db
from bot.members.models import Member
from bot.members.numbers import is_valid_member_no
from bot.members.service import member_by_id, member_by_no
from bot.models_base import utcnow
from bot.operator.views import SECURITY_HEADERS
from bot.points.service import NotEnoughPoints
from bot.pos.openapi import VALIDATORS, openapi_document
from bot.purchases.jobs import schedule_thanks
from bot.purchases.models import STORE, Purchase
from bot.purchases.service import (
    Recorded,
    UnknownPurchase,
    find_purchase,
    ledger_reference,
    record_guest_store_purchase,
    record_store_purchase,
    refund_store_purchase,
)
from bot.stores.service import store_for_api_key

log = logging.getLogger(__name__)
api = Blueprint("pos_api", __name__, url_prefix="/api/pos")
staff = Blueprint("staff", __name__)


@staff.after_request
def _security_headers(response: Response) -> Response:
    # The consoles' headers: the page holds the store key, so no framing,
    # no script but its own, no sniffing.
    response.headers.update(SECURITY_HEADERS)
    return response


STATIC_DIR = Path(__file__).resolve().parent / "static"


class ApiRefusal(Exception):
    """An answer with an error status, a stable code and a message for staff."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


@api.errorhandler(ApiRefusal)
def _refused(exc: ApiRefusal) -> tuple[Response, int]:
    log.info("pos request refused", extra={"status": exc.status, "error": exc.error})
    return jsonify(error=exc.error, message=exc.message), exc.status


@api.before_request
def _authenticate() -> None:
    if request.endpoint == "pos_api.openapi":
        return
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    store = store_for_api_key(key.strip()) if scheme.lower() == "bearer" else None
    if store is None:
        raise ApiRefusal(
            401, "unauthorized", "店舗APIキーが正しくありません (invalid store API key)"
        )
    g.store = store


def _body(schema: str) -> dict[str, Any]:
    if not request.is_json:
        raise ApiRefusal(
            415,
            "unsupported_media_type",
            "Content-Type: application/json で送ってください",
        )
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiRefusal(422, "invalid_body", "JSONオブジェクトを送ってください")
    errors = sorted(VALIDATORS[schema].iter_errors(body), key=lambda e: list(e.path))
    if errors:
        where = ".".join(str(p) for p in errors[0].path) or "body"
        raise ApiRefusal(422, "invalid_body", f"{where}: {errors[0].message}")
    return body


def _member_or_404(member_no: str) -> Member:
    member = member_by_no(member_no) if is_valid_member_no(member_no) else None
    if member is None:
        raise ApiRefusal(404, "unknown_member", "この会員番号の会員は見つかりません")
    return member


def _purchase_json(purchase: Purchase) -> dict[str, Any]:
    return {
        "id": purchase.id,
        "store_code": purchase.origin,
        "receipt_no": purchase.reference,
        "amount": purchase.amount,
        "points_used": purchase.points_used,
        "discount": purchase.discount,
        "points_earned": purchase.points_earned,
        "status": purchase.status,
        "purchased_at": purchase.purchased_at.isoformat(timespec="seconds"),
    }


@api.get("/openapi.json")
def openapi() -> Response:
    """Publish the register API as an OpenAPI 3.1 document."""
    return jsonify(openapi_document(request.host_url.rstrip("/")))


@api.get("/store")
def current_store() -> Response:
    """Tell the register which store its key belongs to."""
    return jsonify(code=g.store.code, name=g.store.name)


@api.post("/scan")
def scan() -> Response:
    """Return the member behind a scanned number or QR code, with usable coupons."""
    code = _body("ScanRequest")["code"].strip()
    now = utcnow()
    scanned = None
    if looks_like_card_code(code):
        member, via = _use_card_code(code, now), "card_code"
    elif looks_like_scan_code(code):
        scanned, via = _use_coupon_scan_code(code, now), "coupon_code"
        member = (
            db.session.get(Member, scanned.member_id) if scanned.member_id else None
        )
    elif len(code) == 13 and code.isdigit():
        member, via = _member_or_404(code), "member_no"
    else:
        raise ApiRefusal(
            422,
            "unreadable_code",
            "会員番号でも会員証QRでもクーポンでもありません。読み直してください",
        )
    if member is not None:
        holder = (member.line_user_id, member.id)
    else:
        assert scanned is not None  # a guest's coupon
        holder = (scanned.line_user_id, None)
    answer = {
        "member": member_summary(member, now) if member is not None else None,
        "via": via,
        "coupons": register_coupons(*holder, g.store.code, now),
        "scanned_coupon": format_code(scanned.code) if scanned else None,
    }
    db.session.commit()
    return jsonify(answer)


def _use_card_code(code: str, now: datetime) -> Member:
    try:
        return use_card_code(code, g.store.code, now)
    except UnknownCardCode:
        raise ApiRefusal(
            404, "unknown_code", "このQRコードは登録がありません"
        ) from None
    except CardCodeExpired:
        raise ApiRefusal(
            410,
            "code_expired",
            "QRコードの有効期限切れです。会員証を開き直してもらってください",
        ) from None
    except CardCodeUsed:
        raise ApiRefusal(
            410,
            "code_used",
            "このQRコードは使用済みです。会員証を開き直してもらってください",
        ) from None


def _use_coupon_scan_code(code: str, now: datetime) -> PersonalCoupon:
    try:
        return use_scan_code(code, g.store.code, now)
    except UnknownScanCode:
        raise ApiRefusal(
            404, "unknown_code", "このクーポンコードは登録がありません"
        ) from None
    except (ScanCodeExpired, ScanCodeUsed):
        raise ApiRefusal(
            410,
            "code_expired",
            "クーポンの表示期限切れです。クーポン画面を開き直してもらってください",
        ) from None


def _coupon_json(coupon: PersonalCoupon, store_code: str) -> dict[str, Any]:
    definition = coupon.definition
    usable_here = IN_STORE in definition.channels and (
        not definition.stores or store_code in definition.stores
    )
    return {
        "code": format_code(coupon.code),
        "coupon_id": coupon.coupon_id,
        "title": definition.title,
        "kind": definition.kind,
        "value": definition.value,
        "min_purchase": definition.min_purchase,
        "expires_at": coupon.expires_at.isoformat(timespec="seconds"),
        "usable_here": usable_here,
    }


_COUPON_MESSAGES = {
    "unknown_coupon": (404, "このクーポンは登録がありません"),
    "coupon_used": (409, "このクーポンは使用済みです"),
    "coupon_expired": (410, "このクーポンは有効期限切れです"),
    "wrong_channel": (422, "このクーポンは店舗ではご利用いただけません"),
    "wrong_store": (422, "このクーポンはこの店舗ではご利用いただけません"),
    "below_min_purchase": (422, "ご利用条件の金額に達していません"),
    "not_your_coupon": (422, "この会員のクーポンではありません"),
    "coupon_withdrawn": (422, "このクーポンは取り消されています"),
    "duplicate_coupon": (422, "同じクーポンが2回指定されています"),
}


def _coupon_refusal(exc: CouponRefused) -> ApiRefusal:
    status, message = _COUPON_MESSAGES.get(exc.reason, (422, "クーポンを使えません"))
    return ApiRefusal(status, exc.reason, f"{message} ({exc.code})")


@api.post("/transactions")
def transactions() -> tuple[Response, int]:
    """Record a sale once per receipt: apply coupons, earn and use points.

    Without `member_no` it is a guest's sale: their coupons only, no points.
    A refused coupon (or points) rolls back everything: nothing changes.
    """
    body = _body("TransactionRequest")
    if "member_no" not in body:
        return _guest_transaction(body)
    store, now = g.store, utcnow()
    amount, points_used = body["amount"], body.get("points_used", 0)
    codes = body.get("coupon_codes") or []
    member = _member_or_404(body["member_no"])
    applied = []
    if codes and find_purchase(STORE, store.code, body["receipt_no"]) is None:
        applied = _check(codes, member.id, member.line_user_id, amount, now)
    discount = sum(item.discount for item in applied)
    if points_used > amount - discount:
        raise ApiRefusal(
            422, "invalid_body", "points_used: 利用ポイントが割引後の金額を超えています"
        )
    try:
        recorded = record_store_purchase(
            member,
            store,
            body["receipt_no"],
            amount,
            points_used,
            now,
            discount,
            items=body.get("items"),
        )
        _claim(recorded, applied, now)
    except NotEnoughPoints as exc:
        db.session.rollback()
        raise ApiRefusal(
            409,
            "not_enough_points",
            f"ポイントが足りません（利用可能 {exc.available:,} pt）",
        ) from None
    except (CouponUsed, CouponExpired, UnknownCoupon) as exc:
        db.session.rollback()  # another register used it first: nothing recorded
        raise _coupon_refusal(exc) from None
    except IntegrityError:
        recorded = _recorded_first(body["receipt_no"])
    _refuse_another_sale(recorded, member.id, amount, points_used)
    purchase = recorded.purchase
    owner = (
        member
        if purchase.member_id == member.id
        else member_by_id(purchase.member_id)
        if purchase.member_id
        else None
    )
    answer = _sale_answer(recorded, applied, owner, now)
    if recorded.created:
        schedule_thanks(purchase)
    return _commit_sale(recorded, applied, answer)


def _guest_transaction(body: dict[str, Any]) -> tuple[Response, int]:
    """Record a guest's sale paid with the coupons they hold (no member, no points).

    The guest is whoever holds the first coupon (scanned from their coupon
    page's one-time code, or typed); every other coupon must be theirs too.
    """
    store, now = g.store, utcnow()
    amount, codes = body["amount"], body.get("coupon_codes") or []
    if body.get("points_used", 0):
        raise ApiRefusal(
            422, "guest_points", "会員ではないお客さまはポイントを使えません"
        )
    if not codes:
        raise ApiRefusal(
            422,
            "invalid_body",
            "member_no: 会員番号か、ゲストのクーポン (coupon_codes) が必要です",
        )
    applied: list[Applied] = []
    holder = None
    if find_purchase(STORE, store.code, body["receipt_no"]) is None:
        # A coupon no guest holds (a member's, unknown) is refused by the check.
        holder = guest_holding(codes[0])
        applied = _check(codes, None, holder, amount, now)
    discount = sum(item.discount for item in applied)
    try:
        if holder is not None and applied:
            recorded = record_guest_store_purchase(
                holder, store, body["receipt_no"], amount, now, discount
            )
            _claim(recorded, applied, now)
        else:  # this receipt was recorded before: answer the first result
            first = find_purchase(STORE, store.code, body["receipt_no"])
            assert first is not None
            recorded = Recorded(first, created=False)
    except (CouponUsed, CouponExpired, UnknownCoupon) as exc:
        db.session.rollback()  # another register used it first: nothing recorded
        raise _coupon_refusal(exc) from None
    except IntegrityError:
        recorded = _recorded_first(body["receipt_no"])
    _refuse_another_sale(recorded, None, amount, 0)
    first_owner = None if recorded.created else recorded.purchase.member_id
    owner = member_by_id(first_owner) if first_owner is not None else None
    answer = _sale_answer(recorded, applied, owner, now)
    return _commit_sale(recorded, applied, answer)


def _check(
    codes: list[str],
    member_id: int | None,
    user_id: int | None,
    amount: int,
    now: datetime,
) -> list[Applied]:
    try:
        return check_coupons(
            codes,
            member_id=member_id,
            user_id=user_id,
            channel=IN_STORE,
            store_code=g.store.code,
            amount=amount,
            now=now,
        )
    except CouponRefused as exc:
        db.session.rollback()
        raise _coupon_refusal(exc) from None


def _claim(recorded: Recorded, applied: list[Applied], now: datetime) -> None:
    if recorded.created and applied:
        claim_coupons(
            applied,
            channel=IN_STORE,
            store_code=g.store.code,
            reference=ledger_reference(recorded.purchase),
            now=now,
        )


def _recorded_first(receipt_no: str) -> Recorded:
    # The same receipt was recorded at this moment by another request.
    db.session.rollback()
    first = find_purchase(STORE, g.store.code, receipt_no)
    if first is None:
        raise ApiRefusal(
            409, "receipt_busy", "同じレシートを記録中です。もう一度お試しください"
        )
    return Recorded(first, created=False)


def _refuse_another_sale(
    recorded: Recorded, member_id: int | None, amount: int, points_used: int
) -> None:
    """Refuse (409) a different sale under a receipt number already recorded.

    The same sale sent again (a register retrying) gets the first result; a
    different customer, amount or points under the same number was dropped
    without a word (a register whose numbers restart each day lost the sale).
    """
    first = recorded.purchase
    if recorded.created or (first.member_id, first.amount, first.points_used) == (
        member_id,
        amount,
        points_used,
    ):
        return
    db.session.rollback()
    raise ApiRefusal(
        409,
        "receipt_reused",
        "このレシート番号は別の内容ですでに記録されています。"
        "レシート番号をご確認ください",
    )


def _sale_answer(
    recorded: Recorded, applied: list[Applied], owner: Member | None, now: datetime
) -> dict[str, Any]:
    purchase = recorded.purchase
    answer: dict[str, Any] = {
        "purchase": _purchase_json(purchase),
        "member": member_summary(owner, now) if owner is not None else None,
        "discount": purchase.discount,
        "coupons": [
            {**_coupon_json(item.coupon, g.store.code), "discount": item.discount}
            for item in applied
        ]
        if recorded.created
        else [],
    }
    if purchase.member_id is None:
        answer["guest"] = True
        answer["points_note"] = (
            "会員登録前のお客さまのため、ポイントは付きません (guest: no points)"
        )
    return answer


def _commit_sale(
    recorded: Recorded, applied: list[Applied], answer: dict[str, Any]
) -> tuple[Response, int]:
    facts = {
        "store": g.store.code,
        "purchase": recorded.purchase.id,
        "new": recorded.created,
        "guest": recorded.purchase.member_id is None,
        "coupons": len(applied) if recorded.created else 0,
    }
    db.session.commit()
    log.info("pos transaction", extra=facts)
    return jsonify(answer), 201 if recorded.created else 200


@api.post("/refunds")
def refunds() -> Response:
    """Reverse the points of one of this store's receipts."""
    body = _body("RefundRequest")
    now = utcnow()
    try:
        purchase, reversal = refund_store_purchase(g.store, body["receipt_no"], now)
    except UnknownPurchase:
        raise ApiRefusal(
            404, "unknown_receipt", "この店舗にこのレシート番号の取引はありません"
        ) from None
    restored = restore_coupons(ledger_reference(purchase), now)
    member = member_by_id(purchase.member_id) if purchase.member_id else None
    answer = {
        "purchase": _purchase_json(purchase),
        "member": member_summary(member, now) if member is not None else None,
        "points_restored": reversal.restored,
        "points_taken_back": reversal.taken_back,
        "points_not_recovered": reversal.not_recovered,
        "coupons_restored": [format_code(c.code) for c in restored],
    }
    facts = {"store": g.store.code, "purchase": purchase.id}
    db.session.commit()
    log.info("pos refund", extra=facts)
    return jsonify(answer)


@staff.get("/staff")
def staff_page() -> Response:
    """Serve the register staff page (store sign-in, scanning, purchase form)."""
    response = send_from_directory(STATIC_DIR, "staff.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@staff.get("/staff/<name>")
def staff_asset(name: str) -> Response:
    """Serve the staff page's script and styles."""
    return send_from_directory(STATIC_DIR, name, max_age=300)
