"""At the register: the per-store staff API and the staff web page."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the register API and the /staff page."""
    from bot.pos.views import api, staff

    app.register_blueprint(api)
    app.register_blueprint(staff)
