"""The access host (access.line.me): account-link dialog and ID token verify."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request

from line_emulator import webhooks
from line_emulator.api.common import current_platform
from line_emulator.id_tokens import IdTokenError, verify_id_token

bp = Blueprint("access", __name__, template_folder="templates")


def _page(status: int, title: str, detail: str, **values: Any) -> Response:
    body = render_template(
        "access/account_link.html", title=title, detail=detail, **values
    )
    return Response(body, status=status, mimetype="text/html")


def _link_params(values: Any) -> tuple[str, str, str | None]:
    return values.get("linkToken", ""), values.get("nonce", ""), values.get("userId")


def _missing_params() -> Response:
    return _page(400, "連携できませんでした", "linkToken と nonce が必要です。")


def _finish(link_token: str, nonce: str, user_id: str | None, agreed: bool) -> Response:
    """Use up the token and send the bot LINE's accountLink event."""
    platform = current_platform()
    owner, valid = platform.redeem_link_token(link_token)
    # An unknown token names no user; the emulator lets the caller say who is
    # "logged in" to the browser, as LINE knows it from the session.
    owner = owner or user_id
    ok = valid and agreed
    if owner and platform.settings.webhook_url:
        event = webhooks.account_link_event(platform, owner, nonce, ok=ok)
        webhooks.deliver(platform, [event])
    if not valid:
        return _page(
            400,
            "連携できませんでした",
            "リンクトークンが無効か、使用済みか、期限切れです。",
            result="failed",
            close=True,
        )
    if not agreed:
        return _page(
            200,
            "連携をキャンセルしました",
            "トークに戻ります。",
            result="failed",
            close=True,
        )
    if platform.settings.account_link_redirect_url:
        return redirect(platform.settings.account_link_redirect_url, code=302)
    return _page(
        200, "連携が完了しました", "トークに戻ります。", result="ok", close=True
    )


@bp.get("/dialog/bot/accountLink")
def account_link_dialog() -> Response:
    """Ask the user to confirm the link, as LINE does; a bad token fails at once."""
    link_token, nonce, user_id = _link_params(request.args)
    if not link_token or not nonce:
        return _missing_params()
    if not current_platform().link_token_usable(link_token):
        return _finish(link_token, nonce, user_id, agreed=False)
    name = current_platform().settings.simulator_bot_name
    return _page(
        200,
        "アカウントを連携しますか？",
        f"「{name}」があなたのLINEアカウントと、サービスのアカウントを連携します。",
        confirm=True,
        link_token=link_token,
        nonce=nonce,
        user_id=user_id,
    )


@bp.post("/dialog/bot/accountLink")
def confirm_account_link() -> Response:
    """Link (連携する) or cancel (キャンセル: LINE's `failed` result)."""
    link_token, nonce, user_id = _link_params(request.form)
    if not link_token or not nonce:
        return _missing_params()
    agreed = request.form.get("decision") == "link"
    return _finish(link_token, nonce, user_id, agreed)


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
