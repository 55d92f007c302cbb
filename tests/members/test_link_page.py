"""The link page itself: link token check, CSRF, rate limits, registration rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from bot.extensions import db
from bot.members.models import AccountLinkNonce, Member
from tests.members.conftest import PASSWORD, Customer, add_member

MakeCustomer = Callable[..., Customer]


def nonces(app: Flask) -> int:
    """Count the nonces made so far (one per successful sign-in)."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(AccountLinkNonce.id))) or 0


def test_page_is_japanese_mobile_and_keeps_the_token_private(
    app: Flask, customer: MakeCustomer
) -> None:
    hanako = customer()
    url = hanako.link_url()
    html, _, _ = hanako.open(url)
    assert '<html lang="ja">' in html and 'name="viewport"' in html
    assert "メールでログイン" in html and "会員カード" in html and "新規登録" in html
    path = url.split("127.0.0.1:8000", 1)[1]
    answer = hanako.browser.get(path + "&tab=register")
    assert "はじめての方" in answer.get_data(as_text=True)
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["Cache-Control"] == "no-store"
    # Outside production only the (emulated) LINE origin may frame the page,
    # for the chat simulator; production pages cannot be framed at all.
    policy = answer.headers["Content-Security-Policy"]
    assert f"frame-ancestors {app.config['SETTINGS'].LINE_ACCESS_BASE_URL}" in policy
    assert "X-Frame-Options" not in answer.headers


def test_production_link_page_cannot_be_framed(
    app: Flask, customer: MakeCustomer
) -> None:
    import dataclasses

    hanako = customer()
    path = hanako.link_url().split("127.0.0.1:8000", 1)[1]
    app.config["SETTINGS"] = dataclasses.replace(
        app.config["SETTINGS"], BOT_ENV="production"
    )
    answer = hanako.browser.get(path)
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


@pytest.mark.parametrize("token", ["", "not-a-token-we-issued"])
def test_unknown_link_token_gets_no_form(client: Any, token: str) -> None:
    answer = client.get(f"/link?linkToken={token}")
    assert answer.status_code == 400
    assert "有効期限が切れました" in answer.get_data(as_text=True)
    assert "csrf_token" not in answer.get_data(as_text=True)


def test_link_token_alone_proves_nothing(app: Flask, customer: MakeCustomer) -> None:
    add_member(app, "本人", "me@example.com", PASSWORD)
    attacker = customer()
    answer = attacker.sign_in(attacker.link_url(), "me@example.com", "")
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/link?")
    assert nonces(app) == 0


@pytest.mark.parametrize("csrf", [None, "", "forged"])
def test_forms_refuse_a_missing_or_wrong_csrf_token(
    app: Flask, customer: MakeCustomer, csrf: str | None
) -> None:
    add_member(app, "本人", "me@example.com", PASSWORD)
    hanako = customer()
    _, link_token, _ = hanako.open(hanako.link_url())
    data = {"linkToken": link_token, "email": "me@example.com", "password": PASSWORD}
    if csrf is not None:
        data["csrf_token"] = csrf
    for path in ("/link/signin", "/link/card", "/link/register"):
        answer = hanako.browser.post(path, data=data)
        assert answer.status_code == 400, path
    assert nonces(app) == 0


def test_csrf_token_of_another_browser_is_refused(
    app: Flask, customer: MakeCustomer
) -> None:
    add_member(app, "本人", "me@example.com", PASSWORD)
    victim, attacker = customer(), customer()
    _, _, attackers_csrf = attacker.open(attacker.link_url())
    _, link_token, _ = victim.open(victim.link_url())
    answer = victim.browser.post(
        "/link/signin",
        data={
            "linkToken": link_token,
            "csrf_token": attackers_csrf,
            "email": "me@example.com",
            "password": PASSWORD,
        },
    )
    assert answer.status_code == 400


def test_expired_link_token_is_refused_on_post(
    app: Flask, customer: MakeCustomer
) -> None:
    from bot.members.models import AccountLinkToken
    from bot.models_base import utcnow

    add_member(app, "本人", "me@example.com", PASSWORD)
    hanako = customer()
    url = hanako.link_url()
    _, link_token, csrf = hanako.open(url)
    with app.app_context():
        for row in db.session.scalars(sa.select(AccountLinkToken)):
            row.expires_at = utcnow()
        db.session.commit()
    answer = hanako.browser.post(
        "/link/signin",
        data={
            "linkToken": link_token,
            "csrf_token": csrf,
            "email": "me@example.com",
            "password": PASSWORD,
        },
    )
    assert answer.status_code == 400
    assert nonces(app) == 0


