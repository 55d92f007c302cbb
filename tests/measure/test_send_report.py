"""Segment sends: per-recipient links by push, opens from LINE's unit statistics."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from bot.line.client import LineApiError, line_client
from bot.measure.jobs import count_new_clicks
from tests.measure.helpers import path_of, tracked_links
from tests.scenarios.helpers import add_friend


def _send(runner: FlaskCliRunner, text: str) -> int:
    result = runner.invoke(args=["segments", "send", "--text", text])
    assert result.exit_code == 0, result.output
    return int(re.search(r"send #(\d+)", result.output)[1])


def _report(runner: FlaskCliRunner, send_id: int, fmt: str = "json") -> Any:
    result = runner.invoke(args=["report", "send", str(send_id), "--format", fmt])
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if fmt == "json" else result.output


def test_links_are_per_recipient_and_opens_follow_lines_20_rule(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    ctx: None,
    friends: Any,
    emulator: Any,
) -> None:
    people = [add_friend(friends, f"客{i}") for i in range(22)]
    big = _send(runner, "冬のセール https://shop.example.com/winter?from=line")
    # 21 customers open the chat after the first send.
    for line_id, _ in people[:21]:
        emulator.platform.view_messages(line_id)
    small = _send(runner, "お知らせ")
    # 3 open it after the second: fewer than LINE shows.
    for line_id, _ in people[:3]:
        emulator.platform.view_messages(line_id)
    units = emulator.platform.state.units.delivered

    links = {}
    for line_id, _ in people:
        [links[line_id]] = tracked_links(friends, line_id)
    assert len(set(links.values())) == 22
    assert set(units[f"seg_{big}"]) == {line_id for line_id, _ in people}
    assert set(units[f"seg_{small}"]) == {line_id for line_id, _ in people}
    pushes = friends.calls("/v2/bot/message/push")
    assert len(pushes) == 22  # the linked send went out one push per customer
    assert len(friends.calls("/v2/bot/message/multicast")) == 1

    answer = client.get(path_of(links[people[0][0]]))
    assert answer.status_code == 302
    assert answer.headers["Location"] == (
        "https://shop.example.com/winter?from=line&utm_source=line"
        f"&utm_medium=message&utm_campaign={big}"
    )
    count_new_clicks()
    before = _report(runner, small)
    assert before["totals"]["opened"] is None  # not pulled from LINE yet

    result = runner.invoke(args=["stats", "sync"])
    assert result.exit_code == 0 and "synced 2" in result.output, result.output
    report = _report(runner, big)
    totals = report["totals"]
    assert (totals["recipients"], totals["delivered"]) == (22, 22)
    assert (totals["opened"], totals["clicked"], totals["clicks"]) == (21, 1, 1)

    # LINE answers null for the 3 opens of the second send: "< 20", never 0.
    assert _report(runner, small)["totals"]["opened"] == "< 20"
    text = _report(runner, small, "text").splitlines()
    total = next(line for line in text if line.startswith("total"))
    assert "< 20" in total


@pytest.mark.parametrize(
    ("unit", "start", "end"),
    [
        ("seg-1", "20261201", "20261202"),  # a name LINE does not allow
        ("seg_1", "2026121", "20261202"),
        ("seg_1", "20261201", "20270101"),  # more than 30 days
        ("seg_1", "20261202", "20261201"),
    ],
)
def test_emulator_refuses_statistics_requests_outside_the_spec(
    ctx: None, unit: str, start: str, end: str
) -> None:
    with pytest.raises(LineApiError) as refused:
        line_client().unit_statistics(unit, start, end)
    assert refused.value.status == 400


def test_unknown_send_is_a_clean_error(runner: FlaskCliRunner, ctx: None) -> None:
    result = runner.invoke(args=["report", "send", "999"])
    assert result.exit_code != 0
    assert "no segment send 999" in result.output


def test_coupon_report_sums_its_sends_and_counts_redemptions(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, friends: Any
) -> None:
    from tests.coupons.factories import load_shipped
    from tests.measure.helpers import customer
    from tests.pos.factories import bearer, make_store

    key = make_store(app)
    load_shipped(app)
    people = [customer(app, friends, n) for n in range(4)]
    result = runner.invoke(args=["coupons", "issue", "thanks-next"])
    assert result.exit_code == 0, result.output
    scan = client.post(
        "/api/pos/scan", json={"code": people[0]["member_no"]}, headers=bearer(key)
    )
    [coupon] = scan.get_json()["coupons"]
    sale = {
        "member_no": people[0]["member_no"],
        "receipt_no": "R-1",
        "amount": 5000,
        "coupon_codes": [coupon["code"]],
    }
    answer = client.post("/api/pos/transactions", json=sale, headers=bearer(key))
    assert answer.status_code == 201, answer.get_json()

    result = runner.invoke(args=["report", "coupon", "thanks-next", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert len(report["sends"]) == 1
    totals = report["totals"]
    assert (totals["recipients"], totals["delivered"]) == (4, 4)
    assert (totals["converted"], totals["store"], totals["redemptions"]) == (1, 1, 1)
    assert totals["revenue"] == 4500  # 5,000 less the coupon's 500
    unknown = runner.invoke(args=["report", "coupon", "nope"])
    assert unknown.exit_code != 0 and "no coupon 'nope'" in unknown.output
