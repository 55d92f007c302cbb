"""The FAQ's sweep: forget unanswered questions past their retention."""

from __future__ import annotations

import logging

from flask import current_app

from bot.extensions import db
from bot.faq.gaps import purge_gaps
from bot.models_base import utcnow

log = logging.getLogger(__name__)


def purge_expired_gaps() -> None:
    """Each minute in the worker, delete gaps older than FAQ_GAPS_KEEP_DAYS."""
    keep_days = current_app.config["SETTINGS"].FAQ_GAPS_KEEP_DAYS
    purged = purge_gaps(utcnow(), keep_days)
    db.session.commit()
    if purged:
        log.info("purged faq gaps", extra={"count": purged})
