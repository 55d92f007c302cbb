"""The marketing console over HTTP: roles, live count, sends once, CSV, audit."""

from __future__ import annotations

import json
import secrets
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bot.admin.models import AuditEntry
from bot.coupons.models import USABLE, WITHDRAWN, PersonalCoupon
from bot.extensions import db
from bot.segments.models import SegmentSend
from tests.conftest import LineSide
from tests.handoff.helpers import csrf_of, signed_in_operator
from tests.segments.factories import make_member, make_user

COUPON = "birthday"


def _friends(app: Flask, line: LineSide, linked: int, unlinked: int) -> None:
    with app.app_context():
        for n in range(linked + unlinked):
            user = make_user(line.add_user(f"客{n}"))
            if n < linked:
                make_member(user, rank="gold" if n % 2 else "regular")


def _send_form(client: FlaskClient, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": csrf_of(client),
        "send_key": secrets.token_urlsafe(24),
        "linked": "yes",
        "text": "週末セールのお知らせ",
        "when": "now",
        **extra,
    }


def test_roles_keep_marketers_from_chats_and_operators_from_admin(app: Flask) -> None:
    marketer = signed_in_operator(app, "mk@example.com", role="marketer")
    operator = signed_in_operator(app, "op@example.com", role="operator")
    admin = signed_in_operator(app, "ad@example.com", role="admin")

    assert marketer.get("/admin/").status_code == 200
    assert marketer.get("/operator/").status_code == 403
    assert marketer.get("/operator/api/queue").status_code == 403
    assert operator.get("/admin/").status_code == 403
    assert operator.get("/admin/api/segment-count").status_code == 403
    assert admin.get("/admin/").status_code == 200
    assert admin.get("/operator/").status_code == 200
    assert marketer.get("/admin/audit").status_code == 403
    assert admin.get("/admin/audit").status_code == 200
    anonymous = app.test_client().get("/admin/coupons")
    assert anonymous.status_code == 302
    assert "/operator/login" in anonymous.headers["Location"]


def test_marketer_signs_in_and_lands_on_the_console(app: Flask) -> None:
    client = signed_in_operator(app, "mk@example.com", role="marketer")
    response = client.get("/admin/")
    assert "概要" in response.get_data(as_text=True)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_operators_create_accepts_the_marketer_role(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "operators",
            "create",
            "m@example.com",
            "--role",
            "marketer",
            "--password",
            "long-enough-pass",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "created marketer m@example.com" in result.output


def test_live_count_follows_the_conditions(app: Flask, line: LineSide) -> None:
    _friends(app, line, linked=4, unlinked=3)
    client = signed_in_operator(app, "mk@example.com", role="marketer")
    assert client.get("/admin/api/segment-count").get_json()["count"] == 7
    assert client.get("/admin/api/segment-count?linked=yes").get_json()["count"] == 4
    gold = client.get("/admin/api/segment-count?rank=gold").get_json()
    assert gold["count"] == 2
    bad = client.get("/admin/api/segment-count?birthday_month=13")
    assert bad.status_code == 400
    assert "birthday-month" in bad.get_json()["error"]
    assert client.get("/admin/api/segment-count?days=x").status_code == 400


def test_confirmation_names_the_count_and_quota(app: Flask, line: LineSide) -> None:
    _friends(app, line, linked=3, unlinked=2)
    client = signed_in_operator(app, "mk@example.com", role="marketer")
    form = _send_form(client, image_url="https://example.com/sale.png")
    page = client.post("/admin/send/confirm", data=form).get_data(as_text=True)
    assert "3 人" in page
    # Three people, a text and an image each: LINE counts one per recipient.
    assert "3 通</strong>使います" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SegmentSend)) == 0


