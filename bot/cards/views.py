"""POST /api/member/card, and the LIFF member card page under /liff/."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import urllib3
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    request,
    send_from_directory,
)

from bot.cards.service import build_card
from bot.extensions import db
from bot.line.id_token import IdTokenCheckUnavailable, InvalidIdToken, verify_id_token
from bot.members.service import member_for_line_user_id
from bot.models_base import utcnow

log = logging.getLogger(__name__)
bp = Blueprint("cards", __name__)
LIFF_DIR = Path(__file__).resolve().parents[2] / "liff"
LIFF_SDK_URL = "https://static.line-scdn.net/liff/edge/2/sdk.js"
NOT_LINKED = (
    "会員証を表示するには会員番号とLINEの連携が必要です。"
    "トーク画面下のメニューから「会員登録・連携」をタップしてください。"
)


def _error(status: int, error: str, message: str) -> tuple[Response, int]:
    return jsonify(error=error, message=message), status


def _bearer() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@bp.post("/api/member/card")
def member_card() -> tuple[Response, int]:
    """Return the signed-in LINE user's member card with a fresh QR code."""
    settings = current_app.config["SETTINGS"]
    try:
        claims = verify_id_token(_bearer())
    except InvalidIdToken:
        return _error(
            401,
            "invalid_token",
            "ログインの有効期限が切れました。ページを開き直してください。",
        )
    except IdTokenCheckUnavailable:
        return _error(
            503,
            "line_unavailable",
            "ただいま混み合っています。少し待ってから再度お試しください。",
        )
    member = member_for_line_user_id(claims.user_id)
    if member is None:
        return _error(403, "not_linked", NOT_LINKED)
    member_id = member.id
    card = build_card(
        member, utcnow(), settings.CARD_CODE_TTL_SECONDS, settings.BARCODE_FORMAT
    )
    db.session.commit()
    log.info("member card issued", extra={"member": member_id})
    response = jsonify(card)
    response.headers["Cache-Control"] = "no-store"
    return response, 200


@bp.get("/liff/card")
def card_page() -> Response:
    """Serve the member card page (plain HTML, no build step)."""
    response = send_from_directory(LIFF_DIR, "card.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/liff/config.js")
def card_config() -> Response:
    """Tell the page its LIFF id, channel and which LIFF SDK to load."""
    settings = current_app.config["SETTINGS"]
    config = {
        "liffId": settings.LIFF_ID,
        "channelId": settings.LINE_LOGIN_CHANNEL_ID,
        # Outside production the local stand-in talks to the LINE emulator.
        "sdkUrl": LIFF_SDK_URL if settings.is_production else "/liff/liff-standin.js",
    }
    body = "window.CARD_CONFIG = " + json.dumps(config) + ";\n"
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/liff/<path:name>")
def card_asset(name: str) -> Response:
    """Serve the page's scripts and styles."""
    if not name.endswith((".js", ".css", ".svg")):
        abort(404)
    return send_from_directory(LIFF_DIR, name, max_age=300)


@bp.post("/liff/standin/id-token")
def standin_id_token() -> tuple[Response, int]:
    """Relay the stand-in's ID token request to the emulator (never in production).

    The emulator's control API sends no CORS headers, so the page cannot call
    it from the bot's origin; the bot forwards `{userId, channelId}` for it.
    """
    settings = current_app.config["SETTINGS"]
    if settings.is_production:
        abort(404)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, "invalid_body", "send a JSON object {userId, channelId}")
    payload = {
        "userId": str(body.get("userId", "")),
        "channelId": str(body.get("channelId", "")),
    }
    url = settings.LINE_API_BASE_URL.rstrip("/") + "/_emulator/id-tokens"
    try:
        answer = urllib3.request(
            "POST",
            url,
            json=payload,
            timeout=settings.LINE_API_TIMEOUT_SECONDS,
            retries=False,
        )
    except urllib3.exceptions.HTTPError:
        return _error(502, "emulator_unreachable", "LINE emulator is not reachable")
    return jsonify(answer.json()), answer.status
