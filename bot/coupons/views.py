"""POST /api/member/coupons (the LIFF coupon page's API) and the coupon page."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    request,
    send_from_directory,
)

from bot.cards.render import barcode_svg, qr_svg
from bot.coupons.models import USABLE
from bot.coupons.service import (
    coupon_by_code,
    coupon_json,
    coupons_for_customer,
    issue_scan_code,
    member_of_user,
)
from bot.extensions import db
from bot.line.id_token import IdTokenCheckUnavailable, InvalidIdToken, verify_id_token
from bot.models_base import utcnow
from bot.users.service import find_user

log = logging.getLogger(__name__)
bp = Blueprint("coupons", __name__)


class _Refused(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


@bp.errorhandler(_Refused)
def _refused(exc: _Refused) -> tuple[Response, int]:
    return jsonify(error=exc.error, message=exc.message), exc.status


def _customer() -> tuple[int | None, int | None]:
    """Return (LINE user row id, member id) of the ID token's LINE user."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    try:
        claims = verify_id_token(token.strip() if scheme.lower() == "bearer" else "")
    except InvalidIdToken:
        raise _Refused(
            401,
            "invalid_token",
            "ログインの有効期限が切れました。ページを開き直してください。",
        ) from None
    except IdTokenCheckUnavailable:
        raise _Refused(
            503,
            "line_unavailable",
            "ただいま混み合っています。少し待ってから再度お試しください。",
        ) from None
    user = find_user(claims.user_id)
    if user is None:
        return None, None
    member = member_of_user(user.id)
    return user.id, member.id if member else None


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/api/member/coupons")
def member_coupons() -> Response:
    """Return the signed-in customer's coupons: usable, and recently used."""
    user_id, member_id = _customer()
    now = utcnow()
    coupons = []
    if user_id is not None or member_id is not None:
        held = coupons_for_customer(user_id, member_id, now)
        coupons = [coupon_json(c, now) for c in held]
    db.session.rollback()
    return _no_store(jsonify(coupons=coupons))


@bp.post("/api/member/coupons/scan-code")
def coupon_scan_code() -> tuple[Response, int]:
    """Return a one-time QR code and barcode for one of the customer's coupons."""
    user_id, member_id = _customer()
    body = request.get_json(silent=True)
    raw = body.get("code") if isinstance(body, dict) else None
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 40:
        raise _Refused(422, "invalid_body", "code: クーポンコードを送ってください")
    coupon = coupon_by_code(raw)
    if coupon is None:
        mine = False
    elif coupon.member_id is not None:
        mine = coupon.member_id == member_id
    else:
        mine = user_id is not None and coupon.line_user_id == user_id
    if coupon is None or not mine:
        raise _Refused(404, "unknown_coupon", "このクーポンは見つかりません")
    now = utcnow()
    status = coupon.status_at(now)
    if status != USABLE:
        raise _Refused(
            409 if status == "used" else 410,
            f"coupon_{status}",
            "このクーポンはご利用済みか、有効期限が切れています",
        )
    settings = current_app.config["SETTINGS"]
    ttl = settings.CARD_CODE_TTL_SECONDS
    scan = issue_scan_code(coupon.id, now, ttl)
    answer = {
        "coupon": coupon_json(coupon, now),
        "scan_code": scan.code,
        "qr_svg": qr_svg(scan.code),
        "barcode_svg": barcode_svg(scan.code, "code128"),
        "ttl_seconds": ttl,
        "expires_at": scan.expires_at.isoformat(timespec="seconds"),
    }
    db.session.commit()
    log.info("coupon scan code issued", extra={"coupon": answer["coupon"]["coupon_id"]})
    return _no_store(jsonify(answer)), 200


@bp.get("/liff/card/coupons")
@bp.get("/liff/coupons")
def coupon_page() -> Response:
    """Serve the coupon page beside the member card (plain HTML)."""
    from bot.cards.views import LIFF_DIR

    response = send_from_directory(LIFF_DIR, "coupons.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
