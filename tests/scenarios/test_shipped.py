"""Each shipped scenario end to end against the emulator, moving time with --now."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from bot.extensions import db
from bot.members.models import Member
from bot.members.numbers import random_member_no
from bot.models_base import utcnow
from bot.purchases.models import Purchase
from bot.scenarios.models import EXITED, ScenarioRecord
from bot.scenarios.service import in_holdout, parsed
from bot.users.models import LineUser
from tests.pos.factories import bearer, give_points, make_store
from tests.scenarios.helpers import (
    SHIPPED,
    TOKYO,
    enrollments,
    load,
    run_due,
    tokyo_day,
)
from tests.segments.factories import make_store as make_beacon_store
from tests.segments.factories import make_visit


@pytest.fixture
def shipped(runner: FlaskCliRunner, ctx: None) -> None:
    """Load the coupons and the shipped scenarios."""
    result = runner.invoke(args=["coupons", "load"])
    assert result.exit_code == 0, result.output
    load(runner, SHIPPED)


def member_outside_holdout(
    line: Any, scenario_id: str, birthday: date | None = None
) -> tuple[str, Member]:
    """Create linked members until one is not in the scenario's holdout."""
    scenario = parsed(db.session.get(ScenarioRecord, scenario_id))
    for i in range(20):
        name = f"会員{i}"
        line_id = line.add_user(name)
        user = LineUser(line_user_id=line_id, display_name=name, is_friend=True)
        db.session.add(user)
        db.session.flush()
        member = Member(
            member_no=random_member_no(),
            name=f"山田 {i}",
            email=f"m{user.id}@example.com",
            email_verified_at=utcnow(),  # the shop matches proven addresses only
            birthday=birthday,
            line_user_id=user.id,
        )
        db.session.add(member)
        db.session.commit()
        if not in_holdout(scenario, user.id):
            return line_id, member
    raise AssertionError("everyone in the holdout")


def received(line: Any, line_id: str) -> list[str]:
    """Return texts and the alt text of flex messages the customer was pushed."""
    return [
        m.get("text") or f"[flex] {m.get('altText')}"
        for d in line.deliveries_to(line_id)
        if d.delivered and d.via in ("push", "multicast")
        for m in d.messages
    ]


def buy(purchase_member: Member, days_ago: int, channel: str = "store") -> None:
    db.session.add(
        Purchase(
            member_id=purchase_member.id,
            channel=channel,
            origin="S001" if channel == "store" else "shop",
            reference=f"R{purchase_member.id}-{days_ago}",
            amount=3000,
            purchased_at=tokyo_day(-days_ago, 12),
        )
    )
    db.session.commit()


def test_first_purchase_thanks_with_coupon_then_how_to_use(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    shipped: None,
    line: Any,
    worker: Any,
) -> None:
    key = make_store(app)
    line_id, member = member_outside_holdout(line, "first_purchase_thanks")
    sale = {"member_no": member.member_no, "receipt_no": "R1", "amount": 5000}
    assert (
        client.post("/api/pos/transactions", json=sale, headers=bearer(key)).status_code
        == 201
    )
    worker()
    worker()
    first = received(line, line_id)
    assert first[0] == (
        f"{member.name}様、はじめてのお買い上げありがとうございます。"
        "次回のお買い物で使えるクーポンをお送りします。"
    )
    assert first[1].startswith("[flex] ")  # the coupon

    second = {**sale, "receipt_no": "R2"}
    client.post("/api/pos/transactions", json=second, headers=bearer(key))
    worker()
    assert len(enrollments("first_purchase_thanks")) == 1

    assert run_due(runner, tokyo_day(3, 9, 59)).exit_code == 0
    assert len(received(line, line_id)) == 2
    assert run_due(runner, tokyo_day(4, 10)).exit_code == 0
    assert run_due(runner, tokyo_day(4, 20)).exit_code == 0
    assert received(line, line_id)[2:] == [
        "お買い上げの商品はいかがですか。長く使っていただくためのお手入れ方法をご紹介します。"
    ]


def test_loyal_early_access_after_the_third_purchase(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    shipped: None,
    line: Any,
    worker: Any,
) -> None:
    key = make_store(app)
    line_id, member = member_outside_holdout(line, "loyal_early_access")
    for n in (1, 2, 3):
        sale = {"member_no": member.member_no, "receipt_no": f"L{n}", "amount": 2000}
        client.post("/api/pos/transactions", json=sale, headers=bearer(key))
        worker()
        assert len(enrollments("loyal_early_access")) == (1 if n == 3 else 0)
    assert run_due(runner, tokyo_day(2, 10)).exit_code == 0
    # The first purchase also started the thank-you scenario.
    [text] = [t for t in received(line, line_id) if "先行" in t]
    assert member.name in text


def test_birthday_month_coupon(
    runner: FlaskCliRunner, shipped: None, line: Any
) -> None:
    moment = tokyo_day(1, 10)
    line_id, member = member_outside_holdout(
        line, "birthday_coupon", birthday=date(1990, moment.month, 15)
    )
    other_id, _ = member_outside_holdout(
        line, "birthday_coupon", birthday=date(1990, moment.month % 12 + 1, 15)
    )
    assert run_due(runner, moment).exit_code == 0
    texts = received(line, line_id)
    assert texts[0].startswith(f"{member.name}様、お誕生月おめでとうございます。")
    assert texts[1].startswith("[flex] ")
    assert received(line, other_id) == []
    assert run_due(runner, tokyo_day(2, 10)).exit_code == 0
    assert len(received(line, line_id)) == 2


def test_comeback_after_90_days_and_a_purchase_ends_it(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    shipped: None,
    line: Any,
    worker: Any,
) -> None:
    key = make_store(app)
    line_id, member = member_outside_holdout(line, "comeback_90d")
    buy(member, days_ago=100)
    recent_id, recent = member_outside_holdout(line, "comeback_90d")
    buy(recent, days_ago=30)

    # As of one minute ago: the purchase below comes after the enrollment.
    from bot.models_base import utcnow

    assert run_due(runner, utcnow() - timedelta(minutes=1)).exit_code == 0
    texts = received(line, line_id)
    assert "しばらくお会いできていませんね" in texts[0]
    assert received(line, recent_id) == []

    sale = {"member_no": member.member_no, "receipt_no": "C1", "amount": 2000}
    client.post("/api/pos/transactions", json=sale, headers=bearer(key))
    worker()
    [enrollment] = enrollments("comeback_90d")
    assert (enrollment.status, enrollment.exit_reason) == (EXITED, "purchase")
    assert run_due(runner, tokyo_day(9, 10)).exit_code == 0
    assert len(received(line, line_id)) == len(texts)


def test_comeback_second_step_a_week_later(
    runner: FlaskCliRunner, shipped: None, line: Any
) -> None:
    line_id, member = member_outside_holdout(line, "comeback_90d")
    buy(member, days_ago=100)
    assert run_due(runner, tokyo_day(1, 10)).exit_code == 0
    assert run_due(runner, tokyo_day(8, 9)).exit_code == 0
    assert len(received(line, line_id)) == 2  # text + coupon
    assert run_due(runner, tokyo_day(8, 10)).exit_code == 0
    assert "期限が近づいています" in received(line, line_id)[-1]


def test_visit_without_purchase_the_next_morning(
    runner: FlaskCliRunner, shipped: None, line: Any
) -> None:
    store = make_beacon_store("S777", hwids=("0a0b0c0d0e",))
    line_id, member = member_outside_holdout(line, "visit_no_purchase")
    buyer_id, buyer = member_outside_holdout(line, "visit_no_purchase")
    today = tokyo_day(0, 12).date()
    make_visit(
        store, today, user=db.session.get(LineUser, member.line_user_id), member=member
    )
    make_visit(
        store, today, user=db.session.get(LineUser, buyer.line_user_id), member=buyer
    )
    buy(buyer, days_ago=0)

    assert run_due(runner, tokyo_day(1, 9, 30)).exit_code == 0
    assert received(line, line_id) == []
    assert run_due(runner, tokyo_day(1, 10)).exit_code == 0
    assert received(line, line_id) == [
        "昨日はご来店ありがとうございました。気になる商品はオンラインストアでもご覧いただけます。"
    ]
    assert received(line, buyer_id) == []


def test_points_expiring_a_week_ahead(
    runner: FlaskCliRunner, shipped: None, line: Any
) -> None:
    line_id, member = member_outside_holdout(line, "points_expiring")
    later_id, later = member_outside_holdout(line, "points_expiring")
    moment = tokyo_day(1, 10)
    give_points(member.id, 500, at=moment - timedelta(days=360), days=365)
    give_points(later.id, 500, at=moment - timedelta(days=300), days=365)
    db.session.commit()
    assert run_due(runner, moment).exit_code == 0
    [text] = received(line, line_id)
    assert text.startswith(f"{member.name}様、お持ちのポイントの有効期限")
    assert received(line, later_id) == []
    assert moment.tzinfo == TOKYO
