"""Two LINE accounts confirming a link to one member at the same moment."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask

from bot.extensions import db
from bot.members.models import Member
from bot.members.service import (
    LINKED,
    MEMBER_TAKEN,
    complete_link,
    create_nonce,
    record_link_token,
)
from bot.users.models import LineUser
from tests.pos.factories import make_member

ACCOUNTS = 4


@pytest.mark.parametrize("database", ["app", "sqlite_app"])
def test_one_member_is_linked_to_one_account_and_the_others_are_told(
    request: pytest.FixtureRequest, database: str
) -> None:
    # On SQLite the row lock is a no-op: both accounts read the member free,
    # both were told 連携が完了しました and given the member menu, and the
    # last write won (the other account's guest coupons moved to it too).
    app: Flask = request.getfixturevalue(database)
    member_id = make_member(app)["id"]
    nonces: list[tuple[str, str]] = []
    with app.app_context():
        member = db.session.get(Member, member_id)
        for _ in range(ACCOUNTS):
            user = LineUser(line_user_id="U" + secrets.token_hex(16))
            db.session.add(user)
            db.session.flush()
            token = record_link_token(user, secrets.token_urlsafe(24))
            nonces.append((user.line_user_id, create_nonce(member, token)))
        db.session.commit()
    start = threading.Barrier(ACCOUNTS)

    def confirm(index: int) -> str:
        line_user_id, nonce = nonces[index]
        with app.app_context():
            user = db.session.scalar(
                db.select(LineUser).where(LineUser.line_user_id == line_user_id)
            )
            start.wait()
            result = complete_link(nonce, True, user, f"event-{index}")
            db.session.commit()
            return result.outcome

    with ThreadPoolExecutor(ACCOUNTS) as pool:
        outcomes = list(pool.map(confirm, range(ACCOUNTS)))
    assert sorted(outcomes) == [LINKED] + [MEMBER_TAKEN] * (ACCOUNTS - 1)
    winner = nonces[outcomes.index(LINKED)][0]
    with app.app_context():
        linked = db.session.get(Member, member_id)
        assert linked is not None and linked.line_user_id is not None
        owner = db.session.get(LineUser, linked.line_user_id)
        assert owner is not None and owner.line_user_id == winner
