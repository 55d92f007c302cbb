"""What customers get: the クーポン tile, the coupon API and page, and the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from bot.cards.render import qr_svg
from bot.coupons.models import CouponDefinition, PersonalCoupon
from bot.extensions import db
from tests.cards.test_card_api import id_token
from tests.conftest import LineSide
from tests.coupons.factories import SHIPPED, give, load_shipped, user_pk
from tests.pos.factories import CARD_SETTINGS, bearer, make_member, make_store

Drain = Callable[[], None]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return dict(CARD_SETTINGS)


def _last_message(line: LineSide, user_id: str) -> dict[str, Any]:
    return line.deliveries_to(user_id)[-1].messages[-1]


def test_tile_answers_a_carousel_of_usable_coupons(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    load_shipped(app)
    user_id = line.add_user()
    line.send(line.postback(user_id, "action=coupons"))
    worker()
    assert "クーポンはありません" in _last_message(line, user_id)["text"]
    pk = user_pk(app, user_id)
    code = give(app, pk, "thanks-next")
    give(app, pk, "visit-shibuya")
    line.send(line.postback(user_id, "action=coupons"))
    worker()
    message = _last_message(line, user_id)
    assert message["type"] == "flex"
    bubbles = message["contents"]["contents"]
    titles = [b["body"]["contents"][1]["text"] for b in bubbles]
    assert titles == ["渋谷店 来店ドリンク1杯無料", "次回お買い物500円引き"]
    button = bubbles[1]["footer"]["contents"][0]["action"]
    assert button["label"] == "使う"
    assert button["uri"].endswith("/liff/card/coupons?coupon=thanks-next")
    # The personal code never travels in a message.
    assert code.replace("-", "") not in str(message) and code not in str(message)


def test_coupon_api_answers_the_guests_and_members_coupons(
    app: Flask, client: FlaskClient, emulator: Any
) -> None:
    load_shipped(app)
    assert client.post("/api/member/coupons").status_code == 401
    bad = client.post("/api/member/coupons", headers=bearer("not-a-token"))
    assert bad.status_code == 401
    guest = emulator.platform.add_user(display_name="ゲスト").user_id
    code = give(app, user_pk(app, guest), "visit-shibuya")
    answer = client.post(
        "/api/member/coupons", headers=bearer(id_token(emulator, guest))
    )
    assert answer.status_code == 200
    [coupon] = answer.get_json()["coupons"]
    assert {k: coupon[k] for k in ("code", "coupon_id", "kind", "value", "status")} == {
        "code": code,
        "coupon_id": "visit-shibuya",
        "kind": "free_item",
        "value": 350,
        "status": "usable",
    }
    assert coupon["title"] and coupon["expires_at"]


def test_scan_code_from_the_page_is_taken_once_at_the_register(
    app: Flask, client: FlaskClient, emulator: Any
) -> None:
    load_shipped(app)
    key = make_store(app)
    user_id = emulator.platform.add_user(display_name="山田").user_id
    member = make_member(app, line_user_id=user_id)
    code = give(app, user_pk(app, user_id), "thanks-next")
    token = id_token(emulator, user_id)
    page = client.post(
        "/api/member/coupons/scan-code", json={"code": code}, headers=bearer(token)
    )
    assert page.status_code == 200, page.get_json()
    body = page.get_json()
    assert len(body["scan_code"]) == 18 and body["qr_svg"] == qr_svg(body["scan_code"])
    assert body["barcode_svg"].startswith("<svg")
    scan = client.post(
        "/api/pos/scan", json={"code": body["scan_code"]}, headers=bearer(key)
    )
    assert scan.status_code == 200
    answer = scan.get_json()
    assert (answer["via"], answer["scanned_coupon"]) == ("coupon_code", code)
    assert answer["member"]["member_no"] == member["member_no"]
    assert [c["code"] for c in answer["coupons"]] == [code]
    again = client.post(
        "/api/pos/scan", json={"code": body["scan_code"]}, headers=bearer(key)
    )
    assert again.status_code == 410
    someone = emulator.platform.add_user(display_name="他人").user_id
    theirs = client.post(
        "/api/member/coupons/scan-code",
        json={"code": code},
        headers=bearer(id_token(emulator, someone)),
    )
    assert theirs.status_code == 404


def test_coupon_page_is_served(client: FlaskClient) -> None:
    for path in ("/liff/card/coupons", "/liff/coupons"):
        with client.get(path) as answer:
            assert answer.status_code == 200
            assert "クーポン" in answer.get_data(as_text=True)


def test_load_is_all_or_nothing_and_names_the_id_and_field(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(args=["coupons", "load", str(SHIPPED)])
    assert result.exit_code == 0, result.output
    assert "8 added" in result.output
    bad = tmp_path / "coupons.yaml"
    bad.write_text(
        SHIPPED.read_text("utf-8").replace("value: 500", "value: -5")
        + "  - id: extra\n    title: x\n    kind: half_off\n    value: 1\n"
        "    valid_days: 1\n    channels: [store]\n",
        "utf-8",
    )
    refused = runner.invoke(args=["coupons", "load", str(bad)])
    assert refused.exit_code != 0
    assert "coupon 'thanks-next', field 'value'" in refused.output
    assert "coupon 'extra', field 'kind'" in refused.output
    with app.app_context():
        assert db.session.get(CouponDefinition, "thanks-next").value == 500
        assert db.session.get(CouponDefinition, "extra") is None
    shorter = tmp_path / "shorter.yaml"
    shorter.write_text(
        SHIPPED.read_text("utf-8").split("  - id: free-shipping")[0], "utf-8"
    )
    dry = runner.invoke(args=["coupons", "load", str(shorter), "--dry-run"])
    assert (
        "would load 7" in dry.output and "no longer issued: free-shipping" in dry.output
    )
    with app.app_context():
        assert db.session.get(CouponDefinition, "free-shipping").active is True
    runner.invoke(args=["coupons", "load", str(shorter)])
    with app.app_context():
        assert db.session.get(CouponDefinition, "free-shipping").active is False


def test_issue_sends_each_customer_once_without_codes(
    app: Flask, runner: FlaskCliRunner, line: LineSide
) -> None:
    load_shipped(app)
    users = [line.add_user(f"客{n}") for n in range(7)]
    for user in users:
        user_pk(app, user)
    dry = runner.invoke(args=["coupons", "issue", "comeback", "--dry-run"])
    assert "up to 7 customers" in dry.output
    assert line.calls("/v2/bot/message/multicast") == []
    result = runner.invoke(args=["coupons", "issue", "comeback"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["coupons", "issue", "comeback"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        codes = db.session.scalars(sa.select(PersonalCoupon.code)).all()
    assert len(codes) == 7
    delivered = [d for d in line.platform.deliveries() if d.via == "multicast"]
    assert sorted(d.user_id for d in delivered) == sorted(users)
    for delivery in delivered:
        assert not any(code in str(delivery.messages) for code in codes)
    # limit_per_customer is 1: the second run found nobody new to send to.
    assert "0 delivered" in again.output


def test_card_lists_usable_coupons_without_codes(
    app: Flask, client: FlaskClient, emulator: Any
) -> None:
    load_shipped(app)
    user_id = emulator.platform.add_user(display_name="山田").user_id
    make_member(app, line_user_id=user_id)
    code = give(app, user_pk(app, user_id), "birthday")
    give(app, user_pk(app, user_id), "comeback", status="used")
    answer = client.post(
        "/api/member/card", headers=bearer(id_token(emulator, user_id))
    )
    assert [c["coupon_id"] for c in answer.get_json()["coupons"]] == ["birthday"]
    assert answer.get_json()["coupons"][0]["value_label"] == "10%オフ"
    assert code not in answer.get_data(as_text=True)


def test_stats_count_issued_used_and_discounts(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    load_shipped(app)
    key = make_store(app)
    member = make_member(app, line_user_id="U" + "d" * 32)
    pk = user_pk(app, "U" + "d" * 32)
    code = give(app, pk, "thanks-next")
    give(app, user_pk(app, "U" + "e" * 32), "thanks-next")
    body = {
        "member_no": member["member_no"],
        "receipt_no": "R-1",
        "amount": 3000,
        "coupon_codes": [code],
    }
    assert (
        client.post("/api/pos/transactions", json=body, headers=bearer(key)).status_code
        == 201
    )
    result = runner.invoke(args=["coupons", "stats", "thanks-next", "--format", "json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert {k: row[k] for k in ("issued", "used", "used_store", "usable")} == {
        "issued": 2,
        "used": 1,
        "used_store": 1,
        "usable": 1,
    }
    assert (row["discount_total"], row["used_by_store"]) == (500, {"S001": 1})
    text = runner.invoke(args=["coupons", "stats"])
    assert "thanks-next: issued 2, used 1 (store 1, online 0)" in text.output
    csv_out = runner.invoke(args=["coupons", "stats", "--format", "csv"])
    assert csv_out.output.splitlines()[0].startswith("coupon_id,issued,used")


def test_issue_at_a_later_time_issues_when_the_send_runs(
    app: Flask, runner: FlaskCliRunner, line: LineSide
) -> None:
    from datetime import timedelta

    from bot.models_base import utcnow
    from bot.segments.jobs import run_segment_send
    from bot.segments.models import SegmentSend

    load_shipped(app)
    users = [line.add_user(f"客{n}") for n in range(3)]
    for user in users:
        user_pk(app, user)
    later = (utcnow() + timedelta(hours=2)).isoformat()
    result = runner.invoke(args=["coupons", "issue", "birthday", "--at", later])
    assert result.exit_code == 0, result.output
    with app.app_context():
        send = db.session.scalar(sa.select(SegmentSend))
        assert (send.status, send.coupon_id) == ("scheduled", "birthday")
        assert db.session.scalar(sa.select(sa.func.count(PersonalCoupon.id))) == 0
        send.scheduled_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        run_segment_send(send.id)
        assert db.session.scalar(sa.select(sa.func.count(PersonalCoupon.id))) == 3
    assert sorted(d.user_id for d in line.platform.deliveries()) == sorted(users)
