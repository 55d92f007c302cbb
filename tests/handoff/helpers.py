"""Helpers shared by the FAQ, handoff, operator and console tests."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bot.extensions import db
from bot.handoff.models import Conversation, ConversationMessage
from bot.operator.accounts import create_operator
from bot.users.models import LineUser

REPO_ROOT = Path(__file__).resolve().parents[2]
SHIPPED_FAQ = REPO_ROOT / "faq" / "faq.yaml"
PASSWORD = "correct-horse-battery"
Drain = Callable[[], None]


def load_shipped_faq(app: Flask) -> None:
    """Load faq/faq.yaml through the CLI, as a retailer would."""
    result = app.test_cli_runner().invoke(args=["faq", "load", str(SHIPPED_FAQ)])
    assert result.exit_code == 0, result.output


def make_operator(
    app: Flask, email: str, role: str = "operator", name: str | None = None
) -> int:
    """Create an operator account and return its id."""
    with app.app_context():
        operator = create_operator(email, PASSWORD, role, name)
        db.session.commit()
        return operator.id


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    """Sign a test client in through the login form."""
    client.get("/operator/login")
    return client.post(
        "/operator/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(client)},
    )


def signed_in_operator(
    app: Flask, email: str, role: str = "operator", name: str | None = None
) -> FlaskClient:
    """Create an operator account and return a test client signed in as it."""
    make_operator(app, email, role, name)
    client = app.test_client()
    sign_in(client, email)
    return client


def csrf_of(client: FlaskClient) -> str:
    """Return the CSRF token in the client's session."""
    with client.session_transaction() as session:
        return session.get("csrf_token", "")


def reply_form(client: FlaskClient, text: str) -> dict[str, str]:
    """Return the reply form's fields as the conversation page gives them."""
    return {
        "csrf_token": csrf_of(client),
        "reply_key": secrets.token_urlsafe(16),
        "text": text,
    }


def conversations_of(app: Flask, line_user_id: str) -> list[Conversation]:
    """Return a customer's conversations, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Conversation)
            .join(LineUser, LineUser.id == Conversation.user_id)
            .where(LineUser.line_user_id == line_user_id)
            .order_by(Conversation.id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def messages_in(app: Flask, conversation_id: int) -> list[tuple[str, str, str | None]]:
    """Return (sender, kind, text) for each message of a conversation."""
    with app.app_context():
        return [
            (m.sender, m.kind, m.text)
            for m in db.session.scalars(
                sa.select(ConversationMessage)
                .where(ConversationMessage.conversation_id == conversation_id)
                .order_by(ConversationMessage.created_at, ConversationMessage.id)
            )
        ]


def texts(line: Any, user_id: str) -> list[str]:
    """Return the texts LINE delivered to a user, in order."""
    return [text for _, text in line.texts_to(user_id)]


def last_message(line: Any, user_id: str) -> dict[str, Any]:
    """Return the last message object LINE delivered to a user."""
    return line.deliveries_to(user_id)[-1].messages[-1]
