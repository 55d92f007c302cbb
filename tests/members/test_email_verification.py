"""Online orders count for a member only once their e-mail address is proven."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from bot.extensions import db
from bot.members.models import Member
from bot.points.service import balance
from tests.ec.test_shop_webhooks import SECRET, order, purchases, signed_post
from tests.mail_sink import MailSink, running_mail_sink
from tests.members.parallel import issued_link_token, opened_form

Drain = Callable[..., None]
VICTIM = "hanako@example.com"


@pytest.fixture
def mail_sink() -> Iterator[MailSink]:
    with running_mail_sink() as sink:
        yield sink


@pytest.fixture
def settings_overrides(mail_sink: MailSink) -> dict[str, Any]:
    return {
        "EC_WEBHOOK_SECRET": SECRET,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": mail_sink.port,
        "SMTP_STARTTLS": 0,
        "MAIL_FROM": "shop@example.jp",
        "BOT_BASE_URL": "http://bot.example.test",
    }


def register(app: Flask, email: str, name: str = "山田 花子") -> int:
    browser, hidden = opened_form(app, issued_link_token(app))
    answer = browser.post(
        "/link/register",
        data={**hidden, "name": name, "email": email, "password": "a long password"},
    )
    assert answer.status_code == 303 and "accountLink" in answer.location
    with app.app_context():
        member_id = db.session.scalar(sa.select(Member.id).where(Member.email == email))
        assert member_id is not None
        return member_id


def link_in(mail_sink: MailSink, address: str) -> str:
    [message] = mail_sink.to(address)
    body = message.get_content()
    match = re.search(r"http://bot\.example\.test(/link/verify-email\?\S+)", body)
    assert match is not None, body
    return match.group(1)


def test_someone_registering_with_another_persons_email_gets_none_of_their_orders(
    app: Flask,
    worker: Drain,
    mail_sink: MailSink,
) -> None:
    attacker = register(app, VICTIM, name="なりすまし")

    answer = signed_post(app.test_client(), "orders", order(email=VICTIM))

    assert (answer.status_code, answer.get_json()["status"]) == (200, "no_member")
    assert purchases(app) == []
    with app.app_context():
        assert balance(attacker) == 0
    # The proof goes to the address's owner, not to whoever typed it.
    worker()
    assert len(mail_sink.to(VICTIM)) == 1


def test_orders_count_once_the_member_opened_the_link_from_the_email(
    app: Flask,
    worker: Drain,
    mail_sink: MailSink,
) -> None:
    member_id = register(app, VICTIM)
    worker()
    [message] = mail_sink.to(VICTIM)
    assert message["From"] == "shop@example.jp"
    assert "メールアドレスの確認" in message["Subject"]

    page = app.test_client().get(link_in(mail_sink, VICTIM))

    assert page.status_code == 200
    assert "確認しました" in page.get_data(as_text=True)
    answer = signed_post(app.test_client(), "orders", order(email=VICTIM))
    assert answer.get_json()["status"] == "recorded"
    [row] = purchases(app)
    assert row.member_id == member_id
    with app.app_context():
        assert balance(member_id) == 54


@pytest.mark.parametrize("mangle", ["", "x", "cut"])
def test_a_forged_or_broken_link_proves_nothing(
    app: Flask,
    worker: Drain,
    mail_sink: MailSink,
    mangle: str,
) -> None:
    register(app, VICTIM)
    worker()
    link = link_in(mail_sink, VICTIM)
    broken = {"": "/link/verify-email?token=", "x": link + "x", "cut": link[:-6]}
    page = app.test_client().get(broken[mangle])
    assert page.status_code == 400
    assert (
        signed_post(app.test_client(), "orders", order(email=VICTIM)).get_json()[
            "status"
        ]
        == "no_member"
    )


def test_imported_members_emails_come_from_the_shop_and_count(
    app: Flask, tmp_path: Any
) -> None:
    csv = tmp_path / "members.csv"
    csv.write_text(
        "member_no,name,email,birthday,home_store,points\n"
        f"4006381333931,鈴木 一郎,{VICTIM},,,\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(args=["members", "import", str(csv)])
    assert result.exit_code == 0, result.output
    answer = signed_post(app.test_client(), "orders", order(email=VICTIM))
    assert answer.get_json()["status"] == "recorded"


def test_members_registered_before_proofs_existed_can_be_sent_a_new_link(
    app: Flask,
    worker: Drain,
    mail_sink: MailSink,
) -> None:
    with app.app_context():
        db.session.add_all(
            [
                Member(member_no="4006381333931", name="早期 会員", email=VICTIM),
                Member(member_no="4006381333948", name="住所なし"),
                Member(
                    member_no="4006381333955",
                    name="確認済み",
                    email="done@example.com",
                    email_verified_at=sa.func.now(),
                ),
            ]
        )
        db.session.commit()
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["members", "send-email-proof", "--unproven", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would send 1 proof link(s)" in dry.output
    worker()
    assert mail_sink.messages == []

    unknown = runner.invoke(args=["members", "send-email-proof", "4006381333000"])
    assert unknown.exit_code != 0 and "no member 4006381333000" in unknown.output

    named = runner.invoke(
        args=["members", "send-email-proof", "4006381333948", "4006381333955"]
    )
    assert "4006381333948: no e-mail address, skipped" in named.output
    assert "4006381333955: address already proven, skipped" in named.output
    assert "queued 0 proof link(s)" in named.output

    result = runner.invoke(args=["members", "send-email-proof", "--unproven"])
    assert result.exit_code == 0, result.output
    assert "queued 1 proof link(s)" in result.output
    worker()
    assert [m["To"] for m in mail_sink.messages] == [VICTIM]
    page = app.test_client().get(link_in(mail_sink, VICTIM))
    assert page.status_code == 200
    assert (
        signed_post(app.test_client(), "orders", order(email=VICTIM)).get_json()[
            "status"
        ]
        == "recorded"
    )
