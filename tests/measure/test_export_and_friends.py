"""`flask export DIR` loads back with csv; `report friends` counts per day."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from bot.extensions import db
from bot.measure.export import FILES
from tests.coupons.factories import give, load_shipped
from tests.measure.helpers import customer, path_of, tracked_links
from tests.pos.factories import bearer, make_store


def test_export_writes_every_row_of_every_table(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    ctx: None,
    friends: Any,
    tmp_path: Path,
) -> None:
    key = make_store(app)
    load_shipped(app)
    people = [customer(app, friends, n) for n in range(3)]
    give(app, people[0]["pk"], "thanks-next")
    result = runner.invoke(
        args=["segments", "send", "--text", "新作 https://shop.example.com/new"]
    )
    assert result.exit_code == 0, result.output
    [link] = tracked_links(friends, people[1]["line_id"])
    assert client.get(path_of(link)).status_code == 302
    sale = {"member_no": people[1]["member_no"], "receipt_no": "R-9", "amount": 2500}
    assert (
        client.post("/api/pos/transactions", json=sale, headers=bearer(key)).status_code
        == 201
    )

    out = tmp_path / "export"
    result = runner.invoke(args=["export", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.csv" for n in FILES)
    for name, table in FILES.items():
        with (out / f"{name}.csv").open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        count = db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))
        assert len(rows) == count, name
    with (out / "members.csv").open(newline="", encoding="utf-8") as f:
        members = list(csv.DictReader(f))
    assert {m["member_no"] for m in members} == {p["member_no"] for p in people}
    assert "password_hash" not in members[0]
    with (out / "conversions.csv").open(newline="", encoding="utf-8") as f:
        [conversion] = list(csv.DictReader(f))
    assert (conversion["kind"], conversion["amount"]) == ("store", "2500")
    with (out / "clicks.csv").open(newline="", encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == 1
    with (out / "sends.csv").open(newline="", encoding="utf-8") as f:
        [send] = list(csv.DictReader(f))
    assert json.loads(send["messages"])[0]["text"].startswith("新作")


def test_friends_report_counts_posters_follows_unfollows_and_links(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, line: Any, worker: Any
) -> None:
    make_store(app)
    assert client.get("/join?store=S001").status_code == 200
    assert client.get("/join?store=S001").status_code == 200
    assert client.get("/join?store=NOPE").status_code == 404
    users = [line.add_user(f"客{i}") for i in range(3)]
    for user_id in users:
        assert line.send(line.follow(user_id)) == 200
    worker()
    assert line.send(line.unfollow(users[0])) == 200
    worker()

    result = runner.invoke(
        args=["report", "friends", "--days", "7", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    by_source = {row["source"]: row for row in report["days"]}
    assert by_source["poster:S001"]["join_visits"] == 2
    assert (by_source["line"]["follows"], by_source["line"]["unfollows"]) == (3, 1)
    assert (report["friends"], report["linked"], report["linked_share"]) == (2, 0, 0)
    text = runner.invoke(args=["report", "friends"])
    assert "poster:S001" in text.output and "linked 0" in text.output
