"""Questions the bot missed are kept, listed and purged; operators propose FAQ text."""

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from flask import Flask
from flask.testing import FlaskCliRunner

from bot.extensions import db
from bot.faq.jobs import purge_expired_gaps
from bot.faq.models import FaqGap, FaqSuggestion
from bot.faq.service import live_faq
from bot.models_base import utcnow
from tests.conftest import LineSide
from tests.handoff.helpers import (
    Drain,
    conversations_of,
    csrf_of,
    load_shipped_faq,
    signed_in_operator,
)

MISSED = ["駅前でやってるイベントの日程は？", "駅前のイベントの日程を知りたい"]
OTHER = "カブトムシは売ってますか"


@pytest.fixture
def settings_overrides() -> dict[str, str]:
    return {"BUSINESS_HOURS": "Mon-Sun 00:00-24:00", "FAQ_GAPS_KEEP_DAYS": "30"}


def gaps(app: Flask) -> list[FaqGap]:
    with app.app_context():
        rows = db.session.scalars(sa.select(FaqGap).order_by(FaqGap.id)).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def test_missed_questions_are_kept_listed_by_similarity_and_purged(
    app: Flask, line: LineSide, worker: Drain, runner: FlaskCliRunner
) -> None:
    load_shipped_faq(app)
    first, second = line.add_user(), line.add_user("鈴木 一郎")
    line.send(line.text(first, MISSED[0]))
    worker()
    line.send(line.text(second, MISSED[1]), line.text(second, OTHER))
    worker()
    line.send(line.text(first, "送料はいくらですか"))  # answered: not a gap
    worker()

    kept = gaps(app)
    assert [gap.text for gap in kept] == [*MISSED, OTHER]
    assert {gap.kind for gap in kept} <= {"none", "candidates"}

    listing = runner.invoke(args=["faq", "gaps"])
    assert listing.exit_code == 0, listing.output
    lines = listing.output.splitlines()
    assert "last 30 days" in lines[0]
    assert lines[1].lstrip().startswith("2x  2 customer(s)")
    assert "also:" in lines[2] and ("イベント" in lines[1] and "イベント" in lines[2])
    assert lines[3].lstrip().startswith("1x  1 customer(s)") and OTHER in lines[3]

    with app.app_context():
        old = db.session.get(FaqGap, kept[0].id)
        old.created_at = utcnow() - timedelta(days=10)
        db.session.commit()
    recent = runner.invoke(args=["faq", "gaps", "--days", "5"])
    assert recent.output.count("x  ") == 2 and MISSED[0] not in recent.output
    assert runner.invoke(args=["faq", "gaps", "--days", "0"]).exit_code == 2

    with app.app_context():
        old = db.session.get(FaqGap, kept[0].id)
        old.created_at = utcnow() - timedelta(days=31)
        db.session.commit()
        purge_expired_gaps()
    assert [gap.text for gap in gaps(app)] == [MISSED[1], OTHER]


def test_operator_proposes_questions_and_suggestions_become_a_patch(
    app: Flask, line: LineSide, worker: Drain, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    load_shipped_faq(app)
    user_id = line.add_user()
    line.send(line.text(user_id, "スタッフと話したい"))
    worker()
    [conversation] = conversations_of(app, user_id)
    client = signed_in_operator(app, "sato@example.com", name="佐藤")
    base = f"/operator/conversations/{conversation.id}"
    client.post(f"{base}/claim", data={"csrf_token": csrf_of(client)})
    line.send(line.text(user_id, "のしに名前を入れてもらうのはタダですか"))
    worker()

    resolved = client.post(f"{base}/resolve", data={"csrf_token": csrf_of(client)})
    queue = client.get(resolved.headers["Location"]).get_data(as_text=True)
    assert f"{base}/faq-suggestion" in queue

    page = client.get(f"{base}/faq-suggestion").get_data(as_text=True)
    assert "のしに名前を入れてもらうのはタダですか" in page
    assert 'value="noshi"' in page  # the closest entry is offered
    # One form per customer question, in order: the request, then the question.
    ids = [
        int(part.split('"')[1]) for part in page.split('name="message_id" value=')[1:]
    ]
    assert len(ids) == 2

    def post(**form: object) -> int:
        data = {"csrf_token": csrf_of(client), **form}
        return client.post(f"{base}/faq-suggestion", data=data).status_code

    noshi_question = ids[-1]
    assert post(message_id=noshi_question, faq_id="no-such-entry") == 400
    assert post(message_id=999999, faq_id="noshi") == 400
    assert post(faq_id="noshi") == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(FaqSuggestion.id))) == 0
    assert post(message_id=noshi_question, faq_id="noshi") == 302
    assert post(message_id=ids[0], faq_id="") == 302

    patch_file = tmp_path / "suggestions.yaml"
    listed = runner.invoke(args=["faq", "suggestions", "--output", str(patch_file)])
    assert listed.exit_code == 0, listed.output
    assert "noshi" in listed.output and "(new entry)" in listed.output
    patch = yaml.safe_load(patch_file.read_text(encoding="utf-8"))
    assert patch["alternatives"]["noshi"]["add_alternatives"] == [
        "のしに名前を入れてもらうのはタダですか"
    ]
    assert patch["new_entries"] == [{"question": "スタッフと話したい"}]
    with app.test_request_context():
        live = live_faq().by_id["noshi"]
        assert "のしに名前を入れてもらうのはタダですか" not in live.alternatives
