"""The access host (access.line.me): account-link dialog and ID token verify."""

from __future__ import annotations

import html
from typing import Any

from flask import Blueprint, Response, redirect, request

from line_emulator import webhooks
from line_emulator.api.common import current_platform
from line_emulator.id_tokens import IdTokenError, verify_id_token

bp = Blueprint("access", __name__)

PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>{detail}</p></body></html>
"""


def _page(title: str, detail: str, status: int) -> Response:
    body = PAGE.format(title=html.escape(title), detail=html.escape(detail))
    return Response(body, status=status, mimetype="text/html")


@bp.get("/dialog/bot/accountLink")
def account_link_dialog() -> Response:
    """Link the account: send the bot an accountLink event, ok or failed."""
    platform = current_platform()
    link_token = request.args.get("linkToken", "")
    nonce = request.args.get("nonce", "")
    if not link_token or not nonce:
        return _page("連携できませんでした", "linkToken と nonce が必要です。", 400)
    user_id, valid = platform.redeem_link_token(link_token)
    # An unknown token names no user; the emulator lets the caller say who is
    # "logged in" to the browser, as LINE knows it from the session.
    user_id = user_id or request.args.get("userId")
    if user_id and platform.settings.webhook_url:
        event = webhooks.account_link_event(platform, user_id, nonce, ok=valid)
        webhooks.deliver(platform, [event])
    if not valid:
        return _page(
            "連携できませんでした",
            "リンクトークンが無効か、使用済みか、期限切れです。",
            400,
        )
    if platform.settings.account_link_redirect_url:
        return redirect(platform.settings.account_link_redirect_url, code=302)
    return _page("連携が完了しました", "LINEに戻ってください。", 200)


@bp.post("/oauth2/v2.1/verify")
def verify() -> Any:
    """Verify an ID token like LINE Login: answer its claims or invalid_request."""
    id_token = request.form.get("id_token")
    client_id = request.form.get("client_id")
    if not id_token or not client_id:
        return {
            "error": "invalid_request",
            "error_description": "id_token and client_id are required.",
        }, 400
    try:
        return verify_id_token(
            current_platform().settings.login_channel_secret,
            id_token,
            client_id,
            nonce=request.form.get("nonce"),
            user_id=request.form.get("user_id"),
        )
    except IdTokenError as exc:
        return {"error": "invalid_request", "error_description": str(exc)}, 400
