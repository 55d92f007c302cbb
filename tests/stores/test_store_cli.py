"""`stores load` (all or nothing, errors by line) and `stores issue-key`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from bot.extensions import db
from bot.stores.models import Store, StoreApiKey, StoreBeacon
from bot.stores.service import hash_api_key, is_open

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "stores.csv"
HEADER = "code,name,address,lat,lng,hours,beacon_hwids\n"


def stores(app: Flask) -> dict[str, tuple[str, str, str, list[str]]]:
    with app.app_context():
        return {
            s.code: (s.name, s.opens_at, s.closes_at, sorted(b.hwid for b in s.beacons))
            for s in db.session.scalars(sa.select(Store))
        }


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "stores.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_file_loads(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["stores", "load", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "loaded 5 stores (5 new, 0 updated)" in result.output
    loaded = stores(app)
    assert loaded["S001"] == ("渋谷店", "10:00", "21:00", ["0a1b2c3d4e", "0a1b2c3d4f"])
    assert loaded["S004"][3] == []


def test_load_is_an_upsert_and_beacons_can_move(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    runner.invoke(args=["stores", "load", str(SAMPLE)])
    changed = write(
        tmp_path,
        HEADER + "S001,渋谷本店,東京都渋谷区,35.6,139.7,09:00-22:00,1F2E3D4C5B\n",
    )
    result = runner.invoke(args=["stores", "load", str(changed)])
    assert result.exit_code == 0, result.output
    assert "(0 new, 1 updated)" in result.output
    loaded = stores(app)
    assert loaded["S001"] == ("渋谷本店", "09:00", "22:00", ["1f2e3d4c5b"])
    assert loaded["S002"][3] == []  # its beacon moved to S001
    assert len(loaded) == 5


def test_bad_rows_are_reported_by_line_and_nothing_is_loaded(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    bad = write(
        tmp_path,
        HEADER
        + "S001,渋谷店,東京都渋谷区,35.6,139.7,10:00-20:00,0a1b2c3d4e\n"
        + "S002,新宿店,東京都新宿区,north,139.7,10:00-20:00,\n"
        + "S003,池袋店,東京都豊島区,35.7,139.7,10-20,zz\n"
        + "S001,重複,東京都,35.7,139.7,10:00-20:00,0a1b2c3d4e\n",
    )
    result = runner.invoke(args=["stores", "load", str(bad)])
    assert result.exit_code != 0
    assert "line 3: lat" in result.output
    assert "line 4: hours" in result.output
    assert "line 4: beacon hwid 'zz'" in result.output
    assert "line 5: code S001 repeats line 2" in result.output
    assert "line 5: hwid 0a1b2c3d4e repeats line 2" in result.output
    assert "nothing loaded" in result.output
    assert stores(app) == {}


def test_wrong_header_is_refused(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    bad = write(tmp_path, "code,name\nS001,渋谷店\n")
    result = runner.invoke(args=["stores", "load", str(bad)])
    assert result.exit_code != 0 and "line 1: header" in result.output


def test_issue_key_prints_only_the_key_and_keeps_only_its_hash(
    app: Flask, runner: FlaskCliRunner
) -> None:
    runner.invoke(args=["stores", "load", str(SAMPLE)])
    first = runner.invoke(args=["stores", "issue-key", "S001"])
    assert first.exit_code == 0
    key = first.stdout.strip()
    assert first.stdout == key + "\n" and key.startswith("pos_") and len(key) > 40
    second = runner.invoke(args=["stores", "issue-key", "S001", "--revoke-old"])
    with app.app_context():
        rows = db.session.scalars(sa.select(StoreApiKey).order_by(StoreApiKey.id)).all()
        assert [r.key_hash for r in rows] == [
            hash_api_key(key),
            hash_api_key(second.stdout.strip()),
        ]
        assert rows[0].revoked_at is not None and rows[1].revoked_at is None
        assert all(key not in (r.key_hash, r.key_prefix) for r in rows[1:])


def test_issue_key_for_unknown_store_fails(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["stores", "issue-key", "NOPE"])
    assert result.exit_code != 0
    assert "no store with code NOPE" in result.output


def test_opening_hours_are_local_time(app: Flask) -> None:
    store = Store(opens_at="10:00", closes_at="20:00")
    late_store = Store(opens_at="18:00", closes_at="02:00")
    zone = app.config["SETTINGS"].timezone
    # 01:30 UTC is 10:30 in Tokyo.
    assert is_open(store, datetime(2026, 5, 1, 1, 30, tzinfo=UTC), zone)
    assert not is_open(store, datetime(2026, 5, 1, 11, 30, tzinfo=UTC), zone)
    assert is_open(late_store, datetime(2026, 5, 1, 16, 30, tzinfo=UTC), zone)
    assert not is_open(late_store, datetime(2026, 5, 1, 3, 0, tzinfo=UTC), zone)
    # Equal opening and closing times mean open around the clock.
    always = Store(opens_at="00:00", closes_at="00:00")
    assert is_open(always, datetime(2026, 5, 1, 3, 0, tzinfo=UTC), zone)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(StoreBeacon.id))) == 0
