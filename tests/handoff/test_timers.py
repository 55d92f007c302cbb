"""No answer in time: one apology, still queued. Quiet with an operator: back to bot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from bot.extensions import db
from bot.handoff import service
from bot.handoff.models import Conversation
from bot.models_base import utcnow
from tests.conftest import LineSide
from tests.handoff.helpers import (
    Drain,
    conversations_of,
    load_shipped_faq,
    make_operator,
    texts,
)

MenuSeen = Callable[[str], "str | None"]


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {
        "BUSINESS_HOURS": "Mon-Sun 00:00-24:00",
        "HANDOFF_NO_ANSWER_MINUTES": 10,
        "HANDOFF_IDLE_MINUTES": 30,
    }


def shift(app: Flask, conversation_id: int, **columns: timedelta) -> None:
    """Move a conversation's times into the past, as if time had passed."""
    with app.app_context():
        conversation = db.session.get(Conversation, conversation_id)
        for name, delta in columns.items():
            setattr(conversation, name, getattr(conversation, name) - delta)
        db.session.commit()


def sweep(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["handoff", "sweep"])
    assert result.exit_code == 0, result.output
    return result.output


def test_unanswered_customer_gets_one_apology_and_stays_queued(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user()
    line.send(line.text(user_id, "スタッフと話したい"))
    worker()
    [conversation] = conversations_of(app, user_id)
    assert "apologised to 0" in sweep(app)
    shift(app, conversation.id, apology_due_at=timedelta(minutes=11))
    assert "apologised to 1 waiting" in sweep(app)
    assert "apologised to 0" in sweep(app)
    worker()
    assert texts(line, user_id)[-1].startswith("お待たせしてしまい申し訳ありません")
    assert [d.via for d in line.deliveries_to(user_id)] == ["reply", "push"]
    [still] = conversations_of(app, user_id)
    assert still.state == "waiting" and still.apology_sent_at is not None


def test_idle_conversation_returns_to_the_bot(
    app: Flask, line: LineSide, worker: Drain, menu_seen: MenuSeen
) -> None:
    load_shipped_faq(app)
    operator_id = make_operator(app, "sato@example.com")
    user_id = line.add_user()
    line.send(line.follow(user_id))
    line.send(line.text(user_id, "スタッフと話したい"))
    worker()
    [conversation] = conversations_of(app, user_id)
    with app.app_context():
        assert service.claim_conversation(conversation.id, operator_id, utcnow())
        db.session.commit()
    shift(app, conversation.id, last_activity_at=timedelta(minutes=29))
    assert "returned 0 idle" in sweep(app)
    shift(app, conversation.id, last_activity_at=timedelta(minutes=2))
    assert "returned 1 idle" in sweep(app)
    worker()
    [closed] = conversations_of(app, user_id)
    assert (closed.state, closed.resolved_by) == ("resolved", "idle")
    assert texts(line, user_id)[-1].startswith("しばらくメッセージがなかったため")
    assert menu_seen(user_id) == "guest"
    line.send(line.text(user_id, "送料はいくらですか"))
    worker()
    assert texts(line, user_id)[-1].startswith("オンラインストアの送料は")


def test_worker_sweeps_registered_timers(app: Flask) -> None:
    from bot.handoff.timers import sweep_handoff_timers
    from bot.routing import SWEEP, get_router

    sweeps = [route.fn for route in get_router(app).of_kind(SWEEP)]
    assert sweep_handoff_timers in sweeps
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Conversation.id))) == 0
        sweep_handoff_timers()
