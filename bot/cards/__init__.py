"""Member cards: the LIFF card page, its API and the short-lived QR codes."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the card API and the LIFF page."""
    from bot.cards.views import bp

    app.register_blueprint(bp)
