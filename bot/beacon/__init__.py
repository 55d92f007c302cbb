"""LINE Beacon: store visits and the store's message when a customer walks in."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the beacon event handler (importing it registers it)."""
    import bot.beacon.handler  # noqa: F401
