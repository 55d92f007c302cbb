"""`flask members import FILE`: all or nothing, upsert, opening balances."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from bot.extensions import db
from bot.members.models import Member
from bot.points.models import PointEntry

HEADER = "member_no,name,email,birthday,home_store,points\n"
GOOD = (
    HEADER + "4006381333931,鈴木 一郎,ichiro@example.com,1980-04-01,S001,1200\n"
    "2900000000018,佐藤 花子,,1975-12-31,,\n"
    "9780306406157,高橋 誠,Makoto@Example.com,,S002,0\n"
)


def write(tmp_path: Path, text: str, name: str = "members.csv") -> Path:
    """Write a CSV file and return its path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def members(app: Flask) -> dict[str, Member]:
    """Return every member by number, detached."""
    with app.app_context():
        rows = db.session.scalars(sa.select(Member)).all()
        for row in rows:
            db.session.expunge(row)
        return {row.member_no: row for row in rows}


def ledger(app: Flask) -> list[tuple[str, str, int]]:
    """Return (kind, reference, delta) of every point entry."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(PointEntry.kind, PointEntry.reference, PointEntry.delta).order_by(
                PointEntry.reference
            )
        )
        return [tuple(row) for row in rows]


def test_import_loads_members_and_opening_balances(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(args=["members", "import", str(write(tmp_path, GOOD))])
    assert result.exit_code == 0, result.output
    assert "3 new, 0 updated, 0 unchanged, 1 opening balance(s)" in result.output
    loaded = members(app)
    ichiro = loaded["4006381333931"]
    assert (ichiro.name, ichiro.email, ichiro.birthday, ichiro.home_store_code) == (
        "鈴木 一郎",
        "ichiro@example.com",
        date(1980, 4, 1),
        "S001",
    )
    assert ichiro.source == "import" and ichiro.password_hash is None
    assert loaded["9780306406157"].email == "makoto@example.com"
    assert loaded["2900000000018"].email is None
    assert ledger(app) == [("opening", "import:4006381333931", 1200)]


def test_reimport_updates_members_and_never_doubles_points(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    runner.invoke(args=["members", "import", str(write(tmp_path, GOOD))])
    changed = GOOD.replace("鈴木 一郎", "鈴木 一朗").replace(",1200\n", ",1500\n")
    result = runner.invoke(
        args=["members", "import", str(write(tmp_path, changed, "again.csv"))]
    )
    assert result.exit_code == 0, result.output
    assert "0 new, 1 updated, 2 unchanged, 0 opening balance(s)" in result.output
    assert "opening balance of 4006381333931 stays 1200 (file says 1500)" in (
        result.output
    )
    assert members(app)["4006381333931"].name == "鈴木 一朗"
    assert ledger(app) == [("opening", "import:4006381333931", 1200)]


def test_bad_rows_are_reported_by_line_and_nothing_is_loaded(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    bad = (
        GOOD
        + "4006381333932,チェック 違い,,,,\n"
        + "2900000000025,,x@example.com,1990-02-30,,-5\n"
        + "4006381333931,重複,,,,\n"
        + "2900000000032,列不足\n"
    )
    result = runner.invoke(args=["members", "import", str(write(tmp_path, bad))])
    assert result.exit_code == 1
    out = result.output
    assert "line 5: member_no: must be 13 digits with a valid check digit" in out
    assert "line 6: name: must be 1-100 characters" in out
    assert "line 6: birthday: must be YYYY-MM-DD" in out
    assert "line 6: points: must be a whole number" in out
    assert "line 7: 4006381333931 repeats line 2" in out
    assert "line 8: expected 6 fields, got 2" in out
    assert "nothing was imported" in out
    assert members(app) == {} and ledger(app) == []


def test_wrong_header_is_refused(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    text = "no,name,email,birthday,home_store,points\n4006381333931,a,,,,\n"
    result = runner.invoke(args=["members", "import", str(write(tmp_path, text))])
    assert result.exit_code == 1
    assert "line 1: header must be member_no,name,email,birthday" in result.output
    assert members(app) == {}


def test_email_of_another_member_is_refused(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    runner.invoke(args=["members", "import", str(write(tmp_path, GOOD))])
    clash = HEADER + "2900000000018,佐藤 花子,ICHIRO@example.com,,,\n"
    result = runner.invoke(
        args=["members", "import", str(write(tmp_path, clash, "clash.csv"))]
    )
    assert result.exit_code == 1
    assert "line 2: email: already used by member 4006381333931" in result.output
    assert members(app)["2900000000018"].email is None


def test_dry_run_checks_but_loads_nothing(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path, GOOD)
    result = runner.invoke(args=["members", "import", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert "would import 3 row(s)" in result.output
    assert members(app) == {}
