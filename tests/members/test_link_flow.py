"""The whole account link flow through the emulator: guest, member, guest again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Flask

from bot.extensions import db
from bot.members.models import Member
from bot.members.numbers import is_valid_member_no
from tests.conftest import LineSide
from tests.members.conftest import PASSWORD, Customer, add_member, member_row

MakeCustomer = Callable[..., Customer]


def test_online_member_links_with_password_and_gets_member_menu(
    app: Flask,
    line: LineSide,
    emulator: Any,
    menus: dict[str, str],
    customer: MakeCustomer,
) -> None:
    member = add_member(app, "佐藤 美咲", "misaki@example.com", PASSWORD)
    hanako = customer("佐藤 美咲")
    hanako.follow()
    assert hanako.menu() == (menus["guest"], "default")

    url = hanako.link_url()
    assert url.startswith("http://127.0.0.1:8000/link?linkToken=")
    response = hanako.sign_in(url, "Misaki@Example.com ")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(f"{emulator.access_base_url}/dialog/bot/accountLink?")
    assert "linkToken=" in location and "nonce=" in location
    # Nothing is linked until LINE confirms with the accountLink event.
    assert member_row(app, member.id).line_user_id is None

    dialog = hanako.confirm_on_line(location)
    assert dialog.status_code == 200

    linked = member_row(app, member.id)
    assert linked.line_user_id is not None and linked.linked_at is not None
    assert hanako.menu() == (menus["member-a"], "linked")
    welcome = hanako.texts()[-1]
    assert welcome.startswith("佐藤 美咲さん、LINEと会員番号（末尾")
    assert member.member_no[-4:] in welcome
    card_button = hanako.last_message()
    action = card_button["template"]["actions"][0]
    assert action == {
        "type": "uri",
        "label": "会員証を開く",
        "uri": "http://127.0.0.1:8000/liff/card",
    }
    # The bubble says what the button opens, not the button's label again.
    assert card_button["template"]["text"] == (
        "会員証はここからも開けます。バーコードとポイント残高を確認できます。"
    )
    reply = line.deliveries_to(hanako.user_id)[-1]
    assert reply.via == "reply"


def test_store_member_links_with_card_number_and_birthday(
    app: Flask, menus: dict[str, str], customer: MakeCustomer
) -> None:
    member = add_member(app, "田中 健", birthday=date(1980, 4, 1))
    ken = customer("田中 健")
    spaced = f"{member.member_no[:4]} {member.member_no[4:8]}-{member.member_no[8:]}"
    response = ken.submit(
        "/link/card", ken.link_url(), member_no=spaced, birthday="1980-04-01"
    )
    assert response.status_code == 303
    ken.confirm_on_line(response.headers["Location"])
    assert member_row(app, member.id).line_user_id is not None
    assert ken.menu() == (menus["member-a"], "linked")


def test_new_customer_registers_and_gets_a_barcode_member_number(
    app: Flask, menus: dict[str, str], customer: MakeCustomer
) -> None:
    newbie = customer("高橋 新")
    response = newbie.submit(
        "/link/register",
        newbie.link_url(),
        name="高橋 新",
        email="arata@example.com",
        password="longenough",
        birthday="",
        home_store="",
    )
    assert response.status_code == 303
    newbie.confirm_on_line(response.headers["Location"])
    with app.app_context():
        member = db.session.scalar(
            sa.select(Member).where(Member.email == "arata@example.com")
        )
        assert member is not None
        assert is_valid_member_no(member.member_no)
        assert member.member_no.startswith("29")
        assert member.password_hash.startswith("scrypt:")
        assert "longenough" not in member.password_hash
        assert member.line_user_id is not None and member.source == "register"
    assert newbie.menu() == (menus["member-a"], "linked")


def test_unlink_asks_first_then_puts_the_user_back_on_guest(
    app: Flask, line: LineSide, menus: dict[str, str], customer: MakeCustomer
) -> None:
    member = add_member(app, "伊藤 愛", "ai@example.com", PASSWORD)
    ai = customer("伊藤 愛")
    ai.link_with_password("ai@example.com")
    assert ai.menu() == (menus["member-a"], "linked")

    deliveries = len(line.deliveries_to(ai.user_id))
    ai.tap("action=tab&tab=member-b")
    assert len(line.deliveries_to(ai.user_id)) == deliveries  # tab: no reply

    ai.tap("action=unlink")
    confirm = ai.last_message()
    assert confirm["template"]["type"] == "confirm"
    assert member.member_no[-4:] in confirm["template"]["text"]
    yes, no = confirm["template"]["actions"]
    assert member_row(app, member.id).line_user_id is not None

    ai.tap(no["data"])
    assert ai.texts()[-1].startswith("連携はそのままです")
    assert ai.menu() == (menus["member-a"], "linked")

    ai.tap(yes["data"])
    assert ai.texts()[-1].startswith("連携を解除しました")
    assert member_row(app, member.id).line_user_id is None
    assert ai.menu() == (menus["guest"], "default")

    ai.tap(yes["data"])  # an old confirm button tapped again changes nothing
    assert ai.texts()[-1] == "このLINEアカウントは会員番号と連携されていません。"


def test_tab_postback_gets_no_reply(
    menus: dict[str, str], line: LineSide, customer: MakeCustomer
) -> None:
    guest = customer()
    guest.tap("action=tab&tab=member-b")
    assert line.deliveries_to(guest.user_id) == []


def test_returning_member_keeps_the_member_menu(
    app: Flask, line: LineSide, menus: dict[str, str], customer: MakeCustomer
) -> None:
    add_member(app, "渡辺 翔", "sho@example.com", PASSWORD)
    sho = customer("しょう🎸")  # the LINE name differs from the member's
    sho.follow()
    sho.link_with_password("sho@example.com")
    line.send(line.unfollow(sho.user_id))
    sho.worker()
    # Whatever LINE kept while blocked, following again restores the right menu.
    line.platform.state.rich_menus.unlink([sho.user_id])
    sho.follow()
    assert sho.menu() == (menus["member-a"], "linked")
    # A linked member is welcomed back by the member name, as in every message.
    assert sho.texts()[-1].startswith("渡辺 翔さん、おかえりなさい")


def test_returning_guest_sees_the_guest_menu(
    menus: dict[str, str], line: LineSide, customer: MakeCustomer
) -> None:
    guest = customer()
    guest.follow()
    line.send(line.unfollow(guest.user_id))
    guest.worker()
    line.platform.state.rich_menus.user_links[guest.user_id] = menus["member-a"]
    guest.follow()
    assert guest.menu() == (menus["guest"], "default")


def test_linked_member_tapping_link_again_gets_no_new_token(
    app: Flask, line: LineSide, menus: dict[str, str], customer: MakeCustomer
) -> None:
    member = add_member(app, "小林 蓮", "ren@example.com", PASSWORD)
    ren = customer("小林 蓮")
    ren.link_with_password("ren@example.com")
    tokens_before = len(line.calls("/v2/bot/user/*/linkToken"))
    ren.tap("action=link")
    assert len(line.calls("/v2/bot/user/*/linkToken")) == tokens_before
    assert f"末尾{member.member_no[-4:]}）と連携済み" in ren.texts()[-1]
