"""Claiming, replying, resolving and the customer panel, over HTTP."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bot.extensions import db
from bot.handoff.models import ConversationMessage
from bot.members.models import Member
from bot.points.models import PointEntry
from bot.purchases.models import Purchase
from bot.stores.models import Store, StoreVisit
from bot.users.models import LineUser
from tests.conftest import LineSide
from tests.handoff.helpers import (
    Drain,
    conversations_of,
    csrf_of,
    load_shipped_faq,
    messages_in,
    reply_form,
    signed_in_operator,
    texts,
)

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def settings_overrides() -> dict[str, str]:
    return {"BUSINESS_HOURS": "Mon-Sun 00:00-24:00"}


def waiting_customer(line: LineSide, worker: Drain, name: str = "山田 花子") -> str:
    user_id = line.add_user(name)
    line.send(line.follow(user_id))
    line.send(line.text(user_id, "スタッフと話したい"))
    worker()
    return user_id


def test_two_operators_claiming_at_once_one_wins(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = waiting_customer(line, worker)
    [conversation] = conversations_of(app, user_id)
    clients = [
        signed_in_operator(app, email) for email in ("a@example.com", "b@example.com")
    ]
    start = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def claim(index: int) -> None:
        client = clients[index]
        token = csrf_of(client)
        start.wait()
        response = client.post(
            f"/operator/conversations/{conversation.id}/claim",
            data={"csrf_token": token},
        )
        outcomes[index] = response.headers["Location"]

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [i for i, where in outcomes.items() if "/conversations/" in where]
    assert len(winners) == 1
    loser = clients[1 - winners[0]]
    queue = loser.get("/operator/").get_data(as_text=True)
    assert "すでに他のオペレーターが対応しています" in queue
    [claimed] = conversations_of(app, user_id)
    assert claimed.state == "with_operator"


def queued_ids(client: FlaskClient) -> set[int]:
    """Return the ids of the conversations in the console's queue."""
    queue = client.get("/operator/api/queue").get_json()
    return {item["id"] for items in queue.values() for item in items}


def _claimed_chat(
    app: Flask, line: LineSide, worker: Drain
) -> tuple[str, FlaskClient, str]:
    """A customer waiting for a person, claimed by 佐藤: their id, 佐藤's
    browser and the conversation's path."""
    user_id = waiting_customer(line, worker)
    [conversation] = conversations_of(app, user_id)
    client = signed_in_operator(app, "sato@example.com", name="佐藤")
    base = f"/operator/conversations/{conversation.id}"
    client.post(f"{base}/claim", data={"csrf_token": csrf_of(client)})
    return user_id, client, base


