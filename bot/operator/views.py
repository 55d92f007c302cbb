"""The operator console: sign-in, live queue, claiming, chat and resolving."""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from bot.csrf import is_form_key, new_form_key
from bot.extensions import db, get_redis
from bot.faq import gaps as faq_gaps
from bot.handoff import service as handoff
from bot.handoff.jobs import mark_conversation_read
from bot.handoff.live import stream_events
from bot.handoff.models import WAITING, WITH_OPERATOR
from bot.handoff.stream_slots import StreamRefused, open_stream_slot
from bot.handoff.timers import close_conversation, send_later
from bot.jobs import enqueue
from bot.models_base import utcnow
from bot.operator import service
from bot.operator.accounts import authenticate, signin_limit
from bot.operator.auth import (
    check_csrf,
    csrf_token,
    current_operator,
    login_required,
    sign_in,
    sign_out,
)
from bot.operator.canned import canned_answers
from bot.operator.customer import customer_panel
from bot.requests import row_id_arg
from bot.signin_attempts import client_ip

log = logging.getLogger(__name__)
bp = Blueprint(
    "operator",
    __name__,
    url_prefix="/operator",
    template_folder="templates",
    static_folder="static",
)
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


@bp.before_request
def _protect_forms() -> None:
    check_csrf()


@bp.after_request
def _security_headers(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "operator": current_operator}


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Show the sign-in form; sign the operator in with email and password.

    Attempts count per email and per IP before the password is checked (a
    success is taken back); past the limit the form answers 429 without
    checking, so guessing cannot go on, not even in parallel.
    """
    if request.method == "GET":
        return render_template("operator/login.html")
    email = request.form.get("email", "")[:254]
    account, ip = email.strip().lower(), client_ip()
    limit = signin_limit()
    attempt = limit.reserve(ip, account)
    if attempt is None:
        log.warning("console sign-in refused: too many failures", extra={"ip": ip})
        flash("サインインの失敗が続いたため、しばらくしてからお試しください。", "error")
        return render_template("operator/login.html"), 429
    operator = authenticate(email, request.form.get("password", ""))
    if operator is None:
        log.info("console sign-in failed", extra={"ip": ip})
        flash("メールアドレスまたはパスワードが正しくありません。", "error")
        return render_template("operator/login.html"), 401
    db.session.commit()
    limit.succeeded(attempt)
    sign_in(operator)
    return redirect(_safe_next(request.args.get("next"), operator.sees_chats))


@bp.post("/logout")
def logout() -> Any:
    """Sign the operator out."""
    sign_out()
    return redirect(url_for("operator.login"))


@bp.get("/")
@login_required
def queue() -> str:
    """Show waiting conversations (live) and the ones being answered."""
    resolved = row_id_arg("resolved")
    offer = resolved if resolved and _customer_questions(resolved) else None
    return render_template(
        "operator/queue.html",
        snapshot=service.queue_snapshot(current_operator()),
        suggest_for=offer,
    )


@bp.get("/api/queue")
@login_required
def queue_json() -> Response:
    """Return the queue for the console's live refresh."""
    snapshot = service.queue_snapshot(current_operator())
    return jsonify(
        {name: [item.as_json() for item in items] for name, items in snapshot.items()}
    )


@bp.get("/events")
@login_required
def events() -> Response | tuple[Response, int]:
    """Stream live updates as server-sent events (needs a threaded or async server)."""
    redis = get_redis()
    heartbeat = current_app.config["SETTINGS"].OPERATOR_STREAM_HEARTBEAT_SECONDS
    try:
        slot = open_stream_slot(redis, current_operator().id, heartbeat)
    except StreamRefused as exc:
        db.session.rollback()
        log.warning("live stream refused", extra={"status": exc.status})
        response = jsonify(error=exc.reason)
        response.headers["Retry-After"] = "30"
        return response, exc.status
    db.session.remove()  # hold no database connection while streaming
    response = Response(
        stream_with_context(stream_events(redis, heartbeat, slot=slot)),
        mimetype="text/event-stream",
    )
    response.headers["X-Accel-Buffering"] = "no"
    # Also when the client leaves before the stream's first byte.
    response.call_on_close(slot.release)
    return response


@bp.get("/conversations/<int:conversation_id>")
@login_required
def conversation(conversation_id: int) -> str:
    """Show a conversation: history, customer panel and reply box."""
    return _conversation_page(conversation_id)


def _conversation_page(conversation_id: int, draft: str = "") -> str:
    """Render the conversation page, the reply box holding `draft`."""
    found = service.conversation_with_people(conversation_id) or abort(404)
    conv, user, operator = found
    me = current_operator()
    _mark_read_if_open(conv.id, conv.state)
    return render_template(
        "operator/conversation.html",
        conversation=conv,
        customer=service.customer_name(user),
        assigned=operator,
        mine=conv.state == WITH_OPERATOR and (conv.operator_id == me.id or me.is_admin),
        waiting=conv.state == WAITING,
        messages=service.messages_of(conversation_id),
        panel=customer_panel(user.id, conversation_id),
        canned=canned_answers(me.display_name),
        reply_key=new_form_key(),
        draft=draft,
    )


@bp.get("/api/conversations/<int:conversation_id>/messages")
@login_required
def messages_json(conversation_id: int) -> Response:
    """Return messages after `after` and the conversation's state."""
    found = service.conversation_with_people(conversation_id) or abort(404)
    conv, _, operator = found
    _mark_read_if_open(conv.id, conv.state)
    after = row_id_arg("after", 0)
    return jsonify(
        state=conv.state,
        operator=operator.display_name if operator else None,
        messages=service.messages_of(conversation_id, after),
    )


