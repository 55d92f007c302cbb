"""A guest who links while standing in a store is still one visitor there."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask

from bot.coupons.models import PersonalCoupon
from bot.extensions import db
from bot.stores.models import StoreVisit
from line_emulator.webhooks import beacon_event
from tests.conftest import LineSide
from tests.coupons.factories import load_shipped
from tests.members.conftest import PASSWORD, Customer, add_member
from tests.segments.factories import make_store

HWID = "0000000abc"


def test_linking_in_the_store_neither_greets_again_nor_counts_a_second_visit(
    app: Flask,
    line: LineSide,
    menus: dict[str, str],
    customer: Callable[..., Customer],
) -> None:
    # The message slot and the visit were keyed by the member once linked:
    # each link gave a new welcome, a new free-drink coupon and a new visit.
    load_shipped(app)  # visit-shibuya is issued by S001's beacon
    with app.app_context():
        make_store("S001", name="丸の内店", hwids=(HWID,))
        db.session.commit()
    member = add_member(app, "佐藤 美咲", "misaki@example.com", PASSWORD)
    misaki = customer("佐藤 美咲")
    misaki.follow()

    line.send(beacon_event(line.platform, misaki.user_id, HWID, "enter"))
    misaki.worker()
    welcomed = len(line.deliveries_to(misaki.user_id))
    misaki.link_with_password("misaki@example.com")
    linked = len(line.deliveries_to(misaki.user_id))
    assert linked > welcomed  # the link's own answer
    line.send(beacon_event(line.platform, misaki.user_id, HWID, "enter"))
    misaki.worker()

    assert len(line.deliveries_to(misaki.user_id)) == linked
    with app.app_context():
        visits = db.session.execute(
            sa.select(StoreVisit.customer_key, StoreVisit.member_id)
        ).all()
        assert visits == [(f"m:{member.id}", member.id)]
        coupons = db.session.scalars(
            sa.select(PersonalCoupon.member_id).where(
                PersonalCoupon.source == "beacon:S001"
            )
        ).all()
        assert coupons == [member.id]