def test_a_send_form_submitted_twice_sends_once(app: Flask, line: LineSide) -> None:
    _friends(app, line, linked=3, unlinked=2)
    client = signed_in_operator(app, "mk@example.com", role="marketer")
    form = _send_form(client)
    first = client.post("/admin/send", data=form)
    again = client.post("/admin/send", data=form)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    with app.app_context():
        sends = db.session.scalars(select(SegmentSend)).all()
        assert len(sends) == 1
        assert sends[0].definition == {"linked": True}
        entries = db.session.scalars(select(AuditEntry)).all()
        assert [(e.action, e.target) for e in entries] == [
            ("send.create", f"send:{sends[0].id}")
        ]


def test_bad_send_forms_change_nothing(app: Flask, line: LineSide) -> None:
    client = signed_in_operator(app, "mk@example.com", role="marketer")
    cases: list[dict[str, Any]] = [
        _send_form(client, text="{name}様 こんにちは"),
        _send_form(client, text=""),
        _send_form(client, image_url="http://plain.example.com/x.png"),
        _send_form(client, when="later", send_at="2001-01-01T10:00"),
        _send_form(client, coupon_id="nope"),
        _send_form(client, send_key="short"),
        {**_send_form(client), "csrf_token": "wrong"},
    ]
    for form in cases:
        assert client.post("/admin/send", data=form).status_code == 400, form
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SegmentSend)) == 0


def test_values_the_database_cannot_hold_are_refused_and_change_nothing(
    app: Flask, line: LineSide
) -> None:
    # Each of these was a 500: the database refused the value mid-request.
    _friends(app, line, linked=1, unlinked=0)
    client = signed_in_operator(app, "ad@example.com", role="admin")
    huge = "99999999999999999999"

    count = client.get("/admin/api/segment-count", query_string={"min_visits": huge})
    assert count.status_code == 400
    assert count.get_json()["error"] == "--min-visits must be between 1 and 1,000,000"
    days = client.get("/admin/api/segment-count", query_string={"dormant_days": huge})
    assert days.get_json()["error"] == "--dormant-days must be between 1 and 36,500"
    nul = client.get("/admin/api/segment-count", query_string={"home_store": "S\x00"})
    assert nul.status_code == 400
    assert "NUL" in nul.get_json()["detail"]
    for form in (
        _send_form(client, coupon_id="birthday\x00"),
        _send_form(client, min_visits=huge),
    ):
        assert client.post("/admin/send/confirm", data=form).status_code == 400
        assert client.post("/admin/send", data=form).status_code == 400
    assert client.get(f"/admin/sends/{huge}").status_code == 404
    assert client.get("/admin/scenarios/a%00b").status_code == 400
    withdraw = client.post(
        "/admin/coupons/a%00b/withdraw", data={"csrf_token": csrf_of(client)}
    )
    assert withdraw.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SegmentSend)) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_sends_line_would_refuse_or_no_one_could_get_are_refused_at_the_form(
    app: Flask, line: LineSide
) -> None:
    # Each was accepted and failed later (LINE counts an emoji as two
    # characters and wants a host in an image URL), or was a 500 (a send time
    # past any date), or reached no one (a store code no store has).
    _friends(app, line, linked=1, unlinked=0)
    client = signed_in_operator(app, "ad@example.com", role="admin")
    refusals = {
        "text": (_send_form(client, text="😀" * 2501), "as LINE counts them"),
        "no host": (
            _send_form(client, text="", image_url="https://"),
            "--image must name a host",
        ),
        "long url": (
            _send_form(client, text="", image_url="https://a.example/" + "x" * 2000),
            "--image must be at most 2,000 characters",
        ),
        "space": (
            _send_form(client, text="", image_url="https://a b.example/x.png"),
            "--image must not contain spaces",
        ),
        "far past": (
            _send_form(client, when="later", send_at="0001-01-01T00:00+14:00"),
            "give the send time as YYYY-MM-DDTHH:MM",
        ),
        "far ahead": (
            _send_form(client, when="later", send_at="9999-12-31T23:59"),
            "more than a year ahead",
        ),
        "store": (_send_form(client, home_store="NOPE"), "no store has the code"),
    }
    for name, (form, said) in refusals.items():
        confirm = client.post("/admin/send/confirm", data=form)
        assert confirm.status_code == 400, name
        assert said in confirm.get_data(as_text=True), name
        assert client.post("/admin/send", data=form).status_code == 400, name
    fits = client.post("/admin/send/confirm", data=_send_form(client, text="😀" * 2500))
    assert fits.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SegmentSend)) == 0


def test_withdraw_a_coupon_is_audited_and_stops_unused_copies(app: Flask) -> None:
    from tests.coupons.factories import give, load_shipped, user_pk

    load_shipped(app)
    give(app, user_pk(app, "U" + "a" * 32), COUPON)
    client = signed_in_operator(app, "ad@example.com", role="admin")
    page = client.get("/admin/coupons").get_data(as_text=True)
    assert COUPON in page
    response = client.post(
        f"/admin/coupons/{COUPON}/withdraw", data={"csrf_token": csrf_of(client)}
    )
    assert response.status_code == 303
    assert (
        client.post(
            "/admin/coupons/none/withdraw", data={"csrf_token": csrf_of(client)}
        ).status_code
        == 404
    )
    with app.app_context():
        statuses = db.session.scalars(select(PersonalCoupon.status)).all()
        assert statuses == [WITHDRAWN] and USABLE not in statuses
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "coupon.withdraw" in audit and "ad@example.com" in audit


def test_every_table_downloads_as_csv(app: Flask, line: LineSide) -> None:
    _friends(app, line, linked=1, unlinked=1)
    client = signed_in_operator(app, "ad@example.com", role="admin")
    client.post("/admin/send", data=_send_form(client))
    for path, name in [
        ("/admin/", "friends"),
        ("/admin/", "last_sends"),
        ("/admin/sends", "sends"),
        ("/admin/sends", "scenarios"),
        ("/admin/sends/1", "send_funnel"),
        ("/admin/sends/1", "send_daily"),
        ("/admin/coupons", "coupons"),
        ("/admin/faq", "faq_entries"),
        ("/admin/faq", "faq_gaps"),
        ("/admin/audit", "audit"),
    ]:
        response = client.get(f"{path}?csv={name}")
        assert response.status_code == 200, (path, name)
        assert response.mimetype == "text/csv"
        assert f'filename="{name}.csv"' in response.headers["Content-Disposition"]
    assert client.get("/admin/?csv=nope").status_code == 404
    sends_csv = client.get("/admin/sends?csv=sends").get_data(as_text=True)
    assert sends_csv.splitlines()[1].startswith("1,")


def test_faq_try_box_shows_the_match_and_score(app: Flask) -> None:
    from tests.handoff.helpers import load_shipped_faq

    load_shipped_faq(app)
    client = signed_in_operator(app, "mk@example.com", role="marketer")
    page = client.get("/admin/faq?q=営業時間を教えて").get_data(as_text=True)
    assert "スコア" in page
    assert 'id="faq-trial"' in page


def test_a_console_send_reaches_the_segment(app: Flask, line: LineSide) -> None:
    from bot.segments.jobs import run_segment_send

    _friends(app, line, linked=2, unlinked=1)
    client = signed_in_operator(app, "mk@example.com", role="marketer")
    client.post(
        "/admin/send", data=_send_form(client, text="セール https://shop.example.com/s")
    )
    with app.app_context():
        run_segment_send(
            1
        )  # the job the view queued (the browser test runs the worker)
        send = db.session.scalars(select(SegmentSend)).one()
        assert send.status == "done"
        assert send.recipient_count == 2


