"""`flask faq load FILE`: upsert, retire, and nothing half-loaded on a bad entry."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from bot.extensions import db
from bot.faq.models import FaqRecord
from tests.handoff.helpers import SHIPPED_FAQ, load_shipped_faq

TWO_ENTRIES = """
faqs:
  - id: shipping-fee
    category: 配送
    question: 送料はいくらですか？
    answer: 送料は全国一律550円です。
  - id: gift-wrapping
    category: ギフト
    question: ギフト包装はできますか？
    keywords: [ラッピング]
    answer: 1点110円で承ります。
"""


def rows(app: Flask) -> dict[str, tuple[str, bool]]:
    with app.app_context():
        return {
            r.faq_id: (r.answer, r.retired)
            for r in db.session.scalars(sa.select(FaqRecord))
        }


def load(app: Flask, path: Path, *extra: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["faq", "load", str(path), *extra])
    return result.exit_code, result.output


def test_shipped_faq_loads(app: Flask) -> None:
    code, output = load(app, SHIPPED_FAQ)
    assert code == 0, output
    assert "48 added, 0 updated, 0 unchanged, 0 retired" in output
    loaded = rows(app)
    assert len(loaded) == 48 and not any(retired for _, retired in loaded.values())


def test_reload_upserts_and_retires_missing_entries(app: Flask, tmp_path: Path) -> None:
    assert load(app, SHIPPED_FAQ)[0] == 0
    smaller = tmp_path / "faq.yaml"
    smaller.write_text(TWO_ENTRIES, encoding="utf-8")
    code, output = load(app, smaller)
    assert code == 0, output
    assert "0 added, 2 updated, 0 unchanged, 46 retired" in output
    loaded = rows(app)
    assert loaded["shipping-fee"] == ("送料は全国一律550円です。", False)
    assert loaded["store-hours"][1] is True
    # Loading the same file again changes nothing; a retired entry can come back.
    assert "0 updated, 2 unchanged, 0 retired" in load(app, smaller)[1]
    assert load(app, SHIPPED_FAQ)[0] == 0
    assert rows(app)["store-hours"][1] is False


def test_bad_entry_is_named_and_nothing_is_loaded(app: Flask, tmp_path: Path) -> None:
    assert load(app, SHIPPED_FAQ)[0] == 0
    broken = tmp_path / "faq.yaml"
    broken.write_text(
        TWO_ENTRIES + "  - id: points-expiry\n    category: ポイント\n"
        "    question: ポイントの期限は？\n",
        encoding="utf-8",
    )
    code, output = load(app, broken)
    assert code != 0
    assert "entry 'points-expiry'" in output and "'answer': missing" in output
    loaded = rows(app)
    assert len(loaded) == 48 and not any(retired for _, retired in loaded.values())
    assert loaded["shipping-fee"][0].startswith("オンラインストアの送料は")


def test_dry_run_changes_nothing(app: Flask, tmp_path: Path) -> None:
    code, output = load(app, SHIPPED_FAQ, "--dry-run")
    assert code == 0 and output.startswith("would load 48 entries")
    assert rows(app) == {}


def test_file_defaults_to_the_faq_file_setting(app: Flask, tmp_path: Path) -> None:
    app.config["SETTINGS"] = replace(
        app.config["SETTINGS"], FAQ_FILE=str(tmp_path / "missing.yaml")
    )
    code, output = load_default(app)
    assert code != 0 and "missing.yaml" in output and "cannot read" in output
    app.config["SETTINGS"] = replace(app.config["SETTINGS"], FAQ_FILE=str(SHIPPED_FAQ))
    code, output = load_default(app)
    assert code == 0 and "48 added" in output


def load_default(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["faq", "load"])
    return result.exit_code, result.output


def test_one_job_answers_from_one_faq_and_the_next_sees_a_new_load(
    app: Flask,
) -> None:
    from bot.extensions import get_redis
    from bot.faq import service

    load_shipped_faq(app)
    with app.app_context():
        first = service.live_faq()
        # Another process loads a FAQ while this job (app context) runs.
        get_redis().set(service.VERSION_KEY, "loaded-elsewhere")
        same_job = service.live_faq()
    with app.app_context():
        next_job = service.live_faq()
        service.publish_new_version()
        after_own_load = service.live_faq()

    assert same_job is first
    assert next_job.version == "loaded-elsewhere"
    assert after_own_load.version not in (first.version, "loaded-elsewhere")
