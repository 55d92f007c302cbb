"""Many browsers posting a link-page form at the same moment."""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from bot.extensions import db
from bot.members.service import record_link_token
from bot.users.models import LineUser

_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def issued_link_token(app: Flask) -> str:
    """Record a link token for a new LINE user, as the link postback does."""
    token = secrets.token_urlsafe(24)
    with app.app_context():
        user = LineUser(line_user_id="U" + secrets.token_hex(16), display_name="客")
        db.session.add(user)
        db.session.flush()
        record_link_token(user, token)
        db.session.commit()
    return token


def opened_form(app: Flask, link_token: str) -> tuple[FlaskClient, dict[str, str]]:
    """Open the link page in a fresh browser; return it and the hidden fields."""
    browser = app.test_client()
    page = browser.get(f"/link?linkToken={link_token}")
    match = _CSRF_RE.search(page.get_data(as_text=True))
    assert page.status_code == 200 and match is not None
    return browser, {"linkToken": link_token, "csrf_token": match.group(1)}


def at_once(posts: list[Callable[[], Any]]) -> list[Any]:
    """Run every post in its own thread, released together; return the answers."""
    barrier = threading.Barrier(len(posts))
    answers: list[Any] = [None] * len(posts)

    def run(index: int) -> None:
        barrier.wait()
        answers[index] = posts[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(posts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers
