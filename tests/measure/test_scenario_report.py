"""A scenario with two variants and a holdout, measured end to end.

Customers receive their step through the emulator, click its link, buy at
the register and online, redeem a coupon and one blocks; the JSON report must
equal what this test computes from what it did.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from bot.extensions import db
from bot.measure.jobs import count_new_clicks
from bot.models_base import utcnow
from bot.scenarios.models import HELD_OUT, SENT
from tests.coupons.factories import give, load_shipped
from tests.measure.helpers import (
    SHOP_SECRET,
    customer,
    path_of,
    shop_order,
    tracked_links,
)
from tests.pos.factories import bearer, make_store
from tests.scenarios.helpers import (
    enroll_at,
    enrollments,
    load,
    run_due,
    step_sends,
    write_scenario,
)

SCENARIO = """
id: promo
trigger: follow
holdout_percent: 30
steps:
  - after: 0m
    variants:
      - {id: A, weight: 50, text: "Aのセール https://shop.example.com/sale?ref=a"}
      - {id: B, weight: 50, text: "Bのセール https://shop.example.com/sale?ref=b#top"}
"""


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"EC_WEBHOOK_SECRET": SHOP_SECRET, "MAX_MARKETING_MESSAGES_PER_DAY": 5}


def _groups() -> dict[int, str]:
    """Return each customer's group (A, B or holdout) from the step records."""
    users = {e.id: e.line_user_id for e in enrollments("promo")}
    groups = {}
    for send in step_sends("promo"):
        assert send.status in (SENT, HELD_OUT)
        groups[users[send.enrollment_id]] = (
            "holdout" if send.status == HELD_OUT else send.variant
        )
    return groups