def test_reply_is_pushed_once_and_resolve_returns_to_the_bot(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    load_shipped_faq(app)
    user_id, client, base = _claimed_chat(app, line, worker)
    sent = client.post(
        f"{base}/messages",
        data=reply_form(client, "担当の佐藤です。"),
    )
    assert sent.status_code == 302
    worker()
    assert line.texts_to(user_id)[-1] == ("push", "担当の佐藤です。")
    pushes = line.calls("/v2/bot/message/push")
    assert len(pushes) == 1 and pushes[0].headers["X-Line-Retry-Key"]
    with app.app_context():
        delivery = db.session.scalar(
            sa.select(ConversationMessage.delivery).where(
                ConversationMessage.sender == "operator"
            )
        )
    assert delivery == "pushed"

    client.post(f"{base}/resolve", data={"csrf_token": csrf_of(client)})
    worker()
    assert texts(line, user_id)[-1].startswith("お問い合わせありがとうございました")
    [closed] = conversations_of(app, user_id)
    assert (closed.state, closed.resolved_by) == ("resolved", "operator")
    line.send(line.text(user_id, "ポイントの有効期限はいつまで？"))
    worker()
    assert "ポイント" in texts(line, user_id)[-1]
    senders = [
        sender
        for sender, _, _ in messages_in(app, conversations_of(app, user_id)[0].id)
    ]
    assert senders == ["customer", "bot", "operator", "bot"]


def test_customer_who_blocks_the_shop_leaves_the_queue(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    load_shipped_faq(app)
    user_id = waiting_customer(line, worker)
    [conversation] = conversations_of(app, user_id)
    client = signed_in_operator(app, "sato@example.com", name="佐藤")
    assert conversation.id in queued_ids(client)
    calls_before = len(line.calls("*"))

    line.send(line.unfollow(user_id))
    worker()
    [closed] = conversations_of(app, user_id)
    assert (closed.state, closed.resolved_by) == ("resolved", "blocked")
    # Nothing was sent to a customer who blocked us: no closing message, no menu.
    assert len(line.calls("*")) == calls_before
    assert conversation.id not in queued_ids(client)
    page = client.get(f"/operator/conversations/{conversation.id}")
    assert "終了（お客様がブロックしました）" in page.get_data(as_text=True)
    assert "reply-text" not in page.get_data(as_text=True)


def test_a_reply_form_sent_twice_reaches_the_customer_once(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    # Two identical posts at once (a retry on a slow network) both pushed.
    user_id, client, base = _claimed_chat(app, line, worker)
    page = client.get(base).get_data(as_text=True)
    assert 'name="reply_key"' in page
    form = reply_form(client, "担当の佐藤です。")
    start = threading.Barrier(2)

    def send() -> int:
        start.wait()
        return client.post(f"{base}/messages", data=form).status_code

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(lambda _: send(), range(2))) == [302, 302]
    worker()
    assert line.texts_to(user_id).count(("push", "担当の佐藤です。")) == 1
    without_key = {k: v for k, v in form.items() if k != "reply_key"}
    assert client.post(f"{base}/messages", data=without_key).status_code == 400


def test_a_refused_reply_keeps_its_text_and_the_form_can_be_sent_again(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    # The one-time key was used up by the refused post: the typed text was
    # gone and the corrected form was answered "already sent".
    user_id, client, base = _claimed_chat(app, line, worker)
    too_long = "お待たせしました。" + "あ" * 5000
    form = reply_form(client, too_long)
    refused = client.post(f"{base}/messages", data=form)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "返信は1〜5,000文字で入力してください" in page
    assert f">{too_long}</textarea>" in page
    fixed = client.post(f"{base}/messages", data={**form, "text": "お待たせしました。"})
    assert fixed.status_code == 302
    worker()
    assert line.texts_to(user_id).count(("push", "お待たせしました。")) == 1


def test_only_the_assigned_operator_replies(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = waiting_customer(line, worker)
    [conversation] = conversations_of(app, user_id)
    first = signed_in_operator(app, "a@example.com")
    second = signed_in_operator(app, "b@example.com")
    base = f"/operator/conversations/{conversation.id}"
    first.post(f"{base}/claim", data={"csrf_token": csrf_of(first)})
    second.post(f"{base}/messages", data=reply_form(second, "x"))
    second.post(f"{base}/resolve", data={"csrf_token": csrf_of(second)})
    worker()
    assert [s for s, _, _ in messages_in(app, conversation.id)] == ["customer", "bot"]
    assert conversations_of(app, user_id)[0].state == "with_operator"
    page = second.get(base).get_data(as_text=True)
    assert "送信" not in page and "対応中（担当:" in page


def test_chat_view_shows_history_as_text_and_the_customer_panel(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = waiting_customer(line, worker)
    line.send(line.text(user_id, XSS))
    worker()
    line.send(
        line.event(
            "message",
            user_id,
            message={
                "id": "2",
                "type": "image",
                "quoteToken": "q",
                "contentProvider": {"type": "line"},
            },
        )
    )
    worker()
    with app.app_context():
        user = db.session.scalar(
            sa.select(LineUser).where(LineUser.line_user_id == user_id)
        )
        store = Store(
            code="S001",
            name="渋谷店",
            address="東京都渋谷区",
            lat=35.6,
            lng=139.7,
            opens_at="10:00",
            closes_at="20:00",
        )
        db.session.add(store)
        db.session.flush()
        member = Member(
            member_no="2900000000017",
            name="山田 花子",
            rank="gold",
            home_store_code="S001",
            line_user_id=user.id,
        )
        db.session.add(member)
        db.session.flush()
        db.session.add_all(
            [
                PointEntry(
                    member_id=member.id, kind="earn", delta=1234, reference="pos:1"
                ),
                Purchase(
                    member_id=member.id,
                    channel="store",
                    origin="S001",
                    reference="R-1",
                    amount=5980,
                    purchased_at=datetime(2026, 11, 1, 3, tzinfo=UTC),
                ),
                StoreVisit(
                    store_id=store.id,
                    customer_key=f"m:{member.id}",
                    member_id=member.id,
                    visit_date=date(2026, 11, 1),
                    source="beacon",
                ),
            ]
        )
        db.session.commit()
    [conversation] = conversations_of(app, user_id)
    client = signed_in_operator(app, "sato@example.com")
    page = client.get(f"/operator/conversations/{conversation.id}").get_data(
        as_text=True
    )
    assert XSS not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "［画像］" in page
    for fact in (
        "2900000000017",
        "ゴールド",
        "1,234 pt",
        "渋谷店",
        "¥5,980",
        "2026-11-01",
    ):
        assert fact in page, fact
    api = client.get(f"/operator/api/conversations/{conversation.id}/messages").json
    assert XSS in [m["text"] for m in api["messages"]]
    assert api["state"] == "waiting"


def test_a_guests_panel_shows_the_sales_they_made_with_coupons(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = waiting_customer(line, worker)
    with app.app_context():
        user = db.session.scalar(
            sa.select(LineUser).where(LineUser.line_user_id == user_id)
        )
        db.session.add(
            Purchase(
                member_id=None,
                line_user_id=user.id,
                channel="store",
                origin="S009",
                reference="R-7",
                amount=3500,
                discount=500,
                purchased_at=datetime(2026, 11, 2, 3, tzinfo=UTC),
            )
        )
        db.session.commit()
    [conversation] = conversations_of(app, user_id)
    client = signed_in_operator(app, "sato@example.com")
    page = client.get(f"/operator/conversations/{conversation.id}").get_data(
        as_text=True
    )
    assert "会員連携していないお客様です。" in page
    purchases = page.split('id="purchases"')[1].split("</ul>")[0]
    assert "S009" in purchases and "¥3,500" in purchases


def test_earlier_conversations_are_listed(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = waiting_customer(line, worker)
    line.send(line.postback(user_id, "action=end_support"))
    worker()
    line.send(line.text(user_id, "人と話したい"))
    worker()
    first, second = conversations_of(app, user_id)
    client = signed_in_operator(app, "sato@example.com")
    page = client.get(f"/operator/conversations/{second.id}").get_data(as_text=True)
    assert f'href="/operator/conversations/{first.id}"' in page
    assert first.opened_at > datetime.now(UTC) - timedelta(hours=1)


def test_admin_may_take_over_a_conversation(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = waiting_customer(line, worker)
    [conversation] = conversations_of(app, user_id)
    operator = signed_in_operator(app, "a@example.com")
    admin = signed_in_operator(app, "boss@example.com", role="admin", name="店長")
    base = f"/operator/conversations/{conversation.id}"
    operator.post(f"{base}/claim", data={"csrf_token": csrf_of(operator)})
    admin.post(f"{base}/messages", data=reply_form(admin, "店長です。"))
    admin.post(f"{base}/resolve", data={"csrf_token": csrf_of(admin)})
    worker()
    assert ("push", "店長です。") in line.texts_to(user_id)
    assert conversations_of(app, user_id)[0].state == "resolved"


def test_a_message_cursor_past_any_id_is_a_bad_request(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    # No view bounds this one: the database's refusal of the value is answered
    # as 400 (it was a 500), and nothing is read or changed.
    user_id = waiting_customer(line, worker)
    [conversation] = conversations_of(app, user_id)
    client = signed_in_operator(app, "sato@example.com")
    url = f"/operator/api/conversations/{conversation.id}/messages"

    answer = client.get(url, query_string={"after": "99999999999999999999"})

    assert answer.status_code == 400
    assert answer.get_json()["error"] == "bad request"
    assert client.get(url, query_string={"after": "0"}).status_code == 200
    assert client.get(url, query_string={"after": "-1"}).status_code == 400
    for resolved in ("99999999999999999999", "x"):
        page = client.get("/operator/", query_string={"resolved": resolved})
        assert page.status_code == 400
