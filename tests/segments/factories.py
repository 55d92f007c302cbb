"""Small factories for stores, users, members, purchases and visits (committed)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import count
from typing import Any

from bot.extensions import db
from bot.members.models import Member
from bot.models_base import utcnow
from bot.points.models import EARN, PointEntry
from bot.purchases.models import Purchase
from bot.stores.models import Store, StoreBeacon, StoreVisit
from bot.users.models import LineUser

_numbers = count(1)


def make_store(
    code: str,
    lat: float = 35.681,
    lng: float = 139.767,
    opens_at: str = "00:00",
    closes_at: str = "00:00",
    hwids: tuple[str, ...] = (),
    name: str | None = None,
) -> Store:
    """Create a store with its beacons."""
    store = Store(
        code=code,
        name=name or f"{code}店",
        address=f"東京都千代田区{code}1-1",
        lat=lat,
        lng=lng,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    store.beacons = [StoreBeacon(hwid=hwid) for hwid in hwids]
    db.session.add(store)
    db.session.commit()
    return store


def make_user(line_user_id: str, blocked: bool = False) -> LineUser:
    """Create a LINE user row: a friend, or one who blocked the shop."""
    user = LineUser(
        line_user_id=line_user_id,
        display_name="テスト",
        is_friend=not blocked,
        blocked_at=utcnow() if blocked else None,
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_member(
    user: LineUser | None,
    name: str = "山田 花子",
    rank: str = "regular",
    home_store_code: str | None = None,
    birthday: date | None = None,
) -> Member:
    """Create a member, linked to the user when one is given."""
    number = next(_numbers)
    member = Member(
        member_no=f"{number:013d}",
        name=name,
        rank=rank,
        home_store_code=home_store_code,
        birthday=birthday,
        line_user_id=user.id if user else None,
        linked_at=utcnow() if user else None,
    )
    db.session.add(member)
    db.session.commit()
    return member


def give_points(member: Member, points: int) -> None:
    """Add an earn row to the member's ledger."""
    db.session.add(
        PointEntry(
            member_id=member.id,
            kind=EARN,
            delta=points,
            reference=f"test:{next(_numbers)}",
            expires_at=utcnow() + timedelta(days=365),
        )
    )
    db.session.commit()


def make_purchase(member: Member, channel: str, days_ago: int = 1) -> Purchase:
    """Create a completed purchase in a channel, some days ago."""
    purchase = Purchase(
        member_id=member.id,
        channel=channel,
        origin="S001" if channel == "store" else "shop",
        reference=f"R{next(_numbers)}",
        amount=1000,
        purchased_at=utcnow() - timedelta(days=days_ago),
    )
    db.session.add(purchase)
    db.session.commit()
    return purchase


def make_visit(
    store: Store,
    day: date,
    user: LineUser | None = None,
    member: Member | None = None,
    source: str = "beacon",
) -> StoreVisit:
    """Create a visit by a guest (user) or a member (member, maybe with user)."""
    key = f"m:{member.id}" if member else f"u:{user.id}"
    visit = StoreVisit(
        store_id=store.id,
        customer_key=key,
        member_id=member.id if member else None,
        line_user_id=user.id if user else None,
        visit_date=day,
        source=source,
    )
    db.session.add(visit)
    db.session.commit()
    return visit


def local_today(at: datetime | None = None) -> date:
    """Return today's date in the shop's zone (Asia/Tokyo in tests)."""
    from zoneinfo import ZoneInfo

    return (at or utcnow()).astimezone(ZoneInfo("Asia/Tokyo")).date()


def make_friends(app: Any, line: Any, count: int) -> list[str]:
    """Add `count` friends on LINE's side and the bot's; return their LINE ids."""
    ids = []
    with app.app_context():
        for n in range(count):
            user_id = line.add_user(f"客{n}")
            make_user(user_id)
            ids.append(user_id)
    return ids
