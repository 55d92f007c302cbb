"""The link page: a customer proves who they are, then LINE links the accounts.

Every form posts here and is answered with a 303 redirect: back to the page
with a message, or on to LINE's account-link dialog with a fresh nonce.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from bot.csrf import CSRF_FIELD, csrf_matches, csrf_token
from bot.extensions import after_commit, db
from bot.jobs import enqueue
from bot.members import attempts, email_proof, service
from bot.members.email_proof import send_email_proof
from bot.members.models import AccountLinkToken, Member
from bot.members.numbers import normalize_member_no
from bot.models_base import utcnow
from bot.signin_attempts import client_ip
from bot.stores.join import joined_store_code
from bot.stores.models import Store

bp = Blueprint(
    "members",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/link/static",
)
TABS = ("signin", "card", "register")


@bp.get("/link")
def link_page() -> Response:
    """Show the three ways to sign in, for a link token we issued."""
    link_token = request.args.get("linkToken", "")
    if service.live_link_token(link_token) is None:
        return _message("expired", 400)
    tab = request.args.get("tab", "signin")
    stores = db.session.scalars(select(Store).order_by(Store.code)).all()
    return _html(
        render_template(
            "link/page.html",
            link_token=link_token,
            csrf_token=csrf_token(),
            tab=tab if tab in TABS else "signin",
            stores=stores,
            # A customer who came from a store's poster gets that store preselected.
            joined_store=joined_store_code(),
        ),
        200,
    )


@bp.post("/link/signin")
def sign_in_with_password() -> Response:
    """Sign in an online member with email and password."""
    token_row, refusal = _check_form()
    if refusal is not None:
        return refusal
    email = request.form.get("email", "")[:254]
    known = service.member_by_email(email) if email.strip() else None
    account = attempts.account_key("email", email, known.id if known else None)
    limit = attempts.link_limit()
    attempt = limit.reserve(client_ip(), account)
    if attempt is None:
        return _message("limited", 429)
    member = service.authenticate_password(email, request.form.get("password", ""))
    if member is None:
        return _back("signin", "メールアドレスまたはパスワードが正しくありません。")
    limit.succeeded(attempt)
    return _send_to_line(member, token_row)


@bp.post("/link/card")
def sign_in_with_card() -> Response:
    """Sign in a store member with the card's member number and date of birth."""
    token_row, refusal = _check_form()
    if refusal is not None:
        return refusal
    member_no = normalize_member_no(request.form.get("member_no", ""))[:32]
    known = service.member_by_no(member_no) if member_no else None
    account = attempts.account_key("card", member_no, known.id if known else None)
    limit = attempts.link_limit()
    attempt = limit.reserve(client_ip(), account)
    if attempt is None:
        return _message("limited", 429)
    birthday = _parse_date(request.form.get("birthday", ""))
    member = service.authenticate_card(member_no, birthday)
    if member is None:
        return _back("card", "会員番号または生年月日が正しくありません。")
    limit.succeeded(attempt)
    return _send_to_line(member, token_row)


@bp.post("/link/register")
def register() -> Response:
    """Register a new member with the fewest fields, then link."""
    token_row, refusal = _check_form()
    if refusal is not None:
        return refusal
    # Refusals (an address already taken) count, so the form cannot be used
    # to test many addresses.
    limit = attempts.link_limit()
    attempt = limit.reserve(client_ip(), None)
    if attempt is None:
        return _message("limited", 429)
    form = request.form
    birthday_text = form.get("birthday", "").strip()
    birthday = _parse_date(birthday_text)
    store_code = form.get("home_store", "").strip() or None
    problem = None
    if birthday_text and birthday is None:
        problem = "生年月日の形式が正しくありません。"
    elif (
        store_code
        and db.session.scalar(select(Store.id).where(Store.code == store_code)) is None
    ):
        problem = "よく行く店舗をリストから選んでください。"
    try:
        if problem is not None:
            raise service.RegistrationError("form", problem)
        member = service.register_member(
            form.get("name", ""),
            form.get("email", ""),
            form.get("password", ""),
            birthday,
            store_code,
        )
    except service.RegistrationError as exc:
        db.session.rollback()
        return _back("register", str(exc))
    limit.succeeded(attempt)
    member_id = member.id
    after_commit(lambda: enqueue(send_email_proof, member_id))
    return _send_to_line(member, token_row)


@bp.get("/link/verify-email")
def verify_email() -> Response:
    """Prove a member's e-mail address with the link mailed to it."""
    member = email_proof.confirm_email(request.args.get("token", "")[:1000], utcnow())
    if member is None:
        return _message("email_link_invalid", 400)
    db.session.commit()
    return _message("email_verified", 200)


def _check_form() -> tuple[AccountLinkToken | None, Response | None]:
    if not csrf_matches(request.form.get(CSRF_FIELD, "")):
        return None, _message("csrf", 400)
    token_row = service.live_link_token(request.form.get("linkToken", ""))
    if token_row is None:
        return None, _message("expired", 400)
    return token_row, None


def _send_to_line(member: Member, token_row: AccountLinkToken | None) -> Response:
    nonce = service.create_nonce(member, token_row)
    db.session.commit()
    settings = current_app.config["SETTINGS"]
    query = urlencode({"linkToken": request.form["linkToken"], "nonce": nonce})
    target = f"{settings.LINE_ACCESS_BASE_URL.rstrip('/')}/dialog/bot/accountLink"
    return redirect(f"{target}?{query}", code=303)


def _back(tab: str, message: str) -> Response:
    flash(message, "error")
    link_token = request.form.get("linkToken", "")
    return redirect(
        url_for(".link_page", linkToken=link_token, tab=tab) + f"#{tab}", code=303
    )


def _message(kind: str, status: int) -> Response:
    return _html(render_template("link/message.html", kind=kind), status)


def _html(body: str, status: int) -> Response:
    return Response(body, status=status, mimetype="text/html")


def _parse_date(text: str) -> date | None:
    text = text.strip().replace("/", "-")
    if len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@bp.after_request
def _protect(response: Response) -> Response:
    # The URL carries the link token: keep it out of caches and Referer headers.
    access = urlsplit(current_app.config["SETTINGS"].LINE_ACCESS_BASE_URL)
    line_origin = f"{access.scheme}://{access.netloc}"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if current_app.config["SETTINGS"].is_production:
        response.headers["X-Frame-Options"] = "DENY"
        ancestors = "'none'"
    else:
        # The LINE chat simulator (served at the emulated LINE origin) shows
        # this page inside its phone frame; production pages are never framed.
        ancestors = line_origin
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"form-action 'self' {line_origin}; frame-ancestors {ancestors}; "
        "base-uri 'none'"
    )
    return response