def test_ten_wrong_passwords_lock_the_account_from_any_ip(
    app: Flask, customer: MakeCustomer
) -> None:
    add_member(app, "本人", "me@example.com", PASSWORD, birthday=date(1990, 1, 2))
    attacker = customer()
    url = attacker.link_url()
    for attempt in range(10):
        attacker.ip = f"198.51.100.{attempt}"
        answer = attacker.sign_in(url, "me@example.com", f"guess-{attempt}")
        assert answer.status_code == 303, attempt
        assert answer.headers["Location"].startswith("/link?")
    attacker.ip = "198.51.100.200"
    assert attacker.sign_in(url, "me@example.com", PASSWORD).status_code == 429
    # The card method counts against the same member, so it is locked too.
    with app.app_context():
        member_no = db.session.scalar(sa.select(Member.member_no))
    card = attacker.submit(
        "/link/card", url, member_no=member_no, birthday="1990-01-02"
    )
    assert card.status_code == 429
    assert "しばらくお待ちください" in card.get_data(as_text=True)
    assert nonces(app) == 0


def test_wrong_birthdays_count_against_the_card_account(
    app: Flask, customer: MakeCustomer
) -> None:
    member = add_member(app, "店舗会員", birthday=date(1975, 5, 5))
    guesser = customer()
    url = guesser.link_url()
    for day in range(1, 11):
        answer = guesser.submit(
            "/link/card", url, member_no=member.member_no, birthday=f"1975-06-{day:02d}"
        )
        assert answer.status_code == 303
    right = guesser.submit(
        "/link/card", url, member_no=member.member_no, birthday="1975-05-05"
    )
    assert right.status_code == 429
    assert nonces(app) == 0


@pytest.mark.parametrize("settings_overrides", [{"LINK_MAX_FAILURES_PER_IP": 3}])
def test_one_ip_trying_many_accounts_is_limited(
    app: Flask, customer: MakeCustomer, settings_overrides: dict[str, Any]
) -> None:
    add_member(app, "本人", "me@example.com", PASSWORD)
    attacker = customer()
    url = attacker.link_url()
    for n in range(3):
        answer = attacker.sign_in(url, f"someone{n}@example.com", "guess")
        assert answer.status_code == 303
    assert attacker.sign_in(url, "me@example.com", PASSWORD).status_code == 429
    attacker.ip = "192.0.2.55"  # another address is not affected
    assert attacker.sign_in(url, "me@example.com", PASSWORD).status_code == 303


def test_success_clears_the_account_failures(
    app: Flask, customer: MakeCustomer
) -> None:
    add_member(app, "本人", "me@example.com", PASSWORD)
    forgetful = customer()
    url = forgetful.link_url()
    for _ in range(9):
        forgetful.sign_in(url, "me@example.com", "wrong")
    assert forgetful.sign_in(url, "me@example.com", PASSWORD).status_code == 303
    forgetful.sign_in(url, "me@example.com", "wrong")
    assert forgetful.sign_in(url, "me@example.com", PASSWORD).status_code == 303


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "taken@example.com"}, "すでに登録されています"),
        ({"email": "not-an-email"}, "メールアドレスの形式"),
        ({"password": "short"}, "8文字以上"),
        ({"name": "  "}, "お名前"),
        ({"birthday": "1990-13-40"}, "生年月日の形式"),
        ({"home_store": "NOPE"}, "店舗をリストから"),
    ],
)
def test_registration_problems_are_shown_on_the_page(
    app: Flask, customer: MakeCustomer, fields: dict[str, str], message: str
) -> None:
    add_member(app, "既存", "taken@example.com", PASSWORD)
    newbie = customer()
    url = newbie.link_url()
    form = {"name": "新人", "email": "new@example.com", "password": "longenough"}
    answer = newbie.submit("/link/register", url, **{**form, **fields})
    assert answer.status_code == 303
    assert "tab=register" in answer.headers["Location"]
    page = newbie.browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert message in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Member.id))) == 1
    assert nonces(app) == 0
