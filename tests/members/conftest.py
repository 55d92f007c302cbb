"""A customer: a phone (LINE, through the emulator) and a browser (the link page)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from werkzeug.security import generate_password_hash

from bot.extensions import db
from bot.members.models import Member
from bot.members.numbers import random_member_no
from bot.richmenu.models import RichMenuDeployment
from tests.conftest import LineSide

Drain = Callable[[], None]
PASSWORD = "correct horse 42"
_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def menus(app: Flask, runner: FlaskCliRunner, line: LineSide) -> dict[str, str]:
    """Deploy the shipped rich menus; return their LINE ids by name."""
    result = runner.invoke(args=["richmenu", "deploy"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.scalars(sa.select(RichMenuDeployment)).all()
        return {row.name: row.rich_menu_id for row in rows}


def add_member(
    app: Flask,
    name: str = "鈴木 一郎",
    email: str | None = None,
    password: str | None = None,
    birthday: date | None = None,
) -> Member:
    """Store a member (detached) as an import or an earlier registration would."""
    with app.app_context():
        member = Member(
            member_no=random_member_no(),
            name=name,
            email=email,
            password_hash=generate_password_hash(password) if password else None,
            birthday=birthday,
            source="import",
        )
        db.session.add(member)
        db.session.commit()
        db.session.refresh(member)
        db.session.expunge(member)
        return member


def member_row(app: Flask, member_id: int) -> Member:
    """Read a member fresh from the database."""
    with app.app_context():
        member = db.session.get(Member, member_id)
        assert member is not None
        db.session.expunge(member)
        return member


class Customer:
    """One person: their LINE account on the emulator and their phone's browser."""

    def __init__(self, app: Flask, line: LineSide, worker: Drain, name: str) -> None:
        self.line, self.worker = line, worker
        self.user_id = line.add_user(name)
        self.browser = app.test_client()
        self.ip = "203.0.113.7"

    def follow(self) -> None:
        """Add the shop as a friend."""
        self.line.send(self.line.follow(self.user_id))
        self.worker()

    def tap(self, data: str) -> None:
        """Tap a rich menu area or button that sends a postback."""
        self.line.send(self.line.postback(self.user_id, data))
        self.worker()

    def texts(self) -> list[str]:
        """Return every text the bot sent to this customer."""
        return [text for _, text in self.line.texts_to(self.user_id)]

    def last_message(self) -> dict[str, Any]:
        """Return the last message object delivered to this customer."""
        return self.line.deliveries_to(self.user_id)[-1].messages[-1]

    def link_url(self) -> str:
        """Tap 会員登録・連携 and return the link page URL from the bot's button."""
        self.tap("action=link")
        button = self.last_message()
        assert button["type"] == "template", button
        return button["template"]["actions"][0]["uri"]

    def open(self, url: str) -> tuple[str, str, str]:
        """Open the link page; return (html, link token, CSRF token)."""
        parts = urlsplit(url)
        link_token = parse_qs(parts.query)["linkToken"][0]
        page = self.browser.get(f"{parts.path}?{parts.query}")
        assert page.status_code == 200, page.text
        html = page.get_data(as_text=True)
        csrf = _CSRF_RE.search(html)
        assert csrf is not None
        return html, link_token, csrf.group(1)

    def submit(self, path: str, url: str, **fields: str) -> Any:
        """Open the link page and post one of its forms; return the response."""
        _, link_token, csrf = self.open(url)
        data = {"linkToken": link_token, "csrf_token": csrf, **fields}
        return self.browser.post(path, data=data, environ_base={"REMOTE_ADDR": self.ip})

    def sign_in(self, url: str, email: str, password: str = PASSWORD) -> Any:
        """Sign in with email and password on the link page."""
        return self.submit("/link/signin", url, email=email, password=password)

    def confirm_on_line(self, location: str) -> requests.Response:
        """Follow the redirect to LINE's account-link dialog and tap 連携する."""
        dialog = requests.get(location, allow_redirects=False, timeout=10)
        if dialog.status_code != 200:
            self.worker()
            return dialog
        query = parse_qs(urlsplit(location).query)
        form = {name: values[0] for name, values in query.items()}
        answer = requests.post(
            location.split("?")[0],
            data={**form, "decision": "link"},
            allow_redirects=False,
            timeout=10,
        )
        self.worker()
        return answer

    def link_with_password(self, email: str, password: str = PASSWORD) -> str:
        """Run the whole flow with email and password; return the nonce used."""
        response = self.sign_in(self.link_url(), email, password)
        assert response.status_code == 303, response.get_data(as_text=True)
        location = response.headers["Location"]
        self.confirm_on_line(location)
        return parse_qs(urlsplit(location).query)["nonce"][0]

    def menu(self) -> tuple[str | None, str | None]:
        """Return the rich menu LINE shows this customer, and why."""
        store = self.line.platform.state.rich_menus
        return store.effective_menu_id(self.user_id)


@pytest.fixture
def customer(app: Flask, line: LineSide, worker: Drain) -> Callable[..., Customer]:
    """Make customers: `customer("山田 花子")`."""

    def make(name: str = "山田 花子") -> Customer:
        return Customer(app, line, worker, name)

    return make