def test_a_console_send_with_a_coupon_shows_the_customer_the_coupon(
    app: Flask, line: LineSide
) -> None:
    # The copies were issued but the customer got only the text: no coupon
    # in the chat, no button to the coupon page, unlike the console's preview.
    from bot.coupons.models import CouponDefinition
    from bot.segments.jobs import run_segment_send
    from tests.coupons.factories import load_shipped

    load_shipped(app)
    _friends(app, line, linked=2, unlinked=0)
    client = signed_in_operator(app, "mk@example.com", role="marketer")
    client.post("/admin/send", data=_send_form(client, coupon_id="comeback"))
    with app.app_context():
        run_segment_send(1)
        title = db.session.get(CouponDefinition, "comeback").title
        holders = db.session.scalar(select(func.count()).select_from(PersonalCoupon))
    assert holders == 2
    deliveries = line.platform.deliveries()
    assert len(deliveries) == 2
    for delivery in deliveries:
        text, coupon = delivery.messages
        assert text == {"type": "text", "text": "週末セールのお知らせ"}
        assert coupon["type"] == "flex" and title in coupon["altText"]
        assert "liff" in json.dumps(coupon["contents"])


def test_pause_and_resume_a_scenario_is_audited(app: Flask) -> None:
    from bot.scenarios.models import ScenarioRecord

    result = app.test_cli_runner().invoke(args=["scenarios", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        scenario_id = db.session.scalars(select(ScenarioRecord.id)).first()
    client = signed_in_operator(app, "ad@example.com", role="admin")
    page = client.get(f"/admin/scenarios/{scenario_id}").get_data(as_text=True)
    assert "一時停止する" in page
    form = {"csrf_token": csrf_of(client), "paused": "1"}
    assert (
        client.post(f"/admin/scenarios/{scenario_id}/pause", data=form).status_code
        == 303
    )
    assert "再開する" in client.get(f"/admin/scenarios/{scenario_id}").get_data(
        as_text=True
    )
    form["paused"] = "0"
    client.post(f"/admin/scenarios/{scenario_id}/pause", data=form)
    assert client.post("/admin/scenarios/nope/pause", data=form).status_code == 404
    with app.app_context():
        assert db.session.get(ScenarioRecord, scenario_id).status == "active"
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))
        assert list(actions) == ["scenario.pause", "scenario.resume"]


def test_an_ab_send_with_a_holdout_does_what_the_confirmation_said(
    app: Flask, line: LineSide
) -> None:
    import re
    from collections import Counter

    from bot.segments.jobs import run_segment_send

    _friends(app, line, linked=40, unlinked=0)
    client = signed_in_operator(app, "mk@example.com", role="marketer")
    form = _send_form(
        client,
        text="Aのお知らせ",
        ab="1",
        b_text="Bのお知らせ",
        b_image_url="https://example.com/b.png",
        split="40",
        holdout="25",
    )
    page = client.post("/admin/send/confirm", data=form).get_data(as_text=True)
    named = {
        variant: int(people)
        for variant, people in re.findall(
            r'data-variant="(\w+)"><td>[^<]*</td><td>[^<]*</td><td>(\d+) 人', page
        )
    }
    assert set(named) == {"A", "B", "holdout"} and sum(named.values()) == 40
    quota = named["A"] + named["B"]  # B's text and image are still one message
    assert f"{quota} 通</strong>使います" in page

    assert client.post("/admin/send", data=form).status_code == 303
    with app.app_context():
        run_segment_send(1)
        send = db.session.scalars(select(SegmentSend)).one()
        assert send.holdout_percent == 25
        assert [v["name"] for v in send.variants] == ["A", "B"]
        entry = db.session.scalars(select(AuditEntry)).one()
        assert entry.details["holdout_percent"] == 25
    got: Counter[str] = Counter()
    for call in line.calls("/v2/bot/message/multicast"):
        texts = {m.get("text") for m in call.body["messages"]}
        got["A" if "Aのお知らせ" in texts else "B"] += len(call.body["to"])
    assert got == {"A": named["A"], "B": named["B"]}

    result = client.get("/admin/sends/1").get_data(as_text=True)
    assert 'id="table-send_comparisons"' in result
    assert "ホールドアウト" in result
    csv_text = client.get("/admin/sends/1?csv=send_comparisons").get_data(as_text=True)
    lines = csv_text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("variant,against,size,converted,rate")
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["A", "holdout", str(named["A"])],
        ["B", "holdout", str(named["B"])],
    ]


