"""Console sign-in state and CSRF protection (session ids live in Redis)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, g, redirect, request, session, url_for

from bot.csrf import CSRF_FIELD, csrf_matches, csrf_token
from bot.extensions import db
from bot.operator.models import Operator
from bot.operator.sessions import end_session, session_owner, start_session

F = TypeVar("F", bound=Callable[..., Any])
CSRF_HEADER = "X-CSRF-Token"
SESSION_FIELD = "operator_session"


def check_csrf() -> None:
    """Refuse a state-changing request whose CSRF token is missing or wrong."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if not csrf_matches(sent):
        abort(400, description="CSRF token missing or invalid")


def sign_in(operator: Operator) -> None:
    """Start a fresh session for the operator (a new CSRF token too)."""
    session.clear()
    session[SESSION_FIELD] = start_session(operator.id)
    csrf_token()


def sign_out() -> None:
    """End the operator's session, here and for every copy of its cookie."""
    session_id = session.get(SESSION_FIELD)
    if isinstance(session_id, str):
        end_session(session_id)
    session.clear()


def current_operator() -> Operator | None:
    """Return the signed-in, still active operator, if any."""
    if "operator" not in g:
        session_id = session.get(SESSION_FIELD)
        operator_id = session_owner(session_id) if isinstance(session_id, str) else None
        operator = db.session.get(Operator, operator_id) if operator_id else None
        g.operator = operator if operator is not None and operator.active else None
    return g.operator


def login_required(view: F) -> F:
    """Send visitors without a session to the sign-in page (401 for the API).

    Marketers share the sign-in but never see customer chats: 403 for them.
    """

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        operator = current_operator()
        if operator is None:
            if request.path.startswith(("/operator/api/", "/operator/events")):
                abort(401)
            return redirect(url_for("operator.login", next=request.path))
        if not operator.sees_chats:
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