def test_report_of_a_scenario_with_variants_and_holdout(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    line: Any,
    worker: Any,
    tmp_path: Path,
) -> None:
    key = make_store(app)
    load_shipped(app)
    people = [customer(app, line, n) for n in range(30)]
    by_pk = {p["pk"]: p for p in people}
    sent_at = utcnow() - timedelta(hours=1)
    with app.app_context():
        write_scenario(tmp_path, "promo", SCENARIO)
        load(runner, tmp_path)
        for person in people:
            enroll_at("promo", person["pk"], sent_at)
        assert run_due(runner, sent_at).exit_code == 0
        groups = _groups()
    members = defaultdict(list)
    for pk, group in groups.items():
        members[group].append(by_pk[pk])
    assert members["A"] and members["B"] and len(members["holdout"]) >= 3

    # Each sent customer got their own tracked link; the held-out got nothing.
    links: dict[int, str] = {}
    for person in people:
        found = tracked_links(line, person["line_id"])
        if groups[person["pk"]] == "holdout":
            assert found == []
        else:
            [links[person["pk"]]] = found
            assert "shop.example.com" not in found[0]
    assert len(set(links.values())) == len(links)

    # Clicks: the redirect keeps the query (and fragment) and adds the UTM keys.
    clicks = defaultdict(int)
    clickers = defaultdict(set)
    a_clickers = members["A"][:2]
    b_clickers = members["B"][:1]
    for person in a_clickers + b_clickers + a_clickers[:1]:
        answer = client.get(path_of(links[person["pk"]]))
        assert answer.status_code == 302
        target = urlsplit(answer.headers["Location"])
        group = groups[person["pk"]]
        assert (target.scheme, target.netloc, target.path) == (
            "https",
            "shop.example.com",
            "/sale",
        )
        assert parse_qsl(target.query) == [
            ("ref", group.lower()),
            ("utm_source", "line"),
            ("utm_medium", "message"),
            ("utm_campaign", "promo"),
        ]
        clicks[group] += 1
        clickers[group].add(person["pk"])
    assert client.get("/r/nope").status_code == 404
    forged = path_of(links[a_clickers[0]["pk"]])[:-2] + "AA"
    assert client.get(forged).status_code == 404

    # Purchases: what each customer paid, in which channel; who redeemed.
    paid: dict[int, list[tuple[str, int]]] = defaultdict(list)
    redeemed: set[int] = set()

    def register(
        person: dict[str, Any], receipt: str, amount: int, *codes: str
    ) -> None:
        body = {
            "member_no": person["member_no"],
            "receipt_no": receipt,
            "amount": amount,
            "coupon_codes": list(codes),
        }
        answer = client.post("/api/pos/transactions", json=body, headers=bearer(key))
        assert answer.status_code == 201, answer.get_json()

    a, b, held = members["A"], members["B"], members["holdout"]
    register(a[0], "R-1", 4000)
    paid[a[0]["pk"]].append(("store", 4000))
    register(a[0], "R-2", 1200)
    paid[a[0]["pk"]].append(("store", 1200))
    code = give(app, b[0]["pk"], "thanks-next")  # 500 yen off from 3,000
    register(b[0], "R-3", 5000, code)
    paid[b[0]["pk"]].append(("store", 4500))
    redeemed.add(b[0]["pk"])
    register(held[0], "R-4", 2000)
    paid[held[0]["pk"]].append(("store", 2000))
    placed = (utcnow() - timedelta(minutes=30)).isoformat()
    assert shop_order(client, 9001, a[-1]["email"], 3200, placed).status_code == 200
    paid[a[-1]["pk"]].append(("online", 3200))
    assert shop_order(client, 9002, held[1]["email"], 1800, placed).status_code == 200
    paid[held[1]["pk"]].append(("online", 1800))
    # An order placed before the message counts for nothing.
    before = (sent_at - timedelta(hours=2)).isoformat()
    assert shop_order(client, 9003, b[-1]["email"], 9999, before).status_code == 200

    # One customer blocks the shop within 3 days of the message.
    blocker = b[-1]
    assert line.send(line.unfollow(blocker["line_id"])) == 200
    worker()

    with app.app_context():
        count_new_clicks()
    result = runner.invoke(args=["report", "scenario", "promo", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)

    def expected(group: str) -> dict[str, Any]:
        pks = [p["pk"] for p in members[group]]
        store = [pk for pk in pks if any(c == "store" for c, _ in paid[pk])]
        online = [pk for pk in pks if any(c == "online" for c, _ in paid[pk])]
        converted = {pk for pk in pks if paid[pk] or pk in redeemed}
        return {
            "recipients": len(pks),
            "clicked": len(clickers[group]),
            "clicks": clicks[group],
            "converted": len(converted),
            "store": len(store),
            "online": len(online),
            "redemptions": len(redeemed & set(pks)),
            "revenue": sum(amount for pk in pks for _, amount in paid[pk]),
            "blocks": sum(1 for pk in pks if pk == blocker["pk"]),
        }

    for group in ("A", "B"):
        figures = report["variants"][group]
        assert {k: figures[k] for k in expected(group)} == expected(group)
        assert figures["delivered"] == len(members[group])
    sent = {k: expected("A")[k] + expected("B")[k] for k in ("recipients", "converted")}
    sent_revenue = expected("A")["revenue"] + expected("B")["revenue"]
    control = expected("holdout")
    assert report["totals"]["revenue"] == sent_revenue
    assert report["totals"]["blocks"] == 1
    assert "last message wins" in report["attribution"]

    n1, n0 = sent["recipients"], control["recipients"]
    p1, p0 = sent["converted"] / n1, control["converted"] / n0
    half = 1.96 * math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    lift = report["holdout"]
    assert lift["sent"]["size"] == n1 and lift["holdout"]["size"] == n0
    assert lift["sent"]["rate"] == pytest.approx(p1)
    assert lift["holdout"]["rate"] == pytest.approx(p0)
    assert lift["difference"] == pytest.approx(p1 - p0)
    assert lift["ci95"] == pytest.approx([p1 - p0 - half, p1 - p0 + half])
    assert lift["sent"]["revenue_per_customer"] == pytest.approx(sent_revenue / n1)
    assert lift["holdout"]["revenue_per_customer"] == pytest.approx(
        control["revenue"] / n0
    )
    assert control["converted"] == 2 and control["revenue"] == 3800

    text = runner.invoke(args=["report", "scenario", "promo"])
    assert text.exit_code == 0 and "95% CI" in text.output
    csv_out = runner.invoke(args=["report", "scenario", "promo", "--format", "csv"])
    assert csv_out.output.splitlines()[0].startswith("group,recipients,delivered")
    with app.app_context():
        db.session.remove()
