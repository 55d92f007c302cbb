"""A guest's coupon at the register: scanned, applied without a member, no points."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from bot.extensions import db
from bot.measure.models import Conversion
from bot.measure.service import record_exposures
from bot.members.models import Member
from bot.members.service import complete_link, create_nonce
from bot.models_base import utcnow
from bot.points.models import PointEntry
from bot.points.service import balance
from bot.purchases.models import Purchase
from bot.scenarios.models import Enrollment
from bot.stores.models import StoreVisit
from bot.users.models import LineUser
from tests.cards.test_card_api import id_token
from tests.coupons.factories import (
    apply_at_registers_at_once,
    coupon_row,
    expire,
    give,
    load_shipped,
    snapshot,
    user_pk,
)
from tests.pos.factories import CARD_SETTINGS, bearer, make_member, make_store

REGISTERS = 10


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return dict(CARD_SETTINGS)


@pytest.fixture
def key(app: Flask) -> str:
    key = make_store(app)  # S001, 渋谷店
    load_shipped(app)
    return key


@pytest.fixture
def guest(app: Flask, emulator: Any, key: str) -> dict[str, Any]:
    """A LINE friend who never linked a member account."""
    line_id = emulator.platform.add_user(display_name="ゲスト").user_id
    return {"line_id": line_id, "pk": user_pk(app, line_id)}


def post(client: FlaskClient, key: str, path: str, **body: Any) -> Any:
    return client.post(f"/api/pos/{path}", json=body, headers=bearer(key))


def guest_sale(receipt: str, amount: int, *codes: str) -> dict[str, Any]:
    return {"receipt_no": receipt, "amount": amount, "coupon_codes": list(codes)}


def scan_code_of(client: FlaskClient, emulator: Any, line_id: str, code: str) -> str:
    """Open the coupon page's one-time code, as the guest's LIFF page does."""
    answer = client.post(
        "/api/member/coupons/scan-code",
        json={"code": code},
        headers=bearer(id_token(emulator, line_id)),
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["scan_code"]


def test_guest_coupon_is_scanned_applied_and_shows_as_used(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    emulator: Any,
    key: str,
    guest: dict[str, Any],
) -> None:
    code = give(app, guest["pk"], "thanks-next")  # 500 yen off from 3,000
    other = give(app, guest["pk"], "visit-shinjuku")  # another store's
    scan = post(
        client, key, "scan", code=scan_code_of(client, emulator, guest["line_id"], code)
    )
    assert scan.status_code == 200, scan.get_json()
    found = scan.get_json()
    assert found["member"] is None
    assert (found["via"], found["scanned_coupon"]) == ("coupon_code", code)
    usable = {c["code"]: c["usable_here"] for c in found["coupons"]}
    assert usable == {code: True, other: False}

    answer = post(client, key, "transactions", **guest_sale("R-1", 4000, code))
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["member"] is None and body["guest"] is True
    assert "ポイントは付きません" in body["points_note"]
    assert body["discount"] == 500
    assert (body["purchase"]["points_earned"], body["purchase"]["points_used"]) == (
        0,
        0,
    )
    assert [c["code"] for c in body["coupons"]] == [code]
    with app.app_context():
        [purchase] = db.session.scalars(sa.select(Purchase)).all()
        assert (purchase.member_id, purchase.line_user_id) == (None, guest["pk"])
        assert (purchase.amount, purchase.discount, purchase.points_earned) == (
            4000,
            500,
            0,
        )
        assert purchase.thanks_due_at is None  # no thank-you about points
        assert db.session.scalars(sa.select(PointEntry)).all() == []
        [visit] = db.session.scalars(sa.select(StoreVisit)).all()
        assert (visit.line_user_id, visit.member_id) == (guest["pk"], None)
    row = coupon_row(app, code)
    assert (row.status, row.used_store_code, row.used_reference, row.discount) == (
        "used",
        "S001",
        "pos:S001:R-1",
        500,
    )
    page = client.post(
        "/api/member/coupons", headers=bearer(id_token(emulator, guest["line_id"]))
    )
    shown = {c["code"]: c["status"] for c in page.get_json()["coupons"]}
    assert shown == {code: "used", other: "usable"}
    stats = runner.invoke(args=["coupons", "stats", "thanks-next", "--format", "json"])
    [figures] = json.loads(stats.output)
    assert (figures["used"], figures["used_store"], figures["discount_total"]) == (
        1,
        1,
        500,
    )
    assert figures["used_by_store"] == {"S001": 1}
    # The register repeats the request (a lost answer): the first result, once.
    repeat = post(client, key, "transactions", **guest_sale("R-1", 4000, code))
    assert repeat.status_code == 200
    assert repeat.get_json()["purchase"]["id"] == body["purchase"]["id"]
    assert repeat.get_json()["member"] is None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Purchase.id))) == 1


def _refused_case(app: Flask, guest: dict[str, Any], case: str) -> tuple[str, int, str]:
    """Set up one refused guest coupon; return its code, the status and the error."""
    mine = guest["pk"]
    if case == "used":
        return give(app, mine, "thanks-next", status="used"), 409, "coupon_used"
    if case == "expired":
        code = give(app, mine, "thanks-next")
        expire(app, code)
        return code, 410, "coupon_expired"
    if case == "other store":
        return give(app, mine, "visit-shinjuku"), 422, "wrong_store"
    if case == "online only":
        return give(app, mine, "free-shipping"), 422, "wrong_channel"
    if case == "below minimum":  # comeback needs 1,500 yen; the sale is 1,000
        return give(app, mine, "comeback"), 422, "below_min_purchase"
    if case == "another guest's":
        return (
            give(app, user_pk(app, "U" + "c" * 32), "birthday"),
            422,
            ("not_your_coupon"),
        )
    if case == "a member's":
        make_member(app, name="会員", line_user_id="U" + "b" * 32)
        return (
            give(app, user_pk(app, "U" + "b" * 32), "birthday"),
            422,
            ("not_your_coupon"),
        )
    return "ABCD-EFGH-JKLM-NPQR", 404, "unknown_coupon"


@pytest.mark.parametrize(
    "case",
    [
        "used",
        "expired",
        "other store",
        "online only",
        "below minimum",
        "another guest's",
        "a member's",
        "unknown",
    ],
)
def test_refused_guest_coupon_changes_nothing(
    app: Flask, client: FlaskClient, key: str, guest: dict[str, Any], case: str
) -> None:
    code, status, error = _refused_case(app, guest, case)
    good = give(app, guest["pk"], "visit-shibuya")  # valid here; listed first
    before = snapshot(app)
    answer = post(client, key, "transactions", **guest_sale("R-9", 1000, good, code))
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json()["error"] == error
    assert snapshot(app) == before


@pytest.mark.parametrize("case", ["used", "expired", "a member's", "unknown"])
def test_a_refused_first_coupon_changes_nothing_either(
    app: Flask, client: FlaskClient, key: str, guest: dict[str, Any], case: str
) -> None:
    code, status, error = _refused_case(app, guest, case)
    before = snapshot(app)
    answer = post(client, key, "transactions", **guest_sale("R-9", 1000, code))
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json()["error"] == error
    assert snapshot(app) == before


def test_a_guest_sale_uses_no_points_and_needs_a_coupon(
    app: Flask, client: FlaskClient, key: str, guest: dict[str, Any]
) -> None:
    code = give(app, guest["pk"], "thanks-next")
    before = snapshot(app)
    with_points = {**guest_sale("R-1", 4000, code), "points_used": 10}
    answer = post(client, key, "transactions", **with_points)
    assert (answer.status_code, answer.get_json()["error"]) == (422, "guest_points")
    bare = post(client, key, "transactions", **guest_sale("R-1", 4000))
    assert (bare.status_code, bare.get_json()["error"]) == (422, "invalid_body")
    assert snapshot(app) == before


def test_ten_registers_applying_one_guest_coupon_at_once_succeed_once(
    app: Flask, bot_url: str, key: str, guest: dict[str, Any]
) -> None:
    keys = [key] + [make_store(app, code=f"S1{i:02d}", name=f"店{i}") for i in range(3)]
    code = give(app, guest["pk"], "thanks-next")
    statuses = apply_at_registers_at_once(
        bot_url,
        keys,
        lambda register: guest_sale(f"R-{register}", 4000, code),
        REGISTERS,
    )
    assert statuses == [201] + [409] * (REGISTERS - 1)
    after = snapshot(app)
    assert len(after["purchases"]) == 1
    assert [(status, discount) for _, status, _, discount in after["coupons"]] == [
        ("used", 500)
    ]


def test_refund_of_a_guest_sale_makes_the_coupon_usable_again(
    app: Flask, client: FlaskClient, key: str, guest: dict[str, Any]
) -> None:
    code = give(app, guest["pk"], "thanks-next")
    assert post(client, key, "transactions", **guest_sale("R-1", 4000, code))
    refund = post(client, key, "refunds", receipt_no="R-1")
    assert refund.status_code == 200, refund.get_json()
    body = refund.get_json()
    assert body["member"] is None and body["coupons_restored"] == [code]
    assert (body["points_restored"], body["points_taken_back"]) == (0, 0)
    assert body["purchase"]["status"] == "refunded"
    row = coupon_row(app, code)
    assert (row.status, row.used_reference, row.discount) == ("usable", None, None)
    again = post(client, key, "transactions", **guest_sale("R-2", 4000, code))
    assert again.status_code == 201, again.get_json()


def test_a_guest_sale_is_credited_to_the_message_the_guest_got(
    app: Flask, client: FlaskClient, key: str, guest: dict[str, Any]
) -> None:
    code = give(app, guest["pk"], "thanks-next")
    with app.app_context():
        record_exposures([guest["pk"]], utcnow(), "segment:1")
        db.session.commit()
    answer = post(client, key, "transactions", **guest_sale("R-1", 4000, code))
    assert answer.status_code == 201
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                Conversion.campaign,
                Conversion.line_user_id,
                Conversion.kind,
                Conversion.reference,
                Conversion.amount,
            ).order_by(Conversion.id)
        ).all()
    assert sorted(rows) == sorted(
        [
            ("segment:1", guest["pk"], "store", "pos:S001:R-1", 3500),
            ("segment:1", guest["pk"], "coupon", f"coupon:{code.replace('-', '')}", 0),
        ]
    )


def test_a_guest_who_links_later_finds_the_sale_in_the_members_history(
    app: Flask, client: FlaskClient, key: str, guest: dict[str, Any]
) -> None:
    code = give(app, guest["pk"], "thanks-next")
    assert post(client, key, "transactions", **guest_sale("R-1", 4000, code))
    member = make_member(app, name="佐藤 花子", points=0)
    with app.app_context():
        nonce = create_nonce(db.session.get(Member, member["id"]), None)
        db.session.commit()
        user = db.session.get(LineUser, guest["pk"])
        assert complete_link(nonce, True, user, "event-1").outcome == "linked"
        db.session.commit()
        [purchase] = db.session.scalars(sa.select(Purchase)).all()
        # The history moves to the member; the sale earned no points then or now.
        assert (purchase.member_id, purchase.line_user_id) == (
            member["id"],
            guest["pk"],
        )
        assert balance(member["id"]) == 0


def test_a_guests_first_purchase_starts_the_first_purchase_scenario(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    worker: Any,
    emulator: Any,
    key: str,
    guest: dict[str, Any],
) -> None:
    result = runner.invoke(args=["scenarios", "load"])
    assert result.exit_code == 0, result.output
    code = give(app, guest["pk"], "thanks-next")
    assert post(client, key, "transactions", **guest_sale("R-1", 4000, code))
    worker()
    with app.app_context():
        rows = db.session.execute(
            sa.select(Enrollment.scenario_id, Enrollment.occurrence).where(
                Enrollment.line_user_id == guest["pk"]
            )
        ).all()
        [purchase_id] = db.session.scalars(sa.select(Purchase.id)).all()
    assert ("first_purchase_thanks", f"first_purchase:{purchase_id}") in rows
