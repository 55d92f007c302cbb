"""The register API under /api/pos (per-store keys) and the /staff page."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, g, jsonify, request, send_from_directory
from sqlalchemy.exc import IntegrityError

from bot.cards.service import (
    CardCodeExpired,
    CardCodeUsed,
    UnknownCardCode,
    looks_like_card_code,
    member_by_number,
    member_summary,
    use_card_code,
)
from bot.extensions import db
from bot.members.models import Member
from bot.members.numbers import is_valid_member_no
from bot.models_base import utcnow
from bot.points.service import NotEnoughPoints
from bot.pos.openapi import VALIDATORS, openapi_document
from bot.purchases.jobs import schedule_thanks
from bot.purchases.models import STORE, Purchase
from bot.purchases.service import (
    Recorded,
    UnknownPurchase,
    find_purchase,
    record_store_purchase,
    refund_store_purchase,
)
from bot.stores.service import store_for_api_key

log = logging.getLogger(__name__)
api = Blueprint("pos_api", __name__, url_prefix="/api/pos")
staff = Blueprint("staff", __name__)
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
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiRefusal(422, "invalid_body", "JSONオブジェクトを送ってください")
    errors = sorted(VALIDATORS[schema].iter_errors(body), key=lambda e: list(e.path))
    if errors:
        where = ".".join(str(p) for p in errors[0].path) or "body"
        raise ApiRefusal(422, "invalid_body", f"{where}: {errors[0].message}")
    return body


def _member_or_404(member_no: str) -> Member:
    member = member_by_number(member_no) if is_valid_member_no(member_no) else None
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
    """Return the member behind a scanned member number or card QR code."""
    code = _body("ScanRequest")["code"].strip()
    now = utcnow()
    if looks_like_card_code(code):
        try:
            member = use_card_code(code, g.store.code, now)
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
        via = "card_code"
    elif len(code) == 13 and code.isdigit():
        member, via = _member_or_404(code), "member_no"
    else:
        raise ApiRefusal(
            422,
            "unreadable_code",
            "会員番号でも会員証QRでもありません。読み直してください",
        )
    summary = member_summary(member, now)
    db.session.commit()
    return jsonify(member=summary, via=via)


@api.post("/transactions")
def transactions() -> tuple[Response, int]:
    """Record a sale for a member once per receipt: earn and use points."""
    body = _body("TransactionRequest")
    store, now = g.store, utcnow()
    amount, points_used = body["amount"], body.get("points_used", 0)
    if points_used > amount:
        raise ApiRefusal(
            422, "invalid_body", "points_used: 利用ポイントが金額を超えています"
        )
    member = _member_or_404(body["member_no"])
    try:
        recorded = record_store_purchase(
            member,
            store,
            body["receipt_no"],
            amount,
            points_used,
            now,
            items=body.get("items"),
        )
    except NotEnoughPoints as exc:
        db.session.rollback()
        raise ApiRefusal(
            409,
            "not_enough_points",
            f"ポイントが足りません（利用可能 {exc.available} pt）",
        ) from None
    except IntegrityError:
        # The same receipt was recorded at this moment by another request.
        db.session.rollback()
        first = find_purchase(STORE, store.code, body["receipt_no"])
        if first is None:
            raise
        recorded = Recorded(first, created=False)
    purchase = recorded.purchase
    owner = (
        member
        if purchase.member_id == member.id
        else db.session.get(Member, purchase.member_id)
    )
    assert owner is not None
    answer = {
        "purchase": _purchase_json(purchase),
        "member": member_summary(owner, now),
    }
    facts = {"store": store.code, "purchase": purchase.id, "new": recorded.created}
    db.session.commit()
    if recorded.created:
        schedule_thanks(purchase)
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
    member = db.session.get(Member, purchase.member_id)
    assert member is not None
    answer = {
        "purchase": _purchase_json(purchase),
        "member": member_summary(member, now),
        "points_restored": reversal.restored,
        "points_taken_back": reversal.taken_back,
        "points_not_recovered": reversal.not_recovered,
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
