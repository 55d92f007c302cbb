"""A/B variants and a holdout of a segment send, through the CLI and the emulator."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from bot.extensions import db
from bot.measure.models import DailyRollup, Exposure
from bot.measure.report import send_report
from bot.segments.definition import SegmentDefinition, SegmentError
from bot.segments.models import SegmentSend, SegmentSendBatch
from bot.segments.sending import create_send, send_variants
from bot.segments.variants import SendVariant, bucket_of, bucket_sql, group_of
from bot.users.models import LineUser
from tests.conftest import LineSide
from tests.segments.factories import make_user

BATCH = 10
A_TEXT, B_TEXT = "週末セール（A）", "週末セール（B）"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"SEGMENT_BATCH_SIZE": BATCH, "QUIET_HOURS": ""}


@pytest.fixture
def friends(app: Flask, line: LineSide) -> dict[int, str]:
    """60 friends known to the bot and to LINE: row id -> LINE user id."""
    ids = {}
    with app.app_context():
        for n in range(60):
            user_id = line.add_user(f"客{n}")
            ids[make_user(user_id).id] = user_id
    return ids


def _texts(line: LineSide, user_id: str) -> list[str]:
    return [text for via, text in line.texts_to(user_id) if via != "reply"]


def test_each_recipient_gets_one_variant_and_the_holdout_nothing(
    app: Flask, friends: dict[int, str], runner: FlaskCliRunner, line: LineSide
) -> None:
    result = runner.invoke(
        args=[
            "segment",
            "send",
            "--text",
            A_TEXT,
            "--b-text",
            B_TEXT,
            "--split",
            "30",
            "--holdout",
            "20",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        send = db.session.scalar(sa.select(SegmentSend))
        variants, seed = send_variants(send), send.split_seed
        assert [(v.name, v.weight) for v in variants] == [("A", 30), ("B", 70)]
        expected = {
            pk: group_of(pk, variants, 20, seed if seed is not None else 0)
            for pk in friends
        }
        held = sorted(
            db.session.scalars(
                sa.select(Exposure.line_user_id).where(
                    Exposure.campaign == f"segment:{send.id}",
                    Exposure.variant == "holdout",
                    Exposure.holdout.is_(True),
                )
            )
        )
        batches = db.session.execute(
            sa.select(SegmentSendBatch.variant, SegmentSendBatch.size)
        ).all()
        report = send_report(send.id)
    got = {}
    for pk, user_id in friends.items():
        texts = _texts(line, user_id)
        assert len(texts) <= 1, (user_id, texts)
        got[pk] = {A_TEXT: 0, B_TEXT: 1}[texts[0]] if texts else -1
    # Who got what is the drawing the confirmation counts with (Python = SQL).
    assert got == expected
    groups = Counter(got.values())
    assert groups[-1] and groups[0] and groups[1]
    assert held == sorted(pk for pk, g in got.items() if g == -1)
    # One message per multicast: a batch holds one variant.
    for call in line.calls("/v2/bot/message/multicast"):
        assert len(call.body["messages"]) == 1
    assert Counter(v for v, _ in batches) == {
        "A": -(-groups[0] // BATCH),
        "B": -(-groups[1] // BATCH),
    }
    assert report["totals"]["recipients"] == groups[0] + groups[1]
    assert report["variants"]["A"]["recipients"] == groups[0]
    assert report["variants"]["B"]["delivered"] == groups[1]
    assert report["holdout"]["holdout"]["size"] == groups[-1]
    assert [(c["variant"], c["against"]) for c in report["comparisons"]] == [
        ("A", "holdout"),
        ("B", "holdout"),
    ]
    text = runner.invoke(args=["report", "send", str(send.id)])
    assert text.exit_code == 0, text.output
    assert "variant B vs holdout" in text.output and "95% CI" in text.output


def test_the_drawing_is_stable_and_split_by_weight(app: Flask) -> None:
    variants = [
        SendVariant("A", 1, [{"type": "text", "text": "a"}]),
        SendVariant("B", 3, [{"type": "text", "text": "b"}]),
    ]
    drawn = Counter(group_of(pk, variants, 10, 12345) for pk in range(1, 20001))
    assert drawn[-1] == pytest.approx(2000, rel=0.1)
    assert drawn[0] == pytest.approx(4500, rel=0.1)
    assert drawn[1] == pytest.approx(13500, rel=0.1)
    assert [group_of(7, variants, 10, 99) for _ in range(3)] == [
        group_of(7, variants, 10, 99)
    ] * 3
    # Another send (another seed) draws other customers into its holdout.
    held = {pk for pk in range(1, 2001) if group_of(pk, variants, 10, 1) < 0}
    other = {pk for pk in range(1, 2001) if group_of(pk, variants, 10, 2) < 0}
    assert held != other
    with app.app_context():
        for n in range(5):
            make_user(f"U{n:032x}")
        rows = db.session.execute(
            sa.select(LineUser.id, bucket_sql(LineUser.id, 2**31 - 7))
        ).all()
    assert rows and all(b == bucket_of(pk, 2**31 - 7) for pk, b in rows)


def test_variants_and_holdout_are_checked(app: Flask) -> None:
    text = [{"type": "text", "text": "x"}]
    with app.app_context():
        with pytest.raises(SegmentError, match="holdout"):
            create_send(SegmentDefinition(), text, holdout_percent=80)
        with pytest.raises(SegmentError, match="differ"):
            create_send(
                SegmentDefinition(),
                text,
                variants=[SendVariant("A", 1, text), SendVariant("A", 1, text)],
            )
        with pytest.raises(SegmentError, match="weight"):
            create_send(
                SegmentDefinition(),
                text,
                variants=[SendVariant("A", 0, text), SendVariant("B", 1, text)],
            )
        db.session.rollback()


def test_holdout_rollup_counts_recipients_but_no_delivery(
    app: Flask, friends: dict[int, str], runner: FlaskCliRunner
) -> None:
    result = runner.invoke(
        args=["segment", "send", "--text", A_TEXT, "--holdout", "50"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                DailyRollup.variant, DailyRollup.recipients, DailyRollup.delivered
            )
        ).all()
        send = db.session.scalar(sa.select(SegmentSend))
    by_variant = {v: (r, d) for v, r, d in rows}
    sent, held = by_variant[""], by_variant["holdout"]
    assert sent[0] == sent[1] == send.recipient_count
    assert held[0] == 60 - send.recipient_count and held[1] == 0


def test_an_interrupted_ab_send_resumes_with_the_same_groups(
    app: Flask,
    friends: dict[int, str],
    runner: FlaskCliRunner,
    line: LineSide,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import bot.segments.delivery as delivery

    args = ["segment", "send", "--unlinked", "--text", A_TEXT, "--b-text", B_TEXT]
    args += ["--holdout", "10"]
    real_record = delivery._record_batch
    calls: list[int] = []

    def killed_at_second_batch(send_id: int, batch: Any) -> None:
        calls.append(batch.batch_no)
        if len(calls) == 2:
            raise SystemExit("worker killed")  # LINE took it; nothing written down
        real_record(send_id, batch)

    monkeypatch.setattr(delivery, "_record_batch", killed_at_second_batch)
    assert runner.invoke(args=args).exit_code != 0
    monkeypatch.setattr(delivery, "_record_batch", real_record)
    second = runner.invoke(args=args)
    assert second.exit_code == 0, second.output
    assert "resuming send #1" in second.output
    with app.app_context():
        send = db.session.get(SegmentSend, 1)
        variants, seed = send_variants(send), send.split_seed or 0
        held = db.session.scalar(
            sa.select(sa.func.count()).where(
                Exposure.campaign == "segment:1", Exposure.variant == "holdout"
            )
        )
    for pk, user_id in friends.items():
        texts = _texts(line, user_id)
        expected = group_of(pk, variants, 10, seed)
        assert texts == ([] if expected < 0 else [(A_TEXT, B_TEXT)[expected]])
    assert held == sum(1 for pk in friends if group_of(pk, variants, 10, seed) < 0)
