"""Two registrations with one e-mail address at once: one member, no 500."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError

from bot.extensions import db
from bot.members.models import Member
from bot.members.numbers import random_member_no
from tests.members.parallel import at_once, issued_link_token, opened_form

EMAIL = "hanako.race@example.com"


def test_parallel_registrations_with_one_email_make_one_member(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    link_token = issued_link_token(app)
    forms = [opened_form(app, link_token) for _ in range(16)]
    fields = {
        "name": "山田 花子",
        "email": EMAIL,
        "password": "a long password 1",
        "birthday": "",
        "home_store": "",
    }
    answers = at_once(
        [
            lambda b=browser, h=hidden: b.post(
                "/link/register",
                data={**h, **fields},
                environ_base={"REMOTE_ADDR": "198.51.100.9"},
            )
            for browser, hidden in forms
        ]
    )

    assert [a.status_code for a in answers] == [303] * 16
    to_line = [a for a in answers if "/dialog/bot/accountLink" in a.location]
    assert len(to_line) == 1
    # The others are told the address is taken, like any later duplicate.
    assert all(a.location.startswith("/link?") for a in answers if a not in to_line)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Member.id))) == 1
    assert EMAIL not in caplog.text


def test_database_errors_never_carry_the_statement_values(app: Flask) -> None:
    secret_hash = "scrypt:32768:8:1$not-for-logs$00ff"
    with app.app_context():
        for name in ("秘密 太郎", "秘密 次郎"):
            db.session.add(
                Member(
                    member_no=random_member_no(),
                    name=name,
                    email=EMAIL,
                    password_hash=secret_hash,
                )
            )
        with pytest.raises(IntegrityError) as raised:
            db.session.flush()
        db.session.rollback()
    # The message (and so any log of it) keeps the statement, not its values.
    assert "秘密" not in str(raised.value) and secret_hash not in str(raised.value)
    assert logging.getLogger("sqlalchemy.engine").level in (0, logging.WARNING)
