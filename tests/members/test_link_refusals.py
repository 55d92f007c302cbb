"""accountLink events that must not link: failed, unknown, reused, expired, taken."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from flask import Flask

from bot.extensions import db
from bot.members.models import AccountLinkNonce
from bot.members.service import digest
from bot.models_base import utcnow
from tests.conftest import LineSide
from tests.members.conftest import Customer, add_member, member_row

MakeCustomer = Callable[..., Customer]


def signed_in(customer: Customer, email: str) -> tuple[str, str]:
    """Sign in on the link page; return (dialog URL, nonce) without following it."""
    response = customer.sign_in(customer.link_url(), email)
    assert response.status_code == 303
    location = response.headers["Location"]
    return location, parse_qs(urlsplit(location).query)["nonce"][0]


def account_link(
    line: LineSide, user_id: str, nonce: str, ok: bool = True
) -> dict[str, Any]:
    """Build an accountLink event as LINE sends it (no reply token when failed)."""
    from line_emulator.webhooks import account_link_event

    return account_link_event(line.platform, user_id, nonce, ok=ok)


def test_reused_link_token_sends_failed_event_and_changes_nothing(
    app: Flask, line: LineSide, menus: dict[str, str], customer: MakeCustomer
) -> None:
    member = add_member(app, "山本 陽", "yo@example.com", "correct horse 42")
    other = add_member(app, "山本 別", "betsu@example.com", "correct horse 42")
    yo = customer("山本 陽")
    url = yo.link_url()
    first = yo.sign_in(url, "yo@example.com").headers["Location"]
    assert yo.confirm_on_line(first).status_code == 200
    assert member_row(app, member.id).line_user_id is not None
    texts_before = len(yo.texts())

    # The same link token again, now with someone else's sign-in: LINE says failed.
    second = yo.sign_in(url, "betsu@example.com").headers["Location"]
    assert yo.confirm_on_line(second).status_code == 400
    assert member_row(app, other.id).line_user_id is None
    assert yo.menu() == (menus["member-a"], "linked")
    failed = line.deliveries_to(yo.user_id)[-1]
    assert failed.via == "push"  # a failed event has no reply token
    assert yo.texts()[texts_before:] == [
        "会員連携が完了しませんでした。お手数ですが、メニューの"
        "「会員登録・連携」からもう一度お試しください。"
    ]


def test_failed_event_without_source_is_pushed_to_the_token_user(
    app: Flask, line: LineSide, menus: dict[str, str], customer: MakeCustomer
) -> None:
    member = add_member(app, "中村 光", "hikari@example.com", "correct horse 42")
    hikari = customer("中村 光")
    _, nonce = signed_in(hikari, "hikari@example.com")
    event = account_link(line, hikari.user_id, nonce, ok=False)
    del event["source"]
    assert "replyToken" not in event
    line.send(event)
    hikari.worker()
    assert member_row(app, member.id).line_user_id is None
    assert hikari.menu() == (menus["guest"], "default")
    last = line.deliveries_to(hikari.user_id)[-1]
    assert last.via == "push"
    assert hikari.texts()[-1].startswith("会員連携が完了しませんでした")


def test_unknown_nonce_is_refused(
    app: Flask, line: LineSide, menus: dict[str, str], customer: MakeCustomer
) -> None:
    stranger = customer("見知らぬ 人")
    stranger.follow()
    line.send(account_link(line, stranger.user_id, "made-up-nonce-0000000000"))
    stranger.worker()
    assert stranger.menu() == (menus["guest"], "default")
    assert stranger.texts()[-1].startswith("会員連携が完了しませんでした")


def test_reused_nonce_is_refused(
    app: Flask, line: LineSide, menus: dict[str, str], customer: MakeCustomer
) -> None:
    member = add_member(app, "加藤 望", "nozomi@example.com", "correct horse 42")
    nozomi = customer("加藤 望")
    nonce = nozomi.link_with_password("nozomi@example.com")
    assert member_row(app, member.id).line_user_id is not None
    # Unlink, then replay the old, used nonce in a new event.
    nozomi.tap("action=unlink")
    nozomi.tap(nozomi.last_message()["template"]["actions"][0]["data"])
    line.send(account_link(line, nozomi.user_id, nonce))
    nozomi.worker()
    assert member_row(app, member.id).line_user_id is None
    assert nozomi.menu() == (menus["guest"], "default")
    assert nozomi.texts()[-1].startswith("この連携の手続きはすでに使われています")


def test_expired_nonce_is_refused(
    app: Flask, menus: dict[str, str], customer: MakeCustomer
) -> None:
    member = add_member(app, "吉田 凛", "rin@example.com", "correct horse 42")
    rin = customer("吉田 凛")
    location, nonce = signed_in(rin, "rin@example.com")
    with app.app_context():
        row = db.session.scalar(
            sa.select(AccountLinkNonce).where(
                AccountLinkNonce.nonce_sha256 == digest(nonce)
            )
        )
        assert row is not None and row.member_id == member.id
        assert len(nonce) >= 43  # 256 random bits, URL-safe base64
        assert row.expires_at - row.created_at == timedelta(minutes=10)
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    rin.confirm_on_line(location)
    assert member_row(app, member.id).line_user_id is None
    assert rin.menu() == (menus["guest"], "default")
    assert rin.texts()[-1].startswith("連携の手続きの有効期限（10分）が切れました")


def test_member_linked_to_another_line_user_is_never_taken_over(
    app: Flask, menus: dict[str, str], customer: MakeCustomer
) -> None:
    member = add_member(app, "松本 誠", "makoto@example.com", "correct horse 42")
    owner, intruder = customer("松本 誠"), customer("誰か")
    owner.link_with_password("makoto@example.com")
    owner_link = member_row(app, member.id).line_user_id

    intruder.link_with_password("makoto@example.com")
    assert member_row(app, member.id).line_user_id == owner_link
    assert intruder.menu() == (menus["guest"], "default")
    assert owner.menu() == (menus["member-a"], "linked")
    assert intruder.texts()[-1].startswith(
        "この会員番号はすでに別のLINEアカウントと連携されています"
    )


def test_line_user_linked_to_another_member_must_unlink_first(
    app: Flask, menus: dict[str, str], customer: MakeCustomer
) -> None:
    first = add_member(app, "井上 一", "ichi@example.com", "correct horse 42")
    second = add_member(app, "井上 二", "ni@example.com", "correct horse 42")
    inoue = customer("井上")
    spare_url = inoue.link_url()  # a second invitation, opened later
    inoue.link_with_password("ichi@example.com")

    response = inoue.sign_in(spare_url, "ni@example.com")
    inoue.confirm_on_line(response.headers["Location"])
    assert member_row(app, second.id).line_user_id is None
    assert member_row(app, first.id).line_user_id is not None
    assert f"末尾{first.member_no[-4:]}）と連携されています" in inoue.texts()[-1]


def test_nonce_made_for_one_user_cannot_link_another(
    app: Flask, line: LineSide, menus: dict[str, str], customer: MakeCustomer
) -> None:
    member = add_member(app, "森 葵", "aoi@example.com", "correct horse 42")
    aoi, other = customer("森 葵"), customer("他人")
    other.follow()
    _, nonce = signed_in(aoi, "aoi@example.com")
    line.send(account_link(line, other.user_id, nonce))
    other.worker()
    assert member_row(app, member.id).line_user_id is None
    assert other.menu() == (menus["guest"], "default")
    assert other.texts()[-1].startswith("会員連携が完了しませんでした")


def test_redelivered_link_event_links_once_and_replies_once(
    app: Flask, line: LineSide, menus: dict[str, str], customer: MakeCustomer
) -> None:
    member = add_member(app, "清水 海", "kai@example.com", "correct horse 42")
    kai = customer("清水 海")
    _, nonce = signed_in(kai, "kai@example.com")
    event = account_link(line, kai.user_id, nonce)
    line.send(event)
    kai.worker()
    line.redeliver(event["webhookEventId"])
    kai.worker()
    assert member_row(app, member.id).line_user_id is not None
    welcomes = [t for t in kai.texts() if "連携が完了しました" in t]
    assert len(welcomes) == 1


def test_link_job_retried_after_a_line_error_still_welcomes_once(
    app: Flask, line: LineSide, menus: dict[str, str], customer: MakeCustomer
) -> None:
    member = add_member(app, "石川 空", "sora@example.com", "correct horse 42")
    sora = customer("石川 空")
    location, _ = signed_in(sora, "sora@example.com")
    line.fault("/v2/bot/user/*/richmenu/*", 500)  # the menu switch fails once
    sora.confirm_on_line(location)
    assert member_row(app, member.id).line_user_id is not None
    assert sora.menu() == (menus["member-a"], "linked")
    welcomes = [t for t in sora.texts() if "連携が完了しました" in t]
    assert len(welcomes) == 1
