"""Which rich menu a user sees, and putting them on it.

Guests see the default menu (guest), so a guest has no menu of their own on
LINE: putting a user on the default menu removes their per-user link. Other
domains add a status rule with `router.menu_rule(name, fn)` (e.g. "support"
while a staff member talks to the customer); the first rule that names a menu
wins.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import current_app
from sqlalchemy import select

from bot.config import Settings
from bot.extensions import db
from bot.line.client import LineApiError, LineNotFound, LineTransientError
from bot.line.richmenus import link_user, unlink_user
from bot.members.service import is_linked
from bot.richmenu.models import LIVE, RichMenuDeployment, RichMenuUserLink
from bot.routing import MENU_RULE, get_router
from bot.users.models import LineUser

log = logging.getLogger(__name__)

GUEST_MENU = "guest"
MEMBER_MENU = "member-a"


def liff_url(settings: Settings | None = None) -> str:
    """Return the member card's URL: the LIFF app, or the bot's stand-in page."""
    settings = settings or current_app.config["SETTINGS"]
    if settings.LIFF_ID:
        return f"https://liff.line.me/{settings.LIFF_ID}"
    # Development and demo without a LIFF app: the bot serves the card page.
    return f"{settings.BOT_BASE_URL.rstrip('/')}/liff/card"


def menu_placeholders(settings: Settings | None = None) -> Mapping[str, str]:
    """Return the values that fill ${...} in the rich menu definitions."""
    settings = settings or current_app.config["SETTINGS"]
    return {
        "ONLINE_STORE_URL": settings.ONLINE_STORE_URL,
        "LIFF_URL": liff_url(settings),
        "BOT_BASE_URL": settings.BOT_BASE_URL.rstrip("/"),
    }


def menu_for(user: LineUser, linked: bool | None = None) -> str:
    """Return the name of the menu that fits the user's status."""
    for rule in get_router().of_kind(MENU_RULE):
        name = rule.fn(user)
        if name:
            return name
    if linked is None:
        linked = is_linked(user.id)
    return MEMBER_MENU if linked else GUEST_MENU


def live_deployment(name: str) -> RichMenuDeployment | None:
    """Return the menu deployed on LINE for a definition name, if any."""
    return db.session.scalar(
        select(RichMenuDeployment).where(
            RichMenuDeployment.name == name, RichMenuDeployment.status == LIVE
        )
    )


def live_deployments() -> dict[str, RichMenuDeployment]:
    """Return every live deployment by definition name."""
    rows = db.session.scalars(
        select(RichMenuDeployment).where(RichMenuDeployment.status == LIVE)
    )
    return {row.name: row for row in rows}


def apply_menu(user: LineUser, menu: str | None = None) -> None:
    """Link the user to the named menu, or to the one that fits their status."""
    name = menu or menu_for(user)
    deployment = live_deployment(name)
    if deployment is None:
        log.info("rich menu not deployed: nothing linked", extra={"menu": name})
        return
    target = None if deployment.is_default else deployment.rich_menu_id
    try:
        if target is None:
            unlink_user(user.line_user_id)
        else:
            link_user(user.line_user_id, target)
    except LineTransientError:
        raise
    except LineApiError as exc:
        # A user who blocked us, or a menu deleted behind our back: nothing to
        # retry; `richmenu deploy` and `relink` repair the menus.
        level = logging.INFO if isinstance(exc, LineNotFound) else logging.WARNING
        log.log(
            level, "rich menu not linked", extra={"menu": name, "status": exc.status}
        )
        return
    record_user_links([user.id], target)
    log.info("rich menu linked", extra={"menu": name, "user": user.id})


def record_user_links(user_pks: list[int], rich_menu_id: str | None) -> None:
    """Remember the per-user menu now set on LINE for these users; flush."""
    existing = {
        row.line_user_id: row
        for row in db.session.scalars(
            select(RichMenuUserLink).where(RichMenuUserLink.line_user_id.in_(user_pks))
        )
    }
    for user_pk in user_pks:
        row = existing.get(user_pk)
        if row is None:
            db.session.add(
                RichMenuUserLink(line_user_id=user_pk, rich_menu_id=rich_menu_id)
            )
        else:
            row.rich_menu_id = rich_menu_id
    db.session.flush()
