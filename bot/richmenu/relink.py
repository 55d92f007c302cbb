"""`richmenu relink`: put every friend on the menu that fits their status.

Users are read in id order, grouped by target menu and sent in bulk calls of at
most 500. Each call's users are recorded (and committed) as soon as LINE has
accepted it, so an interrupted run resumes where it stopped: the next run skips
every user whose recorded menu already fits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import delete, select

from bot.extensions import db
from bot.line import richmenus as line_menus
from bot.line.client import LineTransientError
from bot.members.service import linked_clause
from bot.richmenu.models import RichMenuUserLink
from bot.richmenu.service import live_deployments, menu_for, record_user_links
from bot.users.models import LineUser

log = logging.getLogger(__name__)
BATCH = line_menus.MAX_USERS_PER_BULK_CALL
PAGE = 2000


class Throttle:
    """Space bulk calls out to stay under LINE's rate limit; retry 429/5xx."""

    def __init__(
        self,
        calls_per_second: float,
        max_attempts: int = 5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / calls_per_second if calls_per_second > 0 else 0.0
        self.max_attempts = max(1, max_attempts)
        self.sleep = sleep
        self.calls = 0
        self._last = float("-inf")

    @classmethod
    def from_settings(cls, max_attempts: int = 5) -> Throttle:
        """Build a throttle at RICHMENU_BULK_CALLS_PER_SECOND."""
        rate = current_app.config["SETTINGS"].RICHMENU_BULK_CALLS_PER_SECOND
        return cls(rate, max_attempts)

    def run(self, call: Callable[[], None]) -> None:
        """Make one call when its turn comes; back off and retry if LINE is busy."""
        for attempt in range(1, self.max_attempts + 1):
            wait = self._last + self.interval - time.monotonic()
            if wait > 0:
                self.sleep(wait)
            self._last = time.monotonic()
            try:
                call()
                self.calls += 1
                return
            except LineTransientError as exc:
                if attempt == self.max_attempts:
                    raise
                log.warning(
                    "bulk rich menu call refused; backing off",
                    extra={"status": exc.status, "attempt": attempt},
                )
                self.sleep(min(30.0, 2.0 ** (attempt - 1)))


@dataclass
class RelinkReport:
    """What a relink run did."""

    linked: int = 0
    unlinked: int = 0
    unchanged: int = 0
    calls: int = 0
    not_deployed: set[str] = field(default_factory=set)


def send_batch(
    users: list[tuple[int, str]], target: str | None, throttle: Throttle
) -> None:
    """Put up to 500 users on a menu (None: the default) and record it; commit."""
    line_ids = [line_user_id for _, line_user_id in users]
    if target is None:
        throttle.run(lambda: line_menus.unlink_users(line_ids))
    else:
        throttle.run(lambda: line_menus.link_users(line_ids, target))
    record_user_links([pk for pk, _ in users], target)
    db.session.commit()


def move_recorded_users(old_id: str, target: str | None, throttle: Throttle) -> int:
    """Move every user recorded on one menu to another; return how many moved."""
    moved = 0
    while True:
        users = list(
            db.session.execute(
                select(LineUser.id, LineUser.line_user_id)
                .join(RichMenuUserLink, RichMenuUserLink.line_user_id == LineUser.id)
                .where(RichMenuUserLink.rich_menu_id == old_id)
                .order_by(LineUser.id)
                .limit(BATCH)
            ).tuples()
        )
        if not users:
            return moved
        send_batch(users, target, throttle)
        moved += len(users)


def relink_all(
    throttle: Throttle, *, full: bool = False, dry_run: bool = False
) -> RelinkReport:
    """Put every friend on the menu that fits their status, in bulk calls."""
    report = RelinkReport()
    targets = {
        name: None if row.is_default else row.rich_menu_id
        for name, row in live_deployments().items()
    }
    if full and not dry_run:
        db.session.execute(delete(RichMenuUserLink))
        db.session.commit()
    pending: dict[str | None, list[tuple[int, str]]] = {}
    last_id = 0
    while True:
        page = _friends_after(last_id)
        if not page:
            break
        for user, linked, has_record, recorded in page:
            last_id = user.id
            name = menu_for(user, linked=linked)
            if name not in targets:
                report.not_deployed.add(name)
                continue
            target = targets[name]
            if has_record is not None and recorded == target and not full:
                report.unchanged += 1
                continue
            batch = pending.setdefault(target, [])
            batch.append((user.id, user.line_user_id))
            if len(batch) == BATCH:
                _flush(pending.pop(target), target, throttle, report, dry_run)
        db.session.expunge_all()  # keep memory flat on large friend lists
    for target, batch in pending.items():
        _flush(batch, target, throttle, report, dry_run)
    report.calls = throttle.calls
    return report


def _friends_after(last_id: int) -> list[tuple[LineUser, bool, int | None, str | None]]:
    linked = linked_clause(LineUser.id)
    query = (
        select(
            LineUser,
            linked.label("linked"),
            RichMenuUserLink.line_user_id,
            RichMenuUserLink.rich_menu_id,
        )
        .outerjoin(RichMenuUserLink, RichMenuUserLink.line_user_id == LineUser.id)
        .where(LineUser.id > last_id, LineUser.is_friend.is_(True))
        .order_by(LineUser.id)
        .limit(PAGE)
    )
    return [tuple(row) for row in db.session.execute(query)]  # type: ignore[misc]


def _flush(
    batch: list[tuple[int, str]],
    target: str | None,
    throttle: Throttle,
    report: RelinkReport,
    dry_run: bool,
) -> None:
    if target is None:
        report.unlinked += len(batch)
    else:
        report.linked += len(batch)
    if dry_run:
        throttle.calls += 1
        return
    send_batch(batch, target, throttle)