def test_bad_ab_forms_change_nothing(app: Flask, line: LineSide) -> None:
    client = signed_in_operator(app, "mk@example.com", role="marketer")
    cases = [
        _send_form(client, ab="1", b_text=""),
        _send_form(client, ab="1", b_text="B", split="100"),
        _send_form(client, holdout="80"),
        _send_form(client, holdout="x"),
        _send_form(client, ab="1", b_text="B", b_coupon_id="nope"),
    ]
    for form in cases:
        assert client.post("/admin/send", data=form).status_code == 400, form
        assert client.post("/admin/send/confirm", data=form).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SegmentSend)) == 0


def _tomorrow_noon(app: Flask) -> str:
    from datetime import timedelta

    from bot.models_base import utcnow

    zone = app.config["SETTINGS"].timezone
    return f"{(utcnow().astimezone(zone) + timedelta(days=1)):%Y-%m-%d}T12:00"


def test_a_scheduled_send_can_be_cancelled_until_it_starts(
    app: Flask, line: LineSide
) -> None:
    # There was no way to call one off, in the console or the CLI.
    from bot.segments.jobs import run_segment_send

    _friends(app, line, linked=2, unlinked=0)
    client = signed_in_operator(app, "mk@example.com", role="marketer")
    at = _tomorrow_noon(app)
    client.post("/admin/send", data=_send_form(client, when="later", send_at=at))
    page = client.get("/admin/sends/1").get_data(as_text=True)
    assert "送信予定: " + at.replace("T", " ") in page
    assert 'id="cancel-send"' in page

    cancel = client.post("/admin/sends/1/cancel", data={"csrf_token": csrf_of(client)})
    assert cancel.status_code == 303
    page = client.get("/admin/sends/1").get_data(as_text=True)
    assert "配信 #1 を取り消しました。" in page and "取り消し済み" in page
    assert 'id="cancel-send"' not in page
    with app.app_context():
        send = db.session.get(SegmentSend, 1)
        assert send is not None
        send.scheduled_at = None  # its time comes: the job runs and sends nothing
        db.session.commit()
        run_segment_send(1)
        assert db.session.get(SegmentSend, 1).status == "cancelled"
        entries = db.session.scalars(select(AuditEntry.action)).all()
    assert line.platform.deliveries() == []
    assert entries == ["send.create", "send.cancel"]


def test_a_send_that_started_cannot_be_cancelled(app: Flask, line: LineSide) -> None:
    from bot.segments.jobs import run_segment_send

    _friends(app, line, linked=1, unlinked=0)
    client = signed_in_operator(app, "mk@example.com", role="marketer")
    client.post("/admin/send", data=_send_form(client))
    with app.app_context():
        run_segment_send(1)
    cancel = client.post("/admin/sends/1/cancel", data={"csrf_token": csrf_of(client)})
    assert cancel.status_code == 303
    page = client.get("/admin/sends/1").get_data(as_text=True)
    assert "すでに始まっているため、取り消せません" in page
    result = app.test_cli_runner().invoke(args=["segment", "cancel", "1"])
    assert result.exit_code != 0 and "can no longer be cancelled" in result.output
    assert len(line.platform.deliveries()) == 1


def test_confirmation_says_when_quiet_hours_hold_a_send(app: Flask) -> None:
    # The page said 日時 12:00 for a send that would go at 13:00.
    from bot.marketing.rules import parse_quiet_hours

    zone = app.config["SETTINGS"].timezone
    app.extensions["quiet_hours"] = parse_quiet_hours("11:00-13:00", zone)
    client = signed_in_operator(app, "mk@example.com", role="marketer")
    at = _tomorrow_noon(app)
    form = _send_form(client, when="later", send_at=at)
    page = client.post("/admin/send/confirm", data=form).get_data(as_text=True)
    assert "配信停止時間帯（11:00〜13:00）のため、" in page
    assert at[:10] + " 13:00 に送信されます" in page
