"""Which rich menu a user sees (placeholder until deploy records exist)."""

from __future__ import annotations

import logging

from bot.users.models import LineUser

log = logging.getLogger(__name__)


def apply_menu(user: LineUser, menu: str | None = None) -> None:
    """Link the user to the named menu, or to the one that fits their status."""
    log.info("rich menu not deployed yet: nothing linked", extra={"menu": menu})
