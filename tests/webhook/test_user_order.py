"""One customer's events are handled in the order they arrived, whatever the thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import Flask

from bot.faq.content import parse_faq
from bot.webhook.dispatch import user_locks
from tests.conftest import LineSide
from tests.handoff.helpers import SHIPPED_FAQ, load_shipped_faq

Drain = Callable[[], None]
QUESTIONS = 6


def test_replies_follow_the_order_the_customer_wrote(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    # Each delivery is its own job; four worker threads wait for the
    # customer's lock and whichever got it first answered its own message
    # first (the demo answered six questions as 6, 2, 1, 4, 3, 5).
    load_shipped_faq(app)
    entries = parse_faq(SHIPPED_FAQ.read_text(encoding="utf-8"), str(SHIPPED_FAQ))
    asked = entries[:QUESTIONS]
    user_id = line.add_user()
    line.send(line.follow(user_id))
    worker()
    before = len(line.texts_to(user_id))
    held = threading.Event()
    release = threading.Event()

    def hold_the_customer() -> None:
        with app.app_context(), user_locks([user_id]):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_customer)
    holder.start()
    assert held.wait(10)
    for entry in asked:
        assert line.send(line.text(user_id, entry.question)) == 200
    time.sleep(0.5)  # the jobs are waiting for the lock
    release.set()
    holder.join()
    worker()

    replies = [text for _, text in line.texts_to(user_id)[before:]]
    assert replies == [entry.answer for entry in asked]