@bp.post("/conversations/<int:conversation_id>/claim")
@login_required
def claim(conversation_id: int) -> Any:
    """Take a waiting conversation; only the first operator to ask gets it."""
    if handoff.claim_conversation(conversation_id, current_operator().id, utcnow()):
        db.session.commit()
        return redirect(
            url_for("operator.conversation", conversation_id=conversation_id)
        )
    db.session.rollback()
    flash("この会話はすでに他のオペレーターが対応しています。", "error")
    return redirect(url_for("operator.queue")), 303


@bp.post("/conversations/<int:conversation_id>/messages")
@login_required
def reply(conversation_id: int) -> Any:
    """Send the operator's reply to the customer as a LINE push, once per form.

    The form carries a one-time key, claimed in Redis before the reply is
    stored: a double click or a resent form on a slow network reaches the
    customer once.
    """
    me = current_operator()
    key = request.form.get("reply_key", "")
    if not is_form_key(key):
        abort(400, "the form has no valid reply key; reload the page")
    if not get_redis().set(f"operator:reply-key:{key}", me.id, nx=True, ex=86400):
        flash("この返信は送信済みです。")
        return redirect(
            url_for("operator.conversation", conversation_id=conversation_id)
        )
    try:
        message = handoff.add_operator_reply(
            conversation_id,
            me.id,
            request.form.get("text", ""),
            may_take_over=me.is_admin,
        )
    except handoff.HandoffError as exc:
        # Nothing was sent: the key is free again and the typed text stays in
        # the box (it was claimed, and the text lost, on a refused reply).
        db.session.rollback()
        get_redis().delete(f"operator:reply-key:{key}")
        flash(str(exc), "error")
        draft = request.form.get("text", "")
        return _conversation_page(conversation_id, draft), exc.status
    send_later(message)
    db.session.commit()
    return redirect(url_for("operator.conversation", conversation_id=conversation_id))


@bp.post("/conversations/<int:conversation_id>/resolve")
@login_required
def resolve(conversation_id: int) -> Any:
    """Close the conversation with a closing message; the bot answers again."""
    me = current_operator()
    found = service.conversation_with_people(conversation_id) or abort(404)
    conv = found[0]
    if conv.operator_id != me.id and not me.is_admin:
        flash("この会話を終了できるのは担当のオペレーターです。", "error")
        return redirect(
            url_for("operator.conversation", conversation_id=conversation_id)
        )
    if close_conversation(conversation_id, "operator", utcnow()) is None:
        flash("この会話はすでに終了しています。", "error")
        db.session.commit()
        return redirect(url_for("operator.queue"))
    db.session.commit()
    return redirect(url_for("operator.queue", resolved=conversation_id))


@bp.get("/conversations/<int:conversation_id>/faq-suggestion")
@login_required
def faq_suggestion(conversation_id: int) -> str:
    """Offer to add the customer's questions to the FAQ, for a person to review."""
    found = service.conversation_with_people(conversation_id) or abort(404)
    questions = [
        {**message, "matches": faq_gaps.top_matches(message["text"])}
        for message in _customer_questions(conversation_id)
    ]
    return render_template(
        "operator/faq_suggestion.html",
        conversation=found[0],
        customer=service.customer_name(found[1]),
        questions=questions,
    )


@bp.post("/conversations/<int:conversation_id>/faq-suggestion")
@login_required
def suggest_faq(conversation_id: int) -> Any:
    """Note a customer's question as another way to ask an entry, or a new one."""
    service.conversation_with_people(conversation_id) or abort(404)
    message_id = request.form.get("message_id", type=int)
    question = next(
        (m for m in _customer_questions(conversation_id) if m["id"] == message_id),
        None,
    )
    if question is None:
        abort(400, "message_id is not a question of this conversation")
    faq_id = request.form.get("faq_id", "").strip() or None
    try:
        faq_gaps.propose(
            conversation_id, current_operator().id, question["text"], faq_id
        )
    except faq_gaps.FaqSuggestionError as exc:
        db.session.rollback()
        abort(400, str(exc))
    db.session.commit()
    flash("FAQへの追加候補として記録しました（担当者の確認後に反映されます）。")
    return redirect(url_for("operator.faq_suggestion", conversation_id=conversation_id))


def _mark_read_if_open(conversation_id: int, state: str) -> None:
    """Have a job tell LINE the customer's messages were read (open and unread)."""
    if state in (WAITING, WITH_OPERATOR) and handoff.unread_token(conversation_id):
        enqueue(mark_conversation_read, conversation_id)


def _customer_questions(conversation_id: int) -> list[dict[str, Any]]:
    """Return the customer's text messages in a conversation."""
    return [
        message
        for message in service.messages_of(conversation_id)
        if message["sender"] == "customer"
        and message["kind"] == "text"
        and (message["text"] or "").strip()
    ]


def _safe_next(target: str | None, sees_chats: bool = True) -> str:
    # Only our own consoles' paths, and no control character: a line break
    # in `next` made the redirect's Location header fail (a 500 after sign-in).
    if (
        target
        and target.startswith(("/operator", "/admin"))
        and target.isprintable()
        and target.isascii()
    ):
        return target
    # A marketer's home is the marketing console.
    return url_for("operator.queue") if sees_chats else "/admin/"


@bp.app_template_filter("local_time")
def _local_time(moment: Any) -> str:
    zone = current_app.config["SETTINGS"].timezone
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
