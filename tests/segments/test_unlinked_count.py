"""The live count of unlinked friends stays what the segment lists, however
members are linked, unlinked, imported or deleted (`line_users.linked` is kept
by triggers on members, on PostgreSQL and on SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from bot import create_app
from bot.extensions import db
from bot.members.models import Member
from bot.models_base import utcnow
from bot.segments.definition import SegmentDefinition
from bot.segments.query import count_segment_users, segment_users
from tests.segments.factories import make_member, make_user

UNLINKED = SegmentDefinition.from_dict({"linked": False})
LINKED = SegmentDefinition.from_dict({"linked": True})
EVERYONE = SegmentDefinition.from_dict({})


@pytest.fixture(params=["postgresql", "sqlite"])
def any_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    if request.param == "postgresql":
        yield request.getfixturevalue("app")
        return
    app = create_app(
        {"BOT_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}"}
    )
    with app.app_context():
        upgrade(revision="heads")
    yield app
    with app.app_context():
        db.engine.dispose()


def counted_and_listed(
    definition: SegmentDefinition = UNLINKED,
) -> tuple[int, list[str]]:
    now = utcnow()
    count = db.session.scalar(count_segment_users(definition, now, "Asia/Tokyo"))
    listed = [
        line_id
        for _, line_id in db.session.execute(
            segment_users(definition, now, "Asia/Tokyo")
        )
    ]
    return count, listed


def test_unlinked_count_follows_every_way_a_member_row_changes(any_app: Flask) -> None:
    with any_app.app_context():
        users = [make_user(f"U{n:032d}") for n in range(5)]
        make_user("U" + "b" * 32, blocked=True)
        member = make_member(users[0])
        assert counted_and_listed() == (4, [u.line_user_id for u in users[1:]])

        # Linking another member, as the link flow does.
        other = make_member(None)
        other.line_user_id = users[1].id
        db.session.commit()
        # An import that names a LINE user, written straight to the table.
        db.session.execute(
            sa.insert(Member).values(
                member_no="9999999999999",
                name="取込",
                line_user_id=users[2].id,
                source="import",
            )
        )
        db.session.commit()
        assert counted_and_listed() == (
            2,
            [users[3].line_user_id, users[4].line_user_id],
        )

        # Unlinking, moving a member to another user, deleting a member.
        member.line_user_id = None
        other.line_user_id = users[3].id
        db.session.commit()
        db.session.execute(sa.delete(Member).where(Member.member_no == "9999999999999"))
        db.session.commit()
        count, listed = counted_and_listed()
        assert count == len(listed) == 4
        assert listed == [users[n].line_user_id for n in (0, 1, 2, 4)]
        assert counted_and_listed(LINKED) == (1, [users[3].line_user_id])
        assert counted_and_listed(EVERYONE)[0] == 5
