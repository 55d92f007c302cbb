"""Imported points lapse by the ledger's rule, and the card and FAQ say so."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import yaml
from flask import Flask
from flask.testing import FlaskCliRunner

from bot.extensions import db
from bot.models_base import utcnow
from bot.points.models import OPENING, PointEntry
from bot.points.service import point_summary
from tests.members.test_import import write
from tests.pos.factories import bearer, make_store

REPO = Path(__file__).resolve().parents[2]
CSV = (
    "member_no,name,email,birthday,home_store,points,points_expire_on\n"
    "4006381333931,鈴木 一郎,,,,1200,\n"
    "2900000000018,佐藤 花子,,,,300,2027-03-31\n"
)


def opening_expiry(app: Flask, member_no: str) -> datetime | None:
    with app.app_context():
        return db.session.scalar(
            sa.select(PointEntry.expires_at).where(
                PointEntry.kind == OPENING,
                PointEntry.reference == f"import:{member_no}",
            )
        )


def test_imported_points_expire_like_earned_ones_unless_the_file_says(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    before = utcnow()
    result = runner.invoke(args=["members", "import", str(write(tmp_path, CSV))])
    assert result.exit_code == 0, result.output

    days = app.config["SETTINGS"].POINTS_EXPIRY_DAYS
    default = opening_expiry(app, "4006381333931")
    assert default is not None
    assert before + timedelta(days=days) <= default <= utcnow() + timedelta(days=days)
    # A date in the file: usable through that day in the shop's zone.
    tokyo = ZoneInfo(app.config["SETTINGS"].BOT_TIMEZONE)
    assert opening_expiry(app, "2900000000018") == datetime(2027, 4, 1, tzinfo=tokyo)
    with app.app_context():
        member_id = db.session.scalar(
            sa.select(PointEntry.member_id).where(
                PointEntry.reference == "import:2900000000018"
            )
        )
        assert member_id is not None
        lapsed = point_summary(member_id, datetime(2027, 4, 1, tzinfo=tokyo))
        assert lapsed.balance == 0


def test_the_register_and_card_show_the_expiry_of_imported_points(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    key = make_store(app)
    runner.invoke(args=["members", "import", str(write(tmp_path, CSV))])
    answer = app.test_client().post(
        "/api/pos/scan", json={"code": "2900000000018"}, headers=bearer(key)
    )
    assert answer.status_code == 200
    member = answer.get_json()["member"]
    assert member["points"] == 300 and member["points_expiring"] == 300
    assert member["points_expire_at"].startswith("2027-03-31T15:00:00")


def test_bad_or_past_expiry_dates_are_refused_by_line(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    text = CSV + "9780306406157,高橋 誠,,,,10,2020-01-01\n"
    text += "4901234567894,田中 進,,,,10,31/03/2027\n"
    result = runner.invoke(args=["members", "import", str(write(tmp_path, text))])
    assert result.exit_code != 0
    assert "line 4: points_expire_on: is in the past" in result.output
    assert "line 5: points_expire_on: must be YYYY-MM-DD" in result.output


def test_shipped_faq_describes_the_ledgers_expiry_rule() -> None:
    entries = yaml.safe_load((REPO / "faq" / "faq.yaml").read_text(encoding="utf-8"))
    items = entries["faqs"]
    [answer] = [e["answer"] for e in items if e["id"] == "points-expiry"]
    # Each earning lapses a year after it was earned; nothing extends the rest.
    assert "獲得した日から1年" in answer
    assert "延長" not in answer
    assert "会員証" in answer
