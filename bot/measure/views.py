"""GET /r/TOKEN: record a click on a tracked link and redirect to its URL."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect
from sqlalchemy import insert, select
from werkzeug.wrappers import Response

from bot.extensions import db
from bot.measure.links import read_token, with_utm
from bot.measure.models import Click, TrackedLink
from bot.models_base import utcnow

bp = Blueprint("measure", __name__)

# Tracked links never change once stored; a process keeps the ones it has seen.
_CACHE_LIMIT = 50_000


def _target(link_id: int) -> str | None:
    cache = current_app.extensions.setdefault("tracked_link_targets", {})
    target = cache.get(link_id)
    if target is None:
        row = db.session.execute(
            select(TrackedLink.url, TrackedLink.campaign).where(
                TrackedLink.id == link_id
            )
        ).first()
        if row is None:
            return None
        target = with_utm(row.url, row.campaign)
        if len(cache) < _CACHE_LIMIT:
            cache[link_id] = target
    return target


@bp.get("/r/<token>")
def follow_link(token: str) -> Response:
    """Record the click (one insert) and answer 302 to the link's own URL."""
    parsed = read_token(token)
    if parsed is None:
        abort(404)
    link_id, user_id = parsed
    target = _target(link_id)
    if target is None:
        abort(404)
    db.session.execute(
        insert(Click).values(link_id=link_id, line_user_id=user_id, clicked_at=utcnow())
    )
    db.session.commit()
    response = redirect(target, code=302)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
