"""The link page in a phone-sized Chromium: register, then LINE's dialog links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from bot.extensions import db
from bot.members.models import Member
from tests.helpers import word_lines
from tests.members.conftest import Customer

pytestmark = pytest.mark.browser


def test_new_customer_registers_in_the_browser_and_is_linked(
    app: Flask,
    page: Any,
    bot_url: str,
    menus: dict[str, str],
    customer: Callable[..., Customer],
) -> None:
    newbie = customer("岡田 結衣")
    url = newbie.link_url().replace("http://127.0.0.1:8000", bot_url)
    page.goto(url)
    assert page.locator("h1").inner_text() == "会員登録・LINE連携"
    page.get_by_role("link", name="新規登録").click()
    page.get_by_label("お名前").fill("岡田 結衣")
    page.get_by_label("メールアドレス").fill("yui@example.com")
    page.get_by_label("パスワード（8文字以上）").fill("yui-secret-1")
    page.get_by_label("生年月日（任意）").fill("1995-07-15")
    page.get_by_role("button", name="登録してLINEと連携").click()
    page.wait_for_load_state()
    # LINE's confirmation, on the emulator.
    assert page.locator("h1").inner_text() == "アカウントを連携しますか？"
    page.get_by_role("button", name="連携する").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "連携が完了しました"
    newbie.worker()

    with app.app_context():
        member = db.session.scalar(sa.select(Member).where(Member.name == "岡田 結衣"))
        assert member is not None and member.line_user_id is not None
        assert member.birthday is not None and member.birthday.isoformat() == (
            "1995-07-15"
        )
    assert newbie.menu() == (menus["member-a"], "linked")
    assert newbie.texts()[-1].startswith("岡田 結衣さん、LINEと会員番号")


def test_wrong_password_shows_the_message_on_the_page(
    app: Flask, page: Any, bot_url: str, customer: Callable[..., Customer]
) -> None:
    from tests.members.conftest import add_member

    add_member(app, "本人", "me@example.com", "correct horse 42")
    someone = customer()
    page.goto(someone.link_url().replace("http://127.0.0.1:8000", bot_url))
    page.get_by_label("メールアドレス").fill("me@example.com")
    page.get_by_label("パスワード").fill("wrong password")
    page.get_by_role("button", name="ログインしてLINEと連携").click()
    page.wait_for_load_state()
    alert = page.get_by_role("alert")
    assert alert.inner_text() == "メールアドレスまたはパスワードが正しくありません。"


def test_the_sign_in_tab_stays_on_one_line(
    page: Any, bot_url: str, customer: Callable[..., Customer]
) -> None:
    someone = customer()
    page.goto(someone.link_url().replace("http://127.0.0.1:8000", bot_url))

    tab = page.get_by_role("link", name="メールでログイン")
    assert word_lines(tab, "メールでログイン") == 1
    for name in ("会員カード", "新規登録"):
        assert word_lines(page.get_by_role("link", name=name), name) == 1
