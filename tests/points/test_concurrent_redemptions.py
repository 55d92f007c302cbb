"""Registers redeeming at the same moment cannot overdraw a member's points."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
import sqlalchemy as sa
from flask import Flask

from bot.extensions import db
from bot.points.models import PointEntry
from bot.points.service import balance
from tests.pos.factories import bearer, make_member, make_store

REGISTERS = 8


def test_simultaneous_redemptions_never_overdraw(app: Flask, bot_url: str) -> None:
    keys = [make_store(app, code=f"S00{i}", name=f"店{i}") for i in range(1, 3)]
    member = make_member(app, points=100)
    start = threading.Barrier(REGISTERS)

    def redeem(register: int) -> int:
        session = requests.Session()
        body = {
            "member_no": member["member_no"],
            "receipt_no": f"R-{register}",
            "amount": 30,
            "points_used": 30,
        }
        start.wait()
        answer = session.post(
            f"{bot_url}/api/pos/transactions",
            json=body,
            headers=bearer(keys[register % 2]),
            timeout=30,
        )
        return answer.status_code

    with ThreadPoolExecutor(REGISTERS) as pool:
        statuses = list(pool.map(redeem, range(REGISTERS)))

    assert sorted(statuses) == [201, 201, 201] + [409] * (REGISTERS - 3)
    with app.app_context():
        assert balance(member["id"]) == 10
        redeemed = db.session.scalars(
            sa.select(PointEntry.delta).where(PointEntry.kind == "redeem")
        ).all()
        assert redeemed == [-30, -30, -30]


def test_one_card_code_scanned_at_two_registers_at_once_is_used_once(
    app: Flask, bot_url: str
) -> None:
    from bot.cards.service import issue_card_code
    from bot.models_base import utcnow

    keys = [make_store(app, code=f"S00{i}", name=f"店{i}") for i in range(1, 3)]
    member = make_member(app)
    with app.app_context():
        code = issue_card_code(member["id"], utcnow(), 60).code
        db.session.commit()
    start = threading.Barrier(REGISTERS)

    def scan(register: int) -> Any:
        start.wait()
        return requests.post(
            f"{bot_url}/api/pos/scan",
            json={"code": code},
            headers=bearer(keys[register % 2]),
            timeout=30,
        ).status_code

    with ThreadPoolExecutor(REGISTERS) as pool:
        statuses = list(pool.map(scan, range(REGISTERS)))
    assert sorted(statuses) == [200] + [410] * (REGISTERS - 1)
